import { randomUUID } from 'node:crypto';
import { MemoryUserRepository } from './memory-user.repository.js';
import type { UserRecord } from './user.record.js';
import { CachedUsers } from './cached-users.js';
import { MemoryUserCache } from './memory-user.cache.js';
import type { CachedUser } from './user-cache.js';
import { UserCache } from './user-cache.js';

/** The shipped memory repository, counting reads: the "database" of these tests. */
class CountingRepository extends MemoryUserRepository {
  reads = 0;
  override async findById(id: string): Promise<UserRecord | null> {
    this.reads++;
    await new Promise((resolve) => setImmediate(resolve));
    return super.findById(id);
  }
}

/** A cache whose backing store is down. */
class BrokenCache extends UserCache {
  async get(): Promise<CachedUser | null> {
    throw new Error('connection refused');
  }
  async fill(): Promise<void> {
    throw new Error('connection refused');
  }
  async invalidate(): Promise<void> {
    throw new Error('connection refused');
  }
}

async function setup(cache?: UserCache) {
  const repository = new CountingRepository();
  const user = await repository.create({
    id: randomUUID(),
    email: 'a@example.com',
    emailSkeleton: 'a@exarnple.corn',
    displayName: 'A',
    passwordHash: '$argon2id$v=19$m=19456,t=2,p=1$x$y',
    roles: ['user'],
  });
  return { repository, user, users: new CachedUsers(repository, cache, 60) };
}

describe('CachedUsers', () => {
  describe('load', () => {
    it('reads the database once, then serves from the cache, never with the hash', async () => {
      const { repository, user, users } = await setup(new MemoryUserCache());
      const first = await users.load(user.id);
      await users.load(user.id);
      await users.load(user.id);
      expect(repository.reads).toBe(1);
      expect(first).not.toHaveProperty('passwordHash');
      expect(first).toMatchObject({ id: user.id, authVersion: 1, isActive: true });
    });

    it('makes one database read for 20 concurrent misses (single flight)', async () => {
      const { repository, user, users } = await setup(new MemoryUserCache());
      const loaded = await Promise.all(Array.from({ length: 20 }, () => users.load(user.id)));
      expect(repository.reads).toBe(1);
      expect(loaded.every((u) => u?.id === user.id)).toBe(true);
    });

    it('falls back to the database when the cache fails, and ignores failed writes', async () => {
      const { repository, user, users } = await setup(new BrokenCache());
      expect((await users.load(user.id))?.id).toBe(user.id);
      await users.invalidate(user.id);
      expect(repository.reads).toBe(1);
    });

    it('reads the database after an invalidation', async () => {
      const { repository, user, users } = await setup(new MemoryUserCache());
      await users.load(user.id);
      await repository.update(user.id, { roles: ['admin'], bumpAuthVersion: true });
      await users.invalidate(user.id);
      expect(await users.load(user.id)).toMatchObject({ roles: ['admin'], authVersion: 2 });
      expect(repository.reads).toBe(2);
    });

    it('reads the database every time without a cache', async () => {
      const { repository, user, users } = await setup();
      await users.load(user.id);
      await users.load(user.id);
      expect(repository.reads).toBe(2);
    });
  });
});
