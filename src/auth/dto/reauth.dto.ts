import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength, MinLength } from 'class-validator';

/** Body of `POST /auth/reauth`: exactly one of `password` and `code`. */
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
}
