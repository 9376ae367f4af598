// The consumer's own UserCache adapter: what a host app writes to keep users somewhere else.
import { UserCache, type CachedUser } from 'nest-warden';

/** Users in a Map; `null` marks a just-invalidated user (the tombstone). */
export class MapUserCache extends UserCache {
  constructor(private readonly overwriteOnFill = false) {
    super();
  }

  private readonly entries = new Map<string, CachedUser | null>();

  async get(userId: string): Promise<CachedUser | null> {
    return this.entries.get(userId) ?? null;
  }

  async fill(user: CachedUser): Promise<void> {
    if (this.entries.has(user.id) && !this.overwriteOnFill) return;
    this.entries.set(user.id, { ...user, roles: [...user.roles] });
  }

  async invalidate(userId: string): Promise<void> {
    this.entries.set(userId, null);
  }
}
