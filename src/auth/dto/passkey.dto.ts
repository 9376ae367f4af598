import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsObject, IsOptional, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { ValidationFailedException } from '../../errors/warden.exceptions.js';

/** No control characters (a NUL byte, a newline): what a display name may hold. */
const PRINTABLE = /^\P{Cc}*$/u;

/** Body of `POST /auth/passkeys/register`. */
export class PasskeyRegisterDto {
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: "The browser's RegistrationResponseJSON (credential.toJSON())",
  })
  @IsObject()
  response!: Record<string, unknown>;

  @ApiPropertyOptional({ maxLength: 100, example: 'MacBook Touch ID' })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  @Matches(PRINTABLE, { message: 'name must not hold control characters' })
  name?: string;
}

/** Body of `POST /auth/passkeys/login`. */
export class PasskeyLoginDto {
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: "The browser's AuthenticationResponseJSON (credential.toJSON())",
  })
  @IsObject()
  response!: Record<string, unknown>;
}

/** Body of `PATCH /auth/passkeys/:id`. */
export class PasskeyRenameDto {
  @ApiProperty({ maxLength: 100 })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  @Matches(PRINTABLE, { message: 'name must not hold control characters' })
  name!: string;
}

/** An empty JSON object, the body of the options routes; anything else is 400. */
export function assertEmptyBody(body: unknown): void {
  const empty =
    body === undefined ||
    (typeof body === 'object' &&
      body !== null &&
      !Array.isArray(body) &&
      !Object.keys(body).length);
  if (!empty) throw new ValidationFailedException(['the body must be an empty object {}']);
}

/** A passkey as listed: never the key or the credential id. */
export class PasskeyResponseDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty()
  name!: string;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time', nullable: true, type: String })
  lastUsedAt!: string | null;
}
