import type { CachedUser, UserCache } from '../../users/user-cache.js';

/** The user the cache contract stores. */
export const alice: CachedUser = {
  id: '0b0e7e5a-0000-4000-8000-0000000a11ce',
  email: 'alice@example.com',
  displayName: 'Alice',
  roles: ['user'],
  emailVerified: true,
  mfaEnabled: true,
  isActive: true,
  authVersion: 3,
  createdAt: new Date('2026-01-02T03:04:05.000Z'),
};

/** How a contract run gets a fresh cache, and cleans up. */
export interface UserCacheHarness {
  create: () => Promise<UserCache>;
  destroy: () => Promise<void>;
}

/**
 * What every `UserCache` must do: miss, fill (never over a value), invalidate with a tombstone
 * a late fill cannot overwrite. Runs under Jest or Vitest (with globals).
 */
export function describeUserCacheContract(name: string, harness: () => UserCacheHarness) {
  describe(`UserCache contract: ${name}`, () => {
    const h = harness();
    let cache: UserCache;
    beforeEach(async () => {
      cache = await h.create();
    });
    afterEach(() => h.destroy());

    it('misses, then returns what was filled, dates included', async () => {
      expect(await cache.get(alice.id)).toBeNull();
      await cache.fill(alice, 60);
      expect(await cache.get(alice.id)).toEqual(alice);
    });

    it('never fills over an existing snapshot', async () => {
      await cache.fill(alice, 60);
      await cache.fill({ ...alice, roles: ['admin'] }, 60);
      expect((await cache.get(alice.id))?.roles).toEqual(['user']);
    });

    it('invalidates with a tombstone that a late fill cannot overwrite', async () => {
      await cache.fill(alice, 60);
      await cache.invalidate(alice.id, 10);
      expect(await cache.get(alice.id)).toBeNull();
      await cache.fill(alice, 60); // read from the database before the write: must not land
      expect(await cache.get(alice.id)).toBeNull();
    });
  });
}
