import { createHash, randomUUID } from 'node:crypto';
import type { MfaStore } from '../../mfa/mfa.store.js';

/** How a contract run gets a fresh, empty store, and gives it back. */
export interface MfaStoreHarness {
  create: () => Promise<MfaStore>;
  destroy: () => Promise<void>;
}

/** A time past 2^32 ms, so a store that keeps times in 32 bits fails. */
const T0 = 1_764_600_000_000;

/** A SHA-256 hex hash, as the service stores recovery codes. */
const hash = (code: string) => createHash('sha256').update(code).digest('hex');

/** `count` distinct code hashes, tagged so two sets never share one. */
const codeSet = (tag: string, count = 10) =>
  Array.from({ length: count }, (_, i) => hash(`${tag}-${i}`));

/**
 * The behaviour every `MfaStore` adapter must have. Times are explicit `now` values: nothing
 * sleeps. Ciphertexts are opaque strings to a store.
 */
export function describeMfaStoreContract(name: string, harness: () => MfaStoreHarness) {
  describe(`MfaStore contract: ${name}`, () => {
    let h: MfaStoreHarness;
    let store: MfaStore;
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

    /** A user with an active secret `active` (set up and confirmed at T0). */
    const enabled = async (active = 'cipher-active') => {
      await store.setPendingTotp(user, active, T0);
      expect(await store.activateTotp(user, active, T0)).toBe(true);
    };

    describe('getTotp', () => {
      it('gives null for a user who never started a setup', async () => {
        expect(await store.getTotp(user)).toBeNull();
      });
    });

    describe('setPendingTotp', () => {
      it('stores a pending secret, with no active one', async () => {
        await store.setPendingTotp(user, 'cipher-1', T0);
        expect(await store.getTotp(user)).toEqual({
          secret: null,
          pending: 'cipher-1',
          enabledAt: null,
        });
      });

      it('replaces a pending secret and keeps the active one', async () => {
        await enabled('cipher-active');
        await store.setPendingTotp(user, 'cipher-2', T0 + 1000);
        await store.setPendingTotp(user, 'cipher-3', T0 + 2000);
        expect(await store.getTotp(user)).toEqual({
          secret: 'cipher-active',
          pending: 'cipher-3',
          enabledAt: T0,
        });
      });

      it('keeps a 512-character ciphertext', async () => {
        const ciphertext = 'c'.repeat(512);
        await store.setPendingTotp(user, ciphertext, T0);
        expect(await store.activateTotp(user, ciphertext, T0)).toBe(true);
        await store.setPendingTotp(user, ciphertext, T0);
        expect(await store.getTotp(user)).toEqual({
          secret: ciphertext,
          pending: ciphertext,
          enabledAt: T0,
        });
      });
    });

    describe('activateTotp', () => {
      it('moves the pending secret to active, enabledAt = now (a number)', async () => {
        await store.setPendingTotp(user, 'cipher-1', T0);
        expect(await store.activateTotp(user, 'cipher-1', T0 + 5000)).toBe(true);
        const factor = await store.getTotp(user);
        expect(factor).toEqual({ secret: 'cipher-1', pending: null, enabledAt: T0 + 5000 });
        expect(typeof factor?.enabledAt).toBe('number');
      });

      it('replaces the active secret with a newly confirmed one', async () => {
        await enabled('cipher-old');
        await store.setPendingTotp(user, 'cipher-new', T0 + 1000);
        expect(await store.activateTotp(user, 'cipher-new', T0 + 2000)).toBe(true);
        expect(await store.getTotp(user)).toEqual({
          secret: 'cipher-new',
          pending: null,
          enabledAt: T0 + 2000,
        });
      });

      it('refuses a stale expected pending secret and changes nothing', async () => {
        await enabled('cipher-active');
        await store.setPendingTotp(user, 'cipher-1', T0 + 1000);
        await store.setPendingTotp(user, 'cipher-2', T0 + 2000);
        expect(await store.activateTotp(user, 'cipher-1', T0 + 3000)).toBe(false);
        expect(await store.getTotp(user)).toEqual({
          secret: 'cipher-active',
          pending: 'cipher-2',
          enabledAt: T0,
        });
      });

      it('refuses when nothing is pending, or the user has no factor', async () => {
        await enabled('cipher-active');
        expect(await store.activateTotp(user, 'cipher-active', T0 + 1000)).toBe(false);
        expect(await store.getTotp(user)).toEqual({
          secret: 'cipher-active',
          pending: null,
          enabledAt: T0,
        });
        expect(await store.activateTotp(randomUUID(), 'cipher-active', T0)).toBe(false);
      });

      it('lets exactly one of 10 parallel activations win', async () => {
        await store.setPendingTotp(user, 'cipher-1', T0);
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, i) => store.activateTotp(user, 'cipher-1', T0 + i)),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
        const factor = await store.getTotp(user);
        expect(factor).toMatchObject({ secret: 'cipher-1', pending: null });
        expect(factor?.enabledAt).toBe(T0 + results.indexOf(true));
      });
    });

    describe('removeTotp', () => {
      it('forgets the active and pending secret, and leaves the recovery codes', async () => {
        await enabled();
        await store.setPendingTotp(user, 'cipher-2', T0 + 1000);
        await store.replaceRecoveryCodes(user, codeSet('a'));
        await store.removeTotp(user);
        expect(await store.getTotp(user)).toBeNull();
        expect(await store.countRecoveryCodes(user)).toBe(10);
      });

      it('does nothing for a user without a factor', async () => {
        await store.removeTotp(user);
        expect(await store.getTotp(user)).toBeNull();
      });
    });

    describe('replaceRecoveryCodes', () => {
      it('stores the codes: count gives how many', async () => {
        expect(await store.countRecoveryCodes(user)).toBe(0);
        await store.replaceRecoveryCodes(user, codeSet('a'));
        expect(await store.countRecoveryCodes(user)).toBe(10);
      });

      it('kills the old set: an old hash is no longer usable', async () => {
        const old = codeSet('old');
        await store.replaceRecoveryCodes(user, old);
        const fresh = codeSet('new', 8);
        await store.replaceRecoveryCodes(user, fresh);
        expect(await store.countRecoveryCodes(user)).toBe(8);
        for (const code of old) expect(await store.useRecoveryCode(user, code)).toBeNull();
        expect(await store.useRecoveryCode(user, fresh[0]!)).toBe(7);
      });

      it('with no hashes, leaves the user without codes', async () => {
        await store.replaceRecoveryCodes(user, codeSet('a'));
        await store.replaceRecoveryCodes(user, []);
        expect(await store.countRecoveryCodes(user)).toBe(0);
      });

      it('leaves exactly one whole set after 10 parallel replacements', async () => {
        await store.replaceRecoveryCodes(user, codeSet('start'));
        const sets = Array.from({ length: 10 }, (_, i) => codeSet(`set-${i}`));
        await Promise.all(sets.map((set) => store.replaceRecoveryCodes(user, set)));
        expect(await store.countRecoveryCodes(user)).toBe(10);
        const survivors = [];
        for (const set of sets) {
          if ((await store.useRecoveryCode(user, set[0]!)) !== null) survivors.push(set);
        }
        expect(survivors).toHaveLength(1);
      });
    });

    describe('useRecoveryCode', () => {
      it('returns how many remain, and null for a second use', async () => {
        const codes = codeSet('a', 3);
        await store.replaceRecoveryCodes(user, codes);
        expect(await store.useRecoveryCode(user, codes[1]!)).toBe(2);
        expect(await store.useRecoveryCode(user, codes[1]!)).toBeNull();
        expect(await store.useRecoveryCode(user, codes[0]!)).toBe(1);
        expect(await store.useRecoveryCode(user, codes[2]!)).toBe(0);
        expect(await store.countRecoveryCodes(user)).toBe(0);
      });

      it('returns null for an unknown code, or a user without codes', async () => {
        await store.replaceRecoveryCodes(user, codeSet('a'));
        expect(await store.useRecoveryCode(user, hash('nope'))).toBeNull();
        expect(await store.useRecoveryCode(randomUUID(), codeSet('a')[0]!)).toBeNull();
        expect(await store.countRecoveryCodes(user)).toBe(10);
      });

      it('lets exactly one of 20 parallel uses of one code succeed', async () => {
        const codes = codeSet('a');
        await store.replaceRecoveryCodes(user, codes);
        const results = await Promise.all(
          Array.from({ length: 20 }, () => store.useRecoveryCode(user, codes[4]!)),
        );
        expect(results.filter((result) => result !== null)).toEqual([9]);
        expect(await store.countRecoveryCodes(user)).toBe(9);
      });
    });

    describe('deleteRecoveryCodes', () => {
      it("deletes the user's codes and keeps the TOTP factor", async () => {
        await enabled();
        await store.replaceRecoveryCodes(user, codeSet('a'));
        await store.deleteRecoveryCodes(user);
        expect(await store.countRecoveryCodes(user)).toBe(0);
        expect(await store.useRecoveryCode(user, codeSet('a')[0]!)).toBeNull();
        expect(await store.getTotp(user)).toMatchObject({ secret: 'cipher-active' });
      });
    });

    describe('users', () => {
      it('are isolated: factors and codes of one never touch another', async () => {
        const other = randomUUID();
        const shared = codeSet('shared');
        await enabled('cipher-mine');
        await store.setPendingTotp(other, 'cipher-theirs', T0);
        await store.replaceRecoveryCodes(user, shared);
        await store.replaceRecoveryCodes(other, shared.slice(0, 4));
        expect(await store.activateTotp(user, 'cipher-theirs', T0)).toBe(false);
        expect(await store.useRecoveryCode(user, shared[0]!)).toBe(9);
        expect(await store.countRecoveryCodes(other)).toBe(4);
        await store.replaceRecoveryCodes(user, codeSet('mine-again'));
        expect(await store.useRecoveryCode(other, shared[1]!)).toBe(3);
        await store.deleteRecoveryCodes(user);
        expect(await store.countRecoveryCodes(other)).toBe(3);
        await store.removeTotp(user);
        expect(await store.getTotp(other)).toEqual({
          secret: null,
          pending: 'cipher-theirs',
          enabledAt: null,
        });
      });
    });
  });
}
