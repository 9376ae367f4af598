import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { normalizeEmail } from '../../users/email.js';

/** Normalises a string email before validation; leaves other types for `@IsString` to reject. */
export const NormalizedEmail = () =>
  Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' ? normalizeEmail(value) : value,
  );

/** Body of `POST /auth/register`. Unknown fields are rejected with 400. */
export class RegisterDto {
  @ApiProperty({ example: 'alice@example.com', maxLength: 254 })
  @NormalizedEmail()
  @IsString()
  @MaxLength(254)
  @IsEmail({}, { message: 'email must be a valid email address' })
  email!: string;

  @ApiProperty({
    minLength: 8,
    maxLength: 256,
    description: 'NFKC-normalised; 8 to 256 code points; not a common password',
  })
  @IsString()
  @MaxLength(1024)
  password!: string;

  @ApiPropertyOptional({ example: 'Alice', maxLength: 100 })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  displayName?: string;
}
