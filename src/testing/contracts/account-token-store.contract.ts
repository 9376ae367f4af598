import type {
  AccountTokenPurpose,
  AccountTokenRecord,
  AccountTokenStore,
} from '../../account/account-token.store.js';

/** How a contract run gets a fresh, empty store, and gives it back. */
export interface AccountTokenStoreHarness {
  create: () => Promise<AccountTokenStore>;
  destroy: () => Promise<void>;
}

/** A time past 2^32 ms, so a store that keeps times in 32 bits fails. */
const T0 = 1_764_400_000_000;
const HOUR = 3_600_000;

/**
 * The behaviour every `AccountTokenStore` adapter must have. Times are explicit `now` values:
 * nothing sleeps.
 */
export function describeAccountTokenStoreContract(
  name: string,
  harness: () => AccountTokenStoreHarness,
) {
  describe(`AccountTokenStore contract: ${name}`, () => {
    let h: AccountTokenStoreHarness;
    let store: AccountTokenStore;
    let serial = 0;

    beforeAll(() => {
      h = harness();
    });
    beforeEach(async () => {
      store = await h.create();
    });
    afterEach(async () => {
      await h.destroy();
    });

    /** A record valid from T0 for an hour; a fresh 64-hex-digit hash unless one is given. */
    const token = (fields: Partial<AccountTokenRecord> = {}): AccountTokenRecord => ({
      tokenHash: (++serial).toString(16).padStart(64, '0'),
      purpose: 'verify-email',
      userId: '0b6f5f0e-8c1a-4f7e-9a53-2d6b1c1e9f10',
      email: 'ada@example.com',
      newEmail: null,
      authVersion: 3,
      expiresAt: T0 + HOUR,
      createdAt: T0,
      ...fields,
    });
    const stored = async (record: AccountTokenRecord, purpose?: AccountTokenPurpose) =>
      store.find(record.tokenHash, purpose ?? record.purpose, T0);

    describe('insert', () => {
      it('stores every field: find gives them back, times as numbers', async () => {
        const record = token({
          purpose: 'email-change',
          newEmail: 'ada@new.example.org',
          authVersion: 2_000_000_000,
        });
        await store.insert(record);
        const found = await stored(record);
        expect(found).toEqual(record);
        expect(typeof found?.expiresAt).toBe('number');
        expect(typeof found?.createdAt).toBe('number');
        expect(typeof found?.authVersion).toBe('number');
      });

      it('keeps newEmail null as null', async () => {
        const record = token({ purpose: 'password-reset', newEmail: null });
        await store.insert(record);
        expect(await stored(record)).toEqual(record);
        expect((await stored(record))?.newEmail).toBeNull();
      });

      it('keeps a 320-character email and newEmail', async () => {
        const domain = `${'b'.repeat(63)}.`.repeat(3) + 'c'.repeat(63);
        const email = `${'a'.repeat(64)}@${domain}`;
        expect(email).toHaveLength(320);
        const record = token({ purpose: 'email-change', email, newEmail: email });
        await store.insert(record);
        expect(await stored(record)).toEqual(record);
      });

      it('forgets tokens that expired before the new createdAt, keeps live ones', async () => {
        const dead = token({ expiresAt: T0 + 1000 });
        const deadOtherUser = token({ userId: 'other', purpose: 'password-reset', expiresAt: T0 });
        const live = token({ expiresAt: T0 + 10 * HOUR });
        for (const record of [dead, deadOtherUser, live]) await store.insert(record);
        const fresh = token({ createdAt: T0 + 2000, expiresAt: T0 + 2000 + HOUR });
        await store.insert(fresh);
        // Read as of T0, when all were live: only a purge explains a miss.
        expect(await store.find(dead.tokenHash, dead.purpose, T0 - 1)).toBeNull();
        expect(await store.find(deadOtherUser.tokenHash, 'password-reset', T0 - 1)).toBeNull();
        expect(await stored(live)).toEqual(live);
        expect(await stored(fresh)).toEqual(fresh);
      });
    });

    describe('find', () => {
      it('gives nothing for another purpose', async () => {
        const record = token({ purpose: 'password-reset' });
        await store.insert(record);
        expect(await stored(record, 'verify-email')).toBeNull();
        expect(await stored(record, 'email-change')).toBeNull();
        expect(await stored(record)).toEqual(record);
      });

      it('gives nothing once expired (now >= expiresAt)', async () => {
        const record = token();
        await store.insert(record);
        expect(await store.find(record.tokenHash, record.purpose, record.expiresAt - 1)).toEqual(
          record,
        );
        expect(await store.find(record.tokenHash, record.purpose, record.expiresAt)).toBeNull();
        expect(
          await store.find(record.tokenHash, record.purpose, record.expiresAt + HOUR),
        ).toBeNull();
      });

      it('gives nothing for an unknown hash, and does not use the token', async () => {
        const record = token();
        await store.insert(record);
        expect(await store.find('e'.repeat(64), record.purpose, T0)).toBeNull();
        expect(await stored(record)).toEqual(record);
        expect(await stored(record)).toEqual(record);
      });
    });

    describe('consume', () => {
      it('returns the record once, then null', async () => {
        const record = token({ purpose: 'email-change', newEmail: 'ada@new.example.org' });
        await store.insert(record);
        expect(await store.consume(record.tokenHash, record.purpose, T0)).toEqual(record);
        expect(await store.consume(record.tokenHash, record.purpose, T0)).toBeNull();
        expect(await stored(record)).toBeNull();
      });

      it('gives nothing for another purpose and leaves the token usable', async () => {
        const record = token({ purpose: 'password-reset' });
        await store.insert(record);
        expect(await store.consume(record.tokenHash, 'verify-email', T0)).toBeNull();
        expect(await store.consume(record.tokenHash, 'email-change', T0)).toBeNull();
        expect(await store.consume(record.tokenHash, 'password-reset', T0)).toEqual(record);
      });

      it('gives nothing for an expired token', async () => {
        const record = token();
        await store.insert(record);
        expect(await store.consume(record.tokenHash, record.purpose, record.expiresAt)).toBeNull();
        expect(
          await store.consume(record.tokenHash, record.purpose, record.expiresAt + HOUR),
        ).toBeNull();
      });

      it('gives the record to exactly one of 20 parallel uses', async () => {
        const record = token();
        await store.insert(record);
        const results = await Promise.all(
          Array.from({ length: 20 }, () => store.consume(record.tokenHash, record.purpose, T0)),
        );
        expect(results.filter((result) => result !== null)).toEqual([record]);
        expect(await stored(record)).toBeNull();
      });
    });

    describe('deleteForUser', () => {
      it("deletes only that user's tokens of that purpose", async () => {
        const user = 'user-a';
        const mine = [token({ userId: user }), token({ userId: user })];
        const myOtherPurpose = token({ userId: user, purpose: 'password-reset' });
        const theirs = token({ userId: 'user-b' });
        for (const record of [...mine, myOtherPurpose, theirs]) await store.insert(record);
        await store.deleteForUser(user, 'verify-email');
        for (const record of mine) expect(await stored(record)).toBeNull();
        expect(await stored(myOtherPurpose)).toEqual(myOtherPurpose);
        expect(await stored(theirs)).toEqual(theirs);
      });

      it('does nothing for a user without tokens', async () => {
        const record = token();
        await store.insert(record);
        await store.deleteForUser('nobody', record.purpose);
        expect(await stored(record)).toEqual(record);
      });
    });
  });
}
