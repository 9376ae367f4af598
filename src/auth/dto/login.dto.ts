import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { NormalizedEmail } from './register.dto.js';

/** Body of `POST /auth/login`. */
export class LoginDto {
  @ApiProperty({ example: 'alice@example.com' })
  @NormalizedEmail()
  @IsString()
  @MinLength(1)
  @MaxLength(254)
  email!: string;

  @ApiProperty({ example: 'correct horse battery staple' })
  @IsString()
  @MinLength(1)
  @MaxLength(1024)
  password!: string;

  @ApiPropertyOptional({ description: 'Persistent cookie (Max-Age = absolute lifetime)' })
  @IsOptional()
  @IsBoolean()
  rememberMe?: boolean;
}
