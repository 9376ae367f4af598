import type { Cluster, Redis } from 'ioredis';
import { withTimeout } from '../core/redis-calls.js';
import { CACHED_USER_TOMBSTONE, RedisKeys } from '../core/redis-keys.js';
import type { CachedUser } from './user-cache.js';
import { decodeCachedUser, UserCache } from './user-cache.js';

/** Options of {@link RedisUserCache}. */
export interface RedisUserCacheOptions {
  /** Prefix of every key; use the session store's. @default 'warden:' */
  keyPrefix?: string;
  /** Longest wait for a Redis call, in ms. @default 1000 */
  commandTimeoutMs?: number;
}

/**
 * {@link UserCache} on Redis: `<prefix>{<tag>}:c:<userId>`, the same hash slot as the user's
 * sessions, with a TTL. Shared by every app instance.
 */
export class RedisUserCache extends UserCache {
  private readonly keys: RedisKeys;
  private readonly timeoutMs: number;

  constructor(
    private readonly redis: Redis | Cluster,
    options: RedisUserCacheOptions = {},
  ) {
    super();
    this.keys = new RedisKeys(options.keyPrefix);
    this.timeoutMs = options.commandTimeoutMs ?? 1000;
  }

  async get(userId: string): Promise<CachedUser | null> {
    return decodeCachedUser(await this.bounded(this.redis.get(this.keys.cachedUser(userId))));
  }

  async fill(user: CachedUser, ttlSeconds: number): Promise<void> {
    await this.bounded(
      this.redis.set(this.keys.cachedUser(user.id), JSON.stringify(user), 'EX', ttlSeconds, 'NX'),
    );
  }

  async invalidate(userId: string, tombstoneSeconds: number): Promise<void> {
    await this.bounded(
      this.redis.set(this.keys.cachedUser(userId), CACHED_USER_TOMBSTONE, 'EX', tombstoneSeconds),
    );
  }

  private bounded<T>(call: Promise<T>): Promise<T> {
    return withTimeout(call, this.timeoutMs, 'Redis user cache call');
  }
}
