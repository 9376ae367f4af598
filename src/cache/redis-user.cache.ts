import { withTimeout } from '../redis/redis-calls.js';
import type { Cluster, Redis } from 'ioredis';
import { userTag } from '../session/session-cookie.js';
import type { CachedUser } from './user-cache.js';
import { parseCachedUser, TOMBSTONE, UserCache } from './user-cache.js';

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
  private readonly prefix: string;
  private readonly timeoutMs: number;

  constructor(
    private readonly redis: Redis | Cluster,
    options: RedisUserCacheOptions = {},
  ) {
    super();
    this.prefix = options.keyPrefix ?? 'warden:';
    this.timeoutMs = options.commandTimeoutMs ?? 1000;
  }

  async get(userId: string): Promise<CachedUser | null> {
    const value = await this.bounded(this.redis.get(this.key(userId)));
    return value && value !== TOMBSTONE ? parseCachedUser(value) : null;
  }

  async fill(user: CachedUser, ttlSeconds: number): Promise<void> {
    await this.bounded(
      this.redis.set(this.key(user.id), JSON.stringify(user), 'EX', ttlSeconds, 'NX'),
    );
  }

  async invalidate(userId: string, tombstoneSeconds: number): Promise<void> {
    await this.bounded(this.redis.set(this.key(userId), TOMBSTONE, 'EX', tombstoneSeconds));
  }

  private key(userId: string): string {
    return `${this.prefix}{${userTag(userId)}}:c:${userId}`;
  }

  private bounded<T>(call: Promise<T>): Promise<T> {
    return withTimeout(call, this.timeoutMs, 'Redis user cache call');
  }
}
