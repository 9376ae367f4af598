import { FakeClock } from '../fake-clock.js';
import type { OutboxStore } from '../../mail/outbox.store.js';

/** How a contract run gets a fresh, empty store (its `createdAt` from `clock`), and gives it back. */
export interface OutboxStoreHarness {
  create: (clock: FakeClock) => Promise<OutboxStore>;
  destroy: () => Promise<void>;
}

const LEASE_MS = 60_000;

/** The behaviour every `OutboxStore` adapter must have. */
export function describeOutboxStoreContract(name: string, harness: () => OutboxStoreHarness) {
  describe(`OutboxStore contract: ${name}`, () => {
    let h: OutboxStoreHarness;
    let clock: FakeClock;
    let store: OutboxStore;

    beforeAll(() => {
      h = harness();
    });
    beforeEach(async () => {
      clock = new FakeClock();
      store = await h.create(clock);
    });
    afterEach(async () => {
      await h.destroy();
    });

    const enqueue = (kind = 'verify-email', delayMs = 0, payload = { userId: 'u1' }) =>
      store.enqueue({ kind, payload, availableAt: clock.now() + delayMs });
    const claim = (owner: string, limit = 10) =>
      store.claim({ now: clock.now(), owner, leaseMs: LEASE_MS, limit });

    describe('enqueue / claim / complete', () => {
      it('hands out a job with its payload, then forgets it once completed', async () => {
        const payload = { userId: 'u1', nested: { n: 1, list: ['a'] }, flag: true };
        const id = await enqueue('reset-password', 0, payload);
        const [job, ...rest] = await claim('a');
        expect(rest).toEqual([]);
        expect(job).toEqual({
          id,
          kind: 'reset-password',
          payload,
          attempts: 1,
          availableAt: clock.now(),
          createdAt: clock.now(),
        });
        expect(await store.counts()).toEqual({ pending: 1, dead: 0 });
        await store.complete(id, 'a');
        expect(await store.counts()).toEqual({ pending: 0, dead: 0 });
        clock.advanceSeconds(3600);
        expect(await claim('a')).toEqual([]);
      });

      it('gives out the oldest due jobs first, at most `limit`', async () => {
        const late = await enqueue('k', 0);
        clock.advanceSeconds(-10);
        const early = await enqueue('k', 0);
        clock.advanceSeconds(20);
        const third = await enqueue('k', 0);
        expect((await claim('a', 2)).map((job) => job.id)).toEqual([early, late]);
        expect((await claim('b', 2)).map((job) => job.id)).toEqual([third]);
      });
    });

    describe('claim', () => {
      it('leaves a job that is not due yet', async () => {
        await enqueue('k', 5000);
        expect(await claim('a')).toEqual([]);
        clock.advanceSeconds(5);
        expect(await claim('a')).toHaveLength(1);
      });

      it('lets no one else take a leased job until the lease expires', async () => {
        const id = await enqueue();
        expect(await claim('a')).toHaveLength(1);
        clock.advanceSeconds(LEASE_MS / 1000 - 1);
        expect(await claim('b')).toEqual([]);
        clock.advanceSeconds(1);
        const [job] = await claim('b');
        expect(job).toMatchObject({ id, attempts: 2 });
        await store.complete(id, 'a'); // the first owner lost it: nothing happens
        expect(await store.counts()).toEqual({ pending: 1, dead: 0 });
      });

      it('gives each job to exactly one of 20 parallel claimers', async () => {
        const ids = await Promise.all(Array.from({ length: 10 }, () => enqueue()));
        const batches = await Promise.all(
          Array.from({ length: 20 }, (_, i) => claim(`owner-${i}`, 3)),
        );
        const claimed = batches.flat().map((job) => job.id);
        expect(claimed.sort()).toEqual([...ids].sort());
        expect(batches.flat().every((job) => job.attempts === 1)).toBe(true);
      });

      it('counts attempts across claims', async () => {
        const id = await enqueue();
        for (let attempt = 1; attempt <= 3; attempt++) {
          const [job] = await claim('a');
          expect(job).toMatchObject({ id, attempts: attempt });
          await store.retry(id, 'a', clock.now(), 'try again');
        }
      });
    });

    describe('retry', () => {
      it('releases the job and makes it due again later', async () => {
        const id = await enqueue();
        await claim('a');
        await store.retry(id, 'a', clock.now() + 10_000, '451 try later');
        expect(await claim('b')).toEqual([]);
        expect(await store.counts()).toEqual({ pending: 1, dead: 0 });
        clock.advanceSeconds(10);
        expect(await claim('b')).toEqual([
          expect.objectContaining({ id, attempts: 2, availableAt: clock.now() }),
        ]);
      });

      it('keeps a long error (truncated) and does nothing for another owner', async () => {
        const id = await enqueue();
        await claim('a');
        await store.retry(id, 'b', clock.now() + 10_000, 'not mine');
        await store.retry(id, 'a', clock.now(), 'x'.repeat(2000));
        expect(await claim('a')).toEqual([expect.objectContaining({ id, attempts: 2 })]);
      });
    });

    describe('fail', () => {
      it('keeps the job as dead, never claimed again', async () => {
        const id = await enqueue();
        const other = await enqueue();
        await claim('a');
        await store.fail(id, 'a', 'e'.repeat(2000));
        await store.retry(other, 'a', clock.now(), 'later');
        expect(await store.counts()).toEqual({ pending: 1, dead: 1 });
        clock.advanceSeconds(365 * 24 * 3600);
        expect((await claim('b')).map((job) => job.id)).toEqual([other]);
        await store.complete(id, 'a');
        expect(await store.counts()).toEqual({ pending: 1, dead: 1 });
      });

      it('does nothing for another owner', async () => {
        const id = await enqueue();
        await claim('a');
        await store.fail(id, 'b', 'not mine');
        expect(await store.counts()).toEqual({ pending: 1, dead: 0 });
      });
    });

    describe('complete', () => {
      it('does nothing for another owner, or a job never claimed', async () => {
        const id = await enqueue();
        await store.complete(id, 'a');
        await claim('a');
        await store.complete(id, 'b');
        expect(await store.counts()).toEqual({ pending: 1, dead: 0 });
        await store.complete(id, 'a');
        expect(await store.counts()).toEqual({ pending: 0, dead: 0 });
      });
    });
  });
}
