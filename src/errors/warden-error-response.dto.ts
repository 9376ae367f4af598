import { ApiProperty } from '@nestjs/swagger';
import { WardenErrorCode } from './error-codes.js';

/** The error body, for Swagger: Nest's shape plus a stable `code` (every {@link WardenErrorCode}). */
export class WardenErrorResponseDto {
  @ApiProperty({ example: 401 })
  statusCode!: number;

  @ApiProperty({ oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] })
  message!: string | string[];

  @ApiProperty({ example: 'Unauthorized' })
  error!: string;

  @ApiProperty({
    enum: Object.values(WardenErrorCode),
    enumName: 'WardenErrorCode',
    description: 'Stable, machine-readable error code (public API)',
  })
  code!: WardenErrorCode;
}
