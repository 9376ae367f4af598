import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsObject, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';

/** Body of `POST /auth/reauth`: exactly one of `password`, `code` and `passkey`. */
export class ReauthDto {
  @ApiPropertyOptional({ description: 'The current password' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(1024)
  password?: string;

  @ApiPropertyOptional({
    description: 'A code of the authenticator app (or a recovery code), for a user with MFA',
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  code?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description:
      'A passkey assertion (AuthenticationResponseJSON) for the options of POST /auth/reauth/passkey/options',
  })
  @IsOptional()
  @IsObject()
  passkey?: Record<string, unknown>;
}
