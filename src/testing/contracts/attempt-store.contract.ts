import { FakeClock } from '../fake-clock.js';
import type { AttemptStore } from '../../security/attempt.store.js';
import { LoginThrottle } from '../../security/login-throttle.js';
import {
  AccountLockedException,
  TooManyAttemptsException,
} from '../../errors/warden.exceptions.js';

export interface AttemptStoreHarness {
  create: (clock: FakeClock) => Promise<AttemptStore>;
  destroy: () => Promise<void>;
}

/** What every AttemptStore must do, seen through LoginThrottle (limits 3 per account, 10 per IP). */
export function describeAttemptStoreContract(name: string, harness: () => AttemptStoreHarness) {
  describe(`${name} (attempt store contract)`, () => {
    let h: AttemptStoreHarness;
    let clock: FakeClock;
    let throttle: LoginThrottle;
    let store: AttemptStore;

    beforeEach(async () => {
      h = harness();
      clock = new FakeClock();
      store = await h.create(clock);
      throttle = new LoginThrottle(
        store,
        {
          maxFailuresPerAccount: 3,
          maxFailuresPerIp: 10,
          windowSeconds: 600,
          baseDelaySeconds: 5,
          maxConsecutiveFailures: 6,
          maxPendingWaitMs: 2000,
        },
        clock,
      );
    });
    afterEach(async () => {
      await h.destroy();
    });

    const fail = async (email: string, ip: string) => (await throttle.begin(email, ip)).failed();
    const refusal = async (email: string, ip: string) => {
      try {
        await throttle.begin(email, ip);
        return null;
      } catch (error) {
        if (error instanceof TooManyAttemptsException) return error;
        throw error;
      }
    };
    const waitOf = async (email: string, ip: string) =>
      (await refusal(email, ip))?.retryAfterSeconds ?? 0;
    /** `count` failures of `email`, from fresh IPs, a window apart where the limit needs it. */
    const failMany = async (email: string, count: number) => {
      for (let i = 0; i < count; i++) {
        if (i > 0 && i % 3 === 0) clock.advanceSeconds(601);
        await fail(email, `192.0.2.${i + 1}`);
      }
    };

    it('lets at most the limit through when many attempts arrive at once', async () => {
      const outcomes = await Promise.allSettled(
        Array.from({ length: 50 }, () => throttle.begin('Victim@Example.com', '198.51.100.1')),
      );
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(3);
      for (const o of outcomes.filter((o) => o.status === 'rejected')) {
        expect((o as PromiseRejectedResult).reason).toBeInstanceOf(TooManyAttemptsException);
      }
    });

    it('counts the normalised email, and grows the lockout after each further failure', async () => {
      for (const email of ['a@example.com', ' A@EXAMPLE.COM ', 'a@example.com'])
        await fail(email, '198.51.100.2');
      expect(await waitOf('a@example.com', '198.51.100.2')).toBe(5);
      clock.advanceSeconds(5);
      await fail('a@example.com', '198.51.100.2');
      expect(await waitOf('a@example.com', '198.51.100.2')).toBe(10);
      clock.advanceSeconds(10);
      await fail('a@example.com', '198.51.100.2');
      expect(await waitOf('a@example.com', '198.51.100.2')).toBe(20);
    });

    it('forgets failures a window after the last one', async () => {
      for (let i = 0; i < 3; i++) await fail('b@example.com', '198.51.100.3');
      clock.advanceSeconds(601);
      expect(await waitOf('b@example.com', '198.51.100.3')).toBe(0);
    });

    it('gives back attempts that were right or interrupted', async () => {
      for (let i = 0; i < 5; i++)
        await (await throttle.begin('c@example.com', '198.51.100.4')).cancel();
      await (await throttle.begin('c@example.com', '198.51.100.4')).succeeded();
      for (let i = 0; i < 3; i++) await fail('c@example.com', '198.51.100.4');
      expect(await waitOf('c@example.com', '198.51.100.4')).toBeGreaterThan(0);
    });

    it("takes exactly the client's own failures and its right attempt off the account", async () => {
      await fail('e@example.com', '198.51.100.8');
      await fail('e@example.com', '198.51.100.9');
      await (await throttle.begin('e@example.com', '198.51.100.8')).succeeded();
      // Left on the account: the failure from .9. Two more (the second one being this check)
      // reach the limit of 3; the next attempt waits.
      await fail('e@example.com', '203.0.113.50');
      expect(await waitOf('e@example.com', '203.0.113.50')).toBe(0);
      expect(await waitOf('e@example.com', '203.0.113.50')).toBeGreaterThan(0);
    });

    it('does not let failures from elsewhere lock out a client that logged in before', async () => {
      await (await throttle.begin('d@example.com', '198.51.100.5')).succeeded();
      for (let i = 0; i < 3; i++) await fail('d@example.com', `203.0.113.${i}`);
      expect(await waitOf('d@example.com', '203.0.113.99')).toBeGreaterThan(0);
      expect(await waitOf('d@example.com', '198.51.100.5')).toBe(0);
    });

    it('limits one IP across accounts', async () => {
      for (let i = 0; i < 10; i++) await fail(`user${i}@example.com`, '198.51.100.6');
      expect(await waitOf('someone-else@example.com', '198.51.100.6')).toBe(5);
      expect(await waitOf('someone-else@example.com', '198.51.100.7')).toBe(0);
    });

    it('lets every one of many parallel right attempts through, waiting for those in flight', async () => {
      const outcomes = await Promise.allSettled(
        Array.from({ length: 12 }, async () => {
          const attempt = await throttle.begin('parallel@example.com', '198.51.100.20');
          await new Promise((resolve) => setTimeout(resolve, 5));
          await attempt.succeeded();
        }),
      );
      expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([]);
    });

    it('runs at most the limit of many parallel wrong attempts, then refuses the rest', async () => {
      let ran = 0;
      const outcomes = await Promise.allSettled(
        Array.from({ length: 40 }, async () => {
          const attempt = await throttle.begin('guessed@example.com', '198.51.100.21');
          ran++;
          await new Promise((resolve) => setTimeout(resolve, 5));
          await attempt.failed();
        }),
      );
      expect(ran).toBe(3);
      expect(outcomes.filter((o) => o.status === 'rejected')).toHaveLength(37);
    });

    it('takes an attempt in flight for lost after a minute (a crashed process)', async () => {
      for (let i = 0; i < 3; i++) await throttle.begin('lost@example.com', '198.51.100.22');
      expect(await refusal('lost@example.com', '198.51.100.22')).toBeInstanceOf(
        TooManyAttemptsException,
      );
      clock.advanceSeconds(61);
      expect(await waitOf('lost@example.com', '198.51.100.22')).toBe(0);
    });

    it("never takes a known client's own failures off the account (they were never on it)", async () => {
      await (await throttle.begin('typo@example.com', '198.51.100.27')).succeeded(); // known now
      await fail('typo@example.com', '198.51.100.27'); // the owner's typos: not on the account
      await fail('typo@example.com', '198.51.100.27');
      await fail('typo@example.com', '203.0.113.61'); // an attacker's: on the account (2 of 3)
      await fail('typo@example.com', '203.0.113.62');
      await (await throttle.begin('typo@example.com', '198.51.100.27')).succeeded();
      // The attacker's two still count: one more failure reaches the limit.
      await fail('typo@example.com', '203.0.113.63');
      expect(await waitOf('typo@example.com', '203.0.113.64')).toBeGreaterThan(0);
    });

    it('ages each attempt in flight on its own clock, whatever arrives after it', async () => {
      // Two attempts whose settlement never arrives (a crash, a lost reply)...
      for (let i = 0; i < 2; i++) await throttle.begin('aging@example.com', '198.51.100.25');
      clock.advanceSeconds(40);
      // ...while logins go on...
      await (await throttle.begin('aging@example.com', '198.51.100.25')).succeeded();
      clock.advanceSeconds(21);
      // ...stop counting a minute after they started: three may be in flight again.
      for (let i = 0; i < 3; i++) {
        expect(await refusal('aging@example.com', '198.51.100.26')).toBeNull();
      }
    });

    it('locks the account after the consecutive-failure limit until unlocked', async () => {
      await failMany('locked@example.com', 6);
      clock.advanceSeconds(601);
      const locked = await refusal('locked@example.com', '198.51.100.23');
      expect(locked).toBeInstanceOf(AccountLockedException);
      expect(locked?.retryAfterSeconds).toBeGreaterThan(300 * 24 * 3600);
      // Still locked a week later: only an unlock (or a right password from a known client) ends it.
      clock.advanceSeconds(7 * 24 * 3600);
      expect(await refusal('locked@example.com', '198.51.100.23')).toBeInstanceOf(
        AccountLockedException,
      );
      await throttle.unlock('Locked@Example.com');
      expect(await waitOf('locked@example.com', '198.51.100.23')).toBe(0);
    });

    it('spares clients known to the account from the lock, and a success resets the count', async () => {
      await (await throttle.begin('known@example.com', '198.51.100.24')).succeeded();
      await failMany('known@example.com', 6);
      clock.advanceSeconds(601);
      expect(await refusal('known@example.com', '203.0.113.77')).toBeInstanceOf(
        AccountLockedException,
      );
      await (await throttle.begin('known@example.com', '198.51.100.24')).succeeded();
      await failMany('known@example.com', 5);
      clock.advanceSeconds(601);
      expect(await waitOf('known@example.com', '203.0.113.77')).toBe(0);
    });

    describe('claimOnce', () => {
      // Keys as callers build them: one user's claims share a {hash tag} (Cluster-safe).
      const key = (user: string, step: number) => `m{u:${user}}:t:${step}`;

      it('is true the first time and false while the key is marked', async () => {
        expect(await store.claimOnce(key('alice', 1), 60_000, clock.now())).toBe(true);
        expect(await store.claimOnce(key('alice', 1), 60_000, clock.now())).toBe(false);
        clock.advanceSeconds(30);
        expect(await store.claimOnce(key('alice', 1), 60_000, clock.now())).toBe(false);
      });

      it('is true again once the mark expired', async () => {
        expect(await store.claimOnce(key('bob', 1), 60, clock.now())).toBe(true);
        // Stores on their own clock (Redis PX) need real time to pass; stores on `now` need the
        // clock moved. The only sleep of the suite, bounded.
        clock.advanceSeconds(0.06);
        await new Promise((resolve) => setTimeout(resolve, 120));
        expect(await store.claimOnce(key('bob', 1), 60, clock.now())).toBe(true);
      });

      it('gives true to exactly one of 20 parallel claims', async () => {
        const claims = await Promise.all(
          Array.from({ length: 20 }, () => store.claimOnce(key('carol', 7), 60_000, clock.now())),
        );
        expect(claims.filter(Boolean)).toHaveLength(1);
      });

      it('keeps different keys apart', async () => {
        expect(await store.claimOnce(key('dave', 1), 60_000, clock.now())).toBe(true);
        expect(await store.claimOnce(key('dave', 2), 60_000, clock.now())).toBe(true);
        expect(await store.claimOnce(key('erin', 1), 60_000, clock.now())).toBe(true);
        expect(await store.claimOnce(key('dave', 1), 60_000, clock.now())).toBe(false);
        expect(await store.claimOnce(key('erin', 1), 60_000, clock.now())).toBe(false);
      });

      it('refuses a ttl that is not a positive integer', async () => {
        await expect(store.claimOnce(key('gina', 1), 0, clock.now())).rejects.toThrow(RangeError);
        await expect(store.claimOnce(key('gina', 1), 1.5, clock.now())).rejects.toThrow(RangeError);
        expect(await store.claimOnce(key('gina', 1), 60_000, clock.now())).toBe(true);
      });
    });
  });
}
