import { ApiProperty } from '@nestjs/swagger';
import type { SessionRecord } from '../../session/session.record.js';

/** One of the caller's sessions as `GET /auth/sessions` lists it. */
export class SessionResponseDto {
  @ApiProperty({ description: 'Public handle (never the cookie secret); use it to revoke' })
  id!: string;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  lastSeenAt!: string;

  @ApiProperty({ nullable: true, type: String })
  ip!: string | null;

  @ApiProperty({ nullable: true, type: String })
  userAgent!: string | null;

  @ApiProperty({ description: 'The session this request came with' })
  current!: boolean;
}

/** Maps a session record to its public shape. */
export function toSessionResponse(
  record: SessionRecord,
  currentHandle?: string,
): SessionResponseDto {
  return {
    id: record.handle,
    createdAt: new Date(record.createdAt).toISOString(),
    lastSeenAt: new Date(record.lastSeenAt).toISOString(),
    ip: record.ip,
    userAgent: record.userAgent ?? null,
    current: record.handle === currentHandle,
  };
}
