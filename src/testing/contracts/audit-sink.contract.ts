import { randomUUID } from 'node:crypto';
import type { AuditRecord } from '../../audit/audit.record.js';
import type { AuditSink } from '../../audit/audit-sink.js';

/** How a contract run gets a fresh, empty sink, and gives it back. */
export interface AuditSinkHarness {
  create: () => Promise<AuditSink>;
  destroy: () => Promise<void>;
}

/** A time past 2^32 ms, so a sink that keeps times in 32 bits fails. */
const T0 = 1_765_000_000_000;

/** A record of `type` at `at` about `userId`, every other field null unless patched. */
const record = (at: number, userId: string | null, patch: Partial<AuditRecord> = {}) => ({
  id: randomUUID(),
  at,
  type: 'warden.login.succeeded',
  userId,
  actorId: null,
  sessionId: null,
  ip: null,
  reason: null,
  action: null,
  result: null,
  accountHash: null,
  ...patch,
});

/**
 * The behaviour every `AuditSink` adapter must have. Times are explicit values: nothing sleeps.
 */
export function describeAuditSinkContract(name: string, harness: () => AuditSinkHarness) {
  describe(`AuditSink contract: ${name}`, () => {
    let h: AuditSinkHarness;
    let sink: AuditSink;
    let user: string;

    beforeAll(() => {
      h = harness();
    });
    beforeEach(async () => {
      sink = await h.create();
      user = randomUUID();
    });
    afterEach(async () => {
      await h.destroy();
    });

    describe('write', () => {
      it('stores every field: read gives them back, the time as a number', async () => {
        const full = record(T0, user, {
          type: 'warden.session.revoked',
          actorId: randomUUID(),
          sessionId: 'A'.repeat(64),
          ip: 'ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255',
          reason: 'r'.repeat(64),
          action: 'a'.repeat(64),
          result: 'success',
          accountHash: 'f'.repeat(32),
        });
        await sink.write([full]);
        const [found] = await sink.read({ limit: 10 });
        expect(found).toEqual(full);
        expect(typeof found?.at).toBe('number');
      });

      it('keeps nulls as null', async () => {
        const bare = record(T0, null);
        await sink.write([bare]);
        expect(await sink.read({ limit: 10 })).toEqual([bare]);
      });

      it('writes a batch of 250 records whole', async () => {
        const batch = Array.from({ length: 250 }, (_, i) => record(T0 + i, user));
        await sink.write(batch);
        const read = await sink.read({ limit: 100 });
        expect(read).toEqual(batch.slice(150).reverse());
        expect(await sink.read({ limit: 100, before: T0 + 50 })).toHaveLength(50);
      });

      it('accepts an empty batch', async () => {
        await sink.write([]);
        expect(await sink.read({ limit: 10 })).toEqual([]);
      });

      it('keeps the stored copy apart from the caller’s object', async () => {
        const mine = record(T0, user);
        await sink.write([mine]);
        mine.reason = 'changed';
        expect((await sink.read({ limit: 1 }))[0]?.reason).toBeNull();
      });
    });

    describe('read', () => {
      it('gives the newest first, across batches written out of order', async () => {
        const [a, b, c, d] = [T0 + 10, T0 + 30, T0 + 20, T0 + 40].map((at) => record(at, user));
        await sink.write([b!, a!]);
        await sink.write([d!, c!]);
        expect(await sink.read({ limit: 10 })).toEqual([d, b, c, a]);
      });

      it('orders records of one millisecond by id, descending', async () => {
        const ids = [
          '00000000-0000-4000-8000-000000000001',
          'ffffffff-0000-4000-8000-000000000001',
        ];
        const same = ids.map((id) => record(T0, user, { id }));
        await sink.write(same);
        expect((await sink.read({ limit: 10 })).map((r) => r.id)).toEqual([...ids].reverse());
      });

      it('gives at most limit records, the newest', async () => {
        const all = [1, 2, 3, 4, 5].map((i) => record(T0 + i, user));
        await sink.write(all);
        expect(await sink.read({ limit: 2 })).toEqual([all[4], all[3]]);
        expect(await sink.read({ limit: 1 })).toEqual([all[4]]);
      });

      it('with before, gives only strictly older records: pages follow each other', async () => {
        const all = Array.from({ length: 7 }, (_, i) => record(T0 + i * 1000, user));
        await sink.write(all);
        const pages: AuditRecord[][] = [];
        let before: number | undefined;
        for (;;) {
          const page = await sink.read({ limit: 3, ...(before === undefined ? {} : { before }) });
          if (page.length === 0) break;
          pages.push(page);
          before = page[page.length - 1]!.at;
        }
        expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
        expect(pages.flat()).toEqual([...all].reverse());
        expect(await sink.read({ limit: 10, before: T0 + 3000 })).toEqual([all[2], all[1], all[0]]);
        expect(await sink.read({ limit: 10, before: T0 })).toEqual([]);
      });

      it('with userId, gives the records where the user is the subject or the actor', async () => {
        const admin = randomUUID();
        const other = randomUUID();
        const mine = record(T0 + 1, user);
        const theirs = record(T0 + 2, other);
        const actedOnMe = record(T0 + 3, user, { actorId: admin, action: 'roles' });
        const iActed = record(T0 + 4, other, { actorId: user, action: 'deactivate' });
        const onMyself = record(T0 + 5, user, { actorId: user, action: 'sign-out' });
        const anonymous = record(T0 + 6, null, { type: 'warden.login.failed' });
        await sink.write([mine, theirs, actedOnMe, iActed, onMyself, anonymous]);
        expect(await sink.read({ limit: 10, userId: user })).toEqual([
          onMyself,
          iActed,
          actedOnMe,
          mine,
        ]);
        expect(await sink.read({ limit: 10, userId: admin })).toEqual([actedOnMe]);
        expect(await sink.read({ limit: 2, userId: user })).toEqual([onMyself, iActed]);
        expect(await sink.read({ limit: 10, userId: user, before: T0 + 4 })).toEqual([
          actedOnMe,
          mine,
        ]);
        expect(await sink.read({ limit: 10, userId: randomUUID() })).toEqual([]);
      });

      it('gives an empty list from an empty sink', async () => {
        expect(await sink.read({ limit: 100 })).toEqual([]);
        expect(await sink.read({ limit: 100, userId: user, before: T0 })).toEqual([]);
      });
    });
  });
}
