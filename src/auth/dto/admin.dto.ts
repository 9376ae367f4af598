import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
} from 'class-validator';
import { ValidationFailedException } from '../../errors/warden.exceptions.js';
import { UserResponseDto } from '../../users/user-response.dto.js';

/** Body of `PATCH /admin/users/:id`. */
export class AdminUserPatchDto {
  @ApiPropertyOptional({ type: [String], example: ['user', 'admin'], maxItems: 20 })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @IsString({ each: true })
  @MaxLength(64, { each: true })
  @Matches(/^[a-z0-9][a-z0-9_.:-]*$/i, { each: true, message: 'each role must be a simple name' })
  roles?: string[];

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  isActive?: boolean;
}

/** A user as the admin API shows it. */
export class AdminUserResponseDto extends UserResponseDto {
  @ApiProperty()
  isActive!: boolean;

  @ApiProperty({ format: 'date-time', nullable: true, type: String })
  lastLoginAt!: string | null;

  @ApiProperty({ description: 'Live sessions (cookie and token) right now' })
  sessions!: number;
}

/** One audit record as `GET /admin/audit` answers it. */
export class AuditRecordDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'date-time' }) at!: string;
  @ApiProperty({ example: 'warden.login.succeeded' }) type!: string;
  @ApiProperty({ nullable: true, type: String }) userId!: string | null;
  @ApiProperty({ nullable: true, type: String }) actorId!: string | null;
  @ApiProperty({ nullable: true, type: String, description: 'public session handle' })
  sessionId!: string | null;
  @ApiProperty({ nullable: true, type: String }) ip!: string | null;
  @ApiProperty({ nullable: true, type: String }) reason!: string | null;
  @ApiProperty({ nullable: true, type: String }) action!: string | null;
  @ApiProperty({ nullable: true, type: String }) result!: string | null;
  @ApiProperty({ nullable: true, type: String }) accountHash!: string | null;
}

/** An integer query parameter within bounds, or its default; anything else is 400. */
export function queryInt(
  name: string,
  value: unknown,
  bounds: { min: number; max: number; fallback?: number },
): number | undefined {
  if (value === undefined) return bounds.fallback;
  if (typeof value !== 'string' || !/^\d{1,15}$/.test(value)) {
    throw new ValidationFailedException([`${name} must be an integer`]);
  }
  const number = Number(value);
  if (number < bounds.min || number > bounds.max) {
    throw new ValidationFailedException([
      `${name} must be between ${bounds.min} and ${bounds.max}`,
    ]);
  }
  return number;
}

/** Whether a string holds a control character (a NUL byte, a newline, ...). */
function hasControlCharacter(value: string): boolean {
  return /\p{Cc}/u.test(value);
}

/** An optional string query parameter of at most `max` characters, else 400. */
export function queryString(name: string, value: unknown, max: number): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string' || value.length > max || hasControlCharacter(value)) {
    throw new ValidationFailedException([
      `${name} must be a string of at most ${max} characters, without control characters`,
    ]);
  }
  return value;
}
