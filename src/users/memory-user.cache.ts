import type { Clock } from '../core/clock.js';
import { systemClock } from '../core/clock.js';
import type { CachedUser } from './user-cache.js';
import { UserCache } from './user-cache.js';

/** In-process {@link UserCache}: bounded, TTL on the injected clock. Per instance only. */
export class MemoryUserCache extends UserCache {
  private readonly entries = new Map<string, { user: CachedUser | null; expiresAt: number }>();

  constructor(private readonly options: { clock?: Clock; maxEntries?: number } = {}) {
    super();
  }

  async get(userId: string): Promise<CachedUser | null> {
    const entry = this.entries.get(userId);
    if (!entry) return null;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(userId);
      return null;
    }
    return entry.user ? { ...entry.user, roles: [...entry.user.roles] } : null;
  }

  async fill(user: CachedUser, ttlSeconds: number): Promise<void> {
    const current = this.entries.get(user.id);
    if (current && current.expiresAt > this.now()) return; // NX: never over a value or tombstone
    this.put(user.id, { ...user, roles: [...user.roles] }, ttlSeconds);
  }

  async invalidate(userId: string, tombstoneSeconds: number): Promise<void> {
    this.put(userId, null, tombstoneSeconds);
  }

  private put(userId: string, user: CachedUser | null, ttlSeconds: number): void {
    this.entries.delete(userId);
    this.entries.set(userId, { user, expiresAt: this.now() + ttlSeconds * 1000 });
    const max = this.options.maxEntries ?? 100_000;
    while (this.entries.size > max) this.entries.delete(this.entries.keys().next().value as string);
  }

  private now(): number {
    return (this.options.clock ?? systemClock).now();
  }
}
