import { randomBytes, randomUUID } from 'node:crypto';
import type { PasskeyRecord, PasskeyStore } from '../../passkeys/passkey.store.js';
import { PasskeyTakenError } from '../../passkeys/passkey.store.js';

/** How a contract run gets a fresh, empty store, and gives it back. */
export interface PasskeyStoreHarness {
  create: () => Promise<PasskeyStore>;
  destroy: () => Promise<void>;
}

/** A time past 2^32 ms, so a store that keeps times in 32 bits fails. */
const T0 = 1_764_800_000_000;

/** A signature counter past 2^32, so a store that keeps it in 32 bits fails. */
const BIG_COUNTER = 2 ** 32 + 7;

/** A passkey of `userId` created at `createdAt`, with a fresh id and credential id. */
const passkey = (userId: string, createdAt = T0, patch: Partial<PasskeyRecord> = {}) => ({
  id: randomUUID(),
  userId,
  credentialId: randomBytes(32).toString('base64url'),
  publicKey: randomBytes(77).toString('base64url'),
  counter: 0,
  transports: ['internal', 'hybrid'],
  backedUp: true,
  deviceType: 'multiDevice',
  name: 'iCloud Keychain',
  createdAt,
  lastUsedAt: null,
  ...patch,
});

/**
 * The behaviour every `PasskeyStore` adapter must have. Times are explicit values: nothing
 * sleeps. Keys and credential ids are opaque strings to a store.
 */
