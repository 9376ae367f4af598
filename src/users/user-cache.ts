import { CACHED_USER_TOMBSTONE } from '../core/redis-keys.js';
import type { UserRecord } from './user.record.js';

/** What the user cache keeps: the public fields plus what guards check. Never the hash. */
export type CachedUser = Omit<
  UserRecord,
  'passwordHash' | 'emailSkeleton' | 'updatedAt' | 'lastLoginAt'
>;

/** The cacheable snapshot of a user. */
export function toCachedUser(user: UserRecord): CachedUser {
  return {
    id: user.id,
    email: user.email,
    displayName: user.displayName,
    roles: [...user.roles],
    emailVerified: user.emailVerified,
    mfaEnabled: user.mfaEnabled,
    isActive: user.isActive,
    authVersion: user.authVersion,
    createdAt: user.createdAt,
  };
}

/**
 * Port: where cached users live. Shipped: `RedisUserCache` (shared by every instance, so an
 * invalidation on one is seen by all) and `MemoryUserCache`. Both pass
 * `test/contracts/user-cache`. Failures throw; the loader falls back to the database.
 */
export abstract class UserCache {
  /** The cached snapshot, or null on a miss (a tombstone is a miss). */
  abstract get(userId: string): Promise<CachedUser | null>;
  /**
   * Stores a snapshot for `ttlSeconds` only if the key is empty: never over a tombstone, so a
   * snapshot read from the database before a concurrent write cannot land after it.
   */
  abstract fill(user: CachedUser, ttlSeconds: number): Promise<void>;
  /** Replaces the user's snapshot with a tombstone for `tombstoneSeconds` (every user write). */
  abstract invalidate(userId: string, tombstoneSeconds: number): Promise<void>;
}

/**
 * A cached user as Redis holds it (JSON), or null for a miss: no value, the tombstone of a
 * just-invalidated user, or an unreadable entry.
 */
export function decodeCachedUser(value: string | null | undefined): CachedUser | null {
  if (!value || value === CACHED_USER_TOMBSTONE) return null;
  try {
    const raw = JSON.parse(value) as Omit<CachedUser, 'createdAt'> & { createdAt: string };
    // Written by a version without one of the fields: a miss, so the user is read afresh.
    if (typeof raw.emailVerified !== 'boolean' || typeof raw.mfaEnabled !== 'boolean') return null;
    return { ...raw, createdAt: new Date(raw.createdAt) };
  } catch {
    return null;
  }
}
