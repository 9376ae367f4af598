import { CACHED_USER_TOMBSTONE } from '../core/redis-keys.js';
import type { UserRecord } from './user.record.js';
import { decodeCachedUser, toCachedUser } from './user-cache.js';

const user: UserRecord = {
  id: '0b6f5f0e-8c1a-4f7e-9a53-2d6b1c1e9f10',
  email: 'ada@example.com',
  emailSkeleton: 'ada@example.com',
  displayName: 'Ada',
  passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA',
  roles: ['user'],
  emailVerified: true,
  mfaEnabled: true,
  isActive: true,
  authVersion: 4,
  createdAt: new Date('2026-01-02T03:04:05.000Z'),
  updatedAt: new Date('2026-01-03T03:04:05.000Z'),
  lastLoginAt: null,
};

describe('toCachedUser', () => {
  it('keeps the public and guard fields, mfaEnabled included, never the hash', () => {
    const cached = toCachedUser(user);
    expect(Object.keys(cached).sort()).toEqual([
      'authVersion',
      'createdAt',
      'displayName',
      'email',
      'emailVerified',
      'id',
      'isActive',
      'mfaEnabled',
      'roles',
    ]);
    expect(cached.mfaEnabled).toBe(true);
  });
});

describe('decodeCachedUser', () => {
  const encoded = (fields: Record<string, unknown> = {}) =>
    JSON.stringify({ ...toCachedUser(user), ...fields });

  it('gives back what was encoded, createdAt as a Date', () => {
    expect(decodeCachedUser(encoded())).toEqual(toCachedUser(user));
  });

  it('treats an entry without mfaEnabled (an older version wrote it) as a miss', () => {
    expect(decodeCachedUser(encoded({ mfaEnabled: undefined }))).toBeNull();
  });

  it('treats an entry without emailVerified as a miss', () => {
    expect(decodeCachedUser(encoded({ emailVerified: undefined }))).toBeNull();
  });

  it('treats the tombstone, nothing and unreadable JSON as a miss', () => {
    for (const value of [CACHED_USER_TOMBSTONE, null, undefined, '', '{']) {
      expect(decodeCachedUser(value)).toBeNull();
    }
  });
});
