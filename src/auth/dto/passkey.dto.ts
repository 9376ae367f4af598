import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsObject, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';

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
  name!: string;
}

/** An empty body (`POST /auth/passkeys/login/options`). */
export class EmptyBodyDto {}

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
