import type { Cluster, Redis } from 'ioredis';
import { RedisUserCache } from '../users/redis-user.cache.js';
import { RedisKeys } from '../core/redis-keys.js';
import { RedisAttemptStore } from '../security/redis-attempt.store.js';
import { RedisSessionStore } from '../session/redis-session.store.js';

/** Options of {@link createRedisAdapters}. */
export interface RedisAdaptersOptions {
  /** Prefix of every key (one per app sharing a Redis). @default 'warden:' */
  keyPrefix?: string;
  /** Longest wait for any Redis call, in ms; then 503. @default 1000 */
  commandTimeoutMs?: number;
}

/** nest-warden's Redis adapters, built from one client and one key prefix. */
export interface RedisAdapters {
  /** For `AuthModule`'s `sessionStore`; reads the cached user in the same round trip. */
  sessionStore: RedisSessionStore;
  /** For `UsersModule`'s `userCache`. */
  userCache: RedisUserCache;
  /** For `AuthModule`'s `loginThrottle.store`. */
  attemptStore: RedisAttemptStore;
}

/**
 * Every Redis adapter from one connected ioredis client (`Redis` or `Cluster`, with
 * `enableOfflineQueue: false`) and one `keyPrefix`, so they agree on the key layout: an
 * authenticated request then costs one Redis round trip (session and cached user together).
 *
 * ```ts
 * const redis = new Redis(process.env.REDIS_URL!, { enableOfflineQueue: false });
 * const { sessionStore, userCache, attemptStore } = createRedisAdapters(redis, { keyPrefix: 'app:' });
 * ```
 */
export function createRedisAdapters(
  redis: Redis | Cluster,
  options: RedisAdaptersOptions = {},
): RedisAdapters {
  const keyPrefix = new RedisKeys(options.keyPrefix).prefix;
  const common = { keyPrefix, commandTimeoutMs: options.commandTimeoutMs };
  return {
    sessionStore: new RedisSessionStore(redis, { ...common, prefetchCachedUser: true }),
    userCache: new RedisUserCache(redis, common),
    attemptStore: new RedisAttemptStore(redis, common),
  };
}
