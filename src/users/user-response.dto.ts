import { ApiProperty } from '@nestjs/swagger';
import type { UserRecord } from './user.record.js';

/** A user as it goes on the wire: never a hash, never a secret. */
export class UserResponseDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({
    example: 'alice@example.com',
    description: 'Normalised: trimmed, NFKC, lower-case',
  })
  email!: string;

  @ApiProperty({ example: 'Alice' })
  displayName!: string;

  @ApiProperty({ type: [String], example: ['user'] })
  roles!: string[];

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ description: 'The user proved they receive mail at `email`' })
  emailVerified!: boolean;

  @ApiProperty({ description: 'TOTP multi-factor is on' })
  mfaEnabled!: boolean;
}

/** Maps a stored user to its public shape. The only way a user reaches a response. */
export function toUserResponse(
  user: Pick<
    UserRecord,
    'id' | 'email' | 'displayName' | 'roles' | 'createdAt' | 'emailVerified' | 'mfaEnabled'
  >,
): UserResponseDto {
  return {
    id: user.id,
    email: user.email,
    displayName: user.displayName,
    roles: [...user.roles],
    createdAt: user.createdAt.toISOString(),
    emailVerified: user.emailVerified,
    mfaEnabled: user.mfaEnabled,
  };
}
