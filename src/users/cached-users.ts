import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { UserRepository } from './user.repository.js';
import type { CachedUser } from './user-cache.js';
import { toCachedUser, UserCache } from './user-cache.js';

/** How long an invalidated user stays uncacheable: longer than any database read in flight. */
const TOMBSTONE_SECONDS = 10;

/** DI token of the user cache TTL in seconds. */
export const WARDEN_USER_CACHE_TTL = 'WARDEN:USER_CACHE_TTL';

/**
 * Cache-aside user loading for the guards: a hit costs no database query; a miss reads the
 * database once and fills the cache; concurrent misses for one user in this process share one
 * read (single flight). A cache read failure falls back to the database, a write failure is
 * logged and ignored. Without a configured `UserCache` every load reads the database.
 */
@Injectable()
export class CachedUsers {
  private readonly logger = new Logger('Warden');
  private readonly inFlight = new Map<string, Promise<CachedUser | null>>();

  constructor(
    private readonly users: UserRepository,
    @Optional() private readonly cache?: UserCache,
    @Optional() @Inject(WARDEN_USER_CACHE_TTL) private readonly ttlSeconds: number = 60,
  ) {}

  /**
   * The user, from the cache when possible. `prefetched` is the cache entry when the session
   * store already read it in the same round trip (null for a miss): no second Redis call then.
   */
  async load(userId: string, prefetched?: CachedUser | null): Promise<CachedUser | null> {
    if (!userId) return null;
    if (prefetched !== undefined) {
      if (prefetched?.id === userId) return prefetched;
    } else if (this.cache) {
      try {
        const hit = await this.cache.get(userId);
        if (hit) return hit;
      } catch (error) {
        this.logger.warn(`User cache read failed (${describe(error)}); reading the database`);
      }
    }
    let pending = this.inFlight.get(userId);
    if (!pending) {
      pending = this.fill(userId).finally(() => this.inFlight.delete(userId));
      this.inFlight.set(userId, pending);
    }
    return pending;
  }

  /**
   * Drops a user from the cache (a tombstone for 10 s, so no fill that read the database before
   * the write can land). Called by every user write. A failure is logged: the write stands and
   * the stale snapshot dies with its TTL (with one Redis for both, sessions are down then too).
   */
  async invalidate(userId: string): Promise<void> {
    if (!this.cache) return;
    try {
      await this.cache.invalidate(userId, TOMBSTONE_SECONDS);
    } catch (error) {
      this.logger.warn(`User cache invalidation failed (${describe(error)})`);
    }
  }

  private async fill(userId: string): Promise<CachedUser | null> {
    const user = await this.users.findById(userId);
    if (!user) return null;
    const snapshot = toCachedUser(user);
    if (this.cache) {
      await this.cache.fill(snapshot, this.ttlSeconds).catch((error: unknown) => {
        this.logger.warn(`User cache write failed (${describe(error)}); ignored`);
      });
    }
    return snapshot;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message.slice(0, 120) : 'unknown error';
}
