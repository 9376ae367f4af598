import type { UserRecord } from '../users/user.record.js';

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

/** The value that marks a just-invalidated user. */
export const TOMBSTONE = '-';

/** JSON with the date revived. */
export function parseCachedUser(json: string): CachedUser {
  const raw = JSON.parse(json) as Omit<CachedUser, 'createdAt'> & { createdAt: string };
  return { ...raw, createdAt: new Date(raw.createdAt) };
}