export function describePasskeyStoreContract(name: string, harness: () => PasskeyStoreHarness) {
  describe(`PasskeyStore contract: ${name}`, () => {
    let h: PasskeyStoreHarness;
    let store: PasskeyStore;
    let user: string;

    beforeAll(() => {
      h = harness();
    });
    beforeEach(async () => {
      store = await h.create();
      user = randomUUID();
    });
    afterEach(async () => {
      await h.destroy();
    });

    /** Stores a passkey of `userId` and gives it back. */
    const created = async (userId = user, createdAt = T0, patch: Partial<PasskeyRecord> = {}) => {
      const record = passkey(userId, createdAt, patch);
      await store.create(record);
      return record;
    };

    describe('create', () => {
      it('stores every field: findByCredentialId gives them back, numbers as numbers', async () => {
        const record = await created(user, T0, {
          counter: BIG_COUNTER,
          transports: ['usb', 'nfc', 'ble'],
          backedUp: false,
          deviceType: 'singleDevice',
          name: 'YubiKey 5',
          lastUsedAt: T0 + 1000,
        });
        const found = await store.findByCredentialId(record.credentialId);
        expect(found).toEqual(record);
        expect(typeof found?.counter).toBe('number');
        expect(typeof found?.createdAt).toBe('number');
        expect(typeof found?.lastUsedAt).toBe('number');
        expect(found?.backedUp).toBe(false);
      });

      it('keeps a backed-up passkey with no transports and lastUsedAt null', async () => {
        const record = await created(user, T0, { transports: [], backedUp: true });
        expect(await store.findByCredentialId(record.credentialId)).toEqual(record);
      });

      it('keeps long credential ids: 1023 characters, and 1023 bytes in base64url', async () => {
        const ids = ['c'.repeat(1023), randomBytes(1023).toString('base64url')];
        expect(ids[1]).toHaveLength(1364);
        for (const credentialId of ids) {
          const record = await created(user, T0, { credentialId });
          expect(await store.findByCredentialId(credentialId)).toEqual(record);
        }
      });

      it('refuses a credential id already stored, for another user, and changes nothing', async () => {
        const mine = await created(user, T0);
        const other = randomUUID();
        const theirs = passkey(other, T0 + 1000, { credentialId: mine.credentialId });
        await expect(store.create(theirs)).rejects.toBeInstanceOf(PasskeyTakenError);
        expect(await store.findByCredentialId(mine.credentialId)).toEqual(mine);
        expect(await store.listByUser(other)).toEqual([]);
        expect(await store.listByUser(user)).toEqual([mine]);
      });

      it('refuses the same credential id for the same user', async () => {
        const mine = await created(user, T0);
        await expect(
          store.create(passkey(user, T0 + 1, { credentialId: mine.credentialId })),
        ).rejects.toBeInstanceOf(PasskeyTakenError);
        expect(await store.listByUser(user)).toEqual([mine]);
      });

      it('refuses a passkey id already stored (a new credential id), and changes nothing', async () => {
        const mine = await created(user, T0);
        const clash = passkey(randomUUID(), T0 + 1, { id: mine.id });
        await expect(store.create(clash)).rejects.toBeInstanceOf(PasskeyTakenError);
        expect(await store.findByCredentialId(clash.credentialId)).toBeNull();
        expect(await store.listByUser(user)).toEqual([mine]);
      });

      it('keeps the stored copy apart from the caller’s object', async () => {
        const record = passkey(user, T0);
        await store.create(record);
        record.transports.push('usb');
        record.name = 'changed';
        const found = await store.findByCredentialId(record.credentialId);
        expect(found?.transports).toEqual(['internal', 'hybrid']);
        expect(found?.name).toBe('iCloud Keychain');
      });
    });

    describe('findByCredentialId', () => {
      it('gives null for an unknown credential id', async () => {
        await created();
        expect(await store.findByCredentialId('unknown')).toBeNull();
      });
    });

    describe('listByUser', () => {
      it("gives the user's passkeys oldest first, and no one else's", async () => {
        const other = randomUUID();
        const second = await created(user, T0 + 2000);
        await created(other, T0 + 1500);
        const first = await created(user, T0 + 1000);
        const third = await created(user, T0 + 3000);
        await created(other, T0 + 500);
        expect(await store.listByUser(user)).toEqual([first, second, third]);
        expect((await store.listByUser(other)).map((p) => p.createdAt)).toEqual([
          T0 + 500,
          T0 + 1500,
        ]);
      });

      it('gives an empty list for a user without passkeys', async () => {
        await created();
        expect(await store.listByUser(randomUUID())).toEqual([]);
      });
    });

    describe('recordUse', () => {
      it('with the stored counter as expected, writes counter and lastUsedAt', async () => {
        const record = await created(user, T0, { counter: 5 });
        expect(await store.recordUse(record.id, 5, BIG_COUNTER, T0 + 9000)).toBe(true);
        expect(await store.findByCredentialId(record.credentialId)).toEqual({
          ...record,
          counter: BIG_COUNTER,
          lastUsedAt: T0 + 9000,
        });
      });

      it('with a stale expected counter, returns false and changes nothing', async () => {
        const record = await created(user, T0, { counter: 5 });
        expect(await store.recordUse(record.id, 5, 6, T0 + 1000)).toBe(true);
        expect(await store.recordUse(record.id, 5, 7, T0 + 2000)).toBe(false);
        expect(await store.findByCredentialId(record.credentialId)).toMatchObject({
          counter: 6,
          lastUsedAt: T0 + 1000,
        });
      });

      it('returns false for an unknown passkey', async () => {
        expect(await store.recordUse(randomUUID(), 0, 1, T0)).toBe(false);
      });

      it('records each use of an authenticator that does not count (0 stays 0)', async () => {
        const record = await created(user, T0);
        expect(await store.recordUse(record.id, 0, 0, T0 + 1000)).toBe(true);
        expect(await store.recordUse(record.id, 0, 0, T0 + 2000)).toBe(true);
        expect(await store.findByCredentialId(record.credentialId)).toMatchObject({
          counter: 0,
          lastUsedAt: T0 + 2000,
        });
      });

      it('lets exactly one of 10 parallel uses of one counter value win', async () => {
        const record = await created(user, T0, { counter: 41 });
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, i) => store.recordUse(record.id, 41, 42 + i, T0 + i)),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
        const winner = results.indexOf(true);
        expect(await store.findByCredentialId(record.credentialId)).toMatchObject({
          counter: 42 + winner,
          lastUsedAt: T0 + winner,
        });
      });
    });

    describe('rename', () => {
      it("renames the user's own passkey and nothing else", async () => {
        const record = await created(user, T0);
        const sibling = await created(user, T0 + 1);
        expect(await store.rename(user, record.id, 'Work laptop')).toBe(true);
        expect(await store.listByUser(user)).toEqual([{ ...record, name: 'Work laptop' }, sibling]);
      });

      it("returns false for another user's passkey, or an unknown one, and changes nothing", async () => {
        const record = await created(user, T0);
        expect(await store.rename(randomUUID(), record.id, 'stolen')).toBe(false);
        expect(await store.rename(user, randomUUID(), 'missing')).toBe(false);
        expect(await store.findByCredentialId(record.credentialId)).toEqual(record);
      });
    });

    describe('delete', () => {
      it("deletes the user's own passkey once: a second delete returns false", async () => {
        const record = await created(user, T0);
        const sibling = await created(user, T0 + 1);
        expect(await store.delete(user, record.id)).toBe(true);
        expect(await store.delete(user, record.id)).toBe(false);
        expect(await store.findByCredentialId(record.credentialId)).toBeNull();
        expect(await store.listByUser(user)).toEqual([sibling]);
      });

      it("returns false for another user's passkey and keeps it", async () => {
        const record = await created(user, T0);
        expect(await store.delete(randomUUID(), record.id)).toBe(false);
        expect(await store.findByCredentialId(record.credentialId)).toEqual(record);
      });

      it('frees the credential id: it can be registered again', async () => {
        const record = await created(user, T0);
        expect(await store.delete(user, record.id)).toBe(true);
        const again = await created(randomUUID(), T0 + 1, { credentialId: record.credentialId });
        expect(await store.findByCredentialId(record.credentialId)).toEqual(again);
      });
    });

    describe('deleteAllForUser', () => {
      it("deletes every passkey of the user, returns how many, and keeps others'", async () => {
        const other = randomUUID();
        const mine = [await created(user, T0), await created(user, T0 + 1)];
        await created(user, T0 + 2);
        const theirs = await created(other, T0);
        expect(await store.deleteAllForUser(user)).toBe(3);
        expect(await store.listByUser(user)).toEqual([]);
        expect(await store.findByCredentialId(mine[0]!.credentialId)).toBeNull();
        expect(await store.listByUser(other)).toEqual([theirs]);
        expect(await store.deleteAllForUser(user)).toBe(0);
      });
    });
  });
}
