import { ApiProperty } from '@nestjs/swagger';
import { IsEmail, IsString, MaxLength, MinLength } from 'class-validator';
import { NormalizedEmail } from './register.dto.js';

/** Body of `POST /auth/email/verify` and `POST /auth/email/change/confirm`. */
export class AccountTokenDto {
  @ApiProperty({ description: 'The `token` query parameter of the link in the mail' })
  @IsString()
  @MinLength(1)
  @MaxLength(256)
  token!: string;
}

/** Body of `POST /auth/password/forgot`. */
export class ForgotPasswordDto {
  @ApiProperty({ example: 'alice@example.com', maxLength: 254 })
  @NormalizedEmail()
  @IsString()
  @MaxLength(254)
  @IsEmail({}, { message: 'email must be a valid email address' })
  email!: string;
}

/** Body of `POST /auth/password/reset`. */
export class ResetPasswordDto extends AccountTokenDto {
  @ApiProperty({ minLength: 8, maxLength: 256 })
  @IsString()
  @MaxLength(1024)
  newPassword!: string;
}

/** Body of `POST /auth/email/change`. */
export class ChangeEmailDto {
  @ApiProperty({ example: 'alice@example.org', maxLength: 254 })
  @NormalizedEmail()
  @IsString()
  @MaxLength(254)
  @IsEmail({}, { message: 'newEmail must be a valid email address' })
  newEmail!: string;
}

/** The empty body of a 202 that must not tell one case from another. */
export class AcceptedResponseDto {}
