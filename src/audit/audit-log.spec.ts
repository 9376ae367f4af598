import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { SecurityEvents, WardenEvent } from '../core/security-events.js';
import { ValidationFailedException } from '../errors/warden.exceptions.js';
import { FakeClock } from '../testing/fake-clock.js';
import { AUDIT_BATCH_SIZE, AuditLog } from './audit-log.js';
import type { AuditOptions } from './audit.options.js';
import type { AuditQuery, AuditRecord } from './audit.record.js';
import { timeOrderedId } from './audit-record.mapper.js';
import { MemoryAuditSink } from './memory-audit.sink.js';

/** The shipped memory sink, made to fail (or hang) on demand: the sink of an outage. */
class FlakySink extends MemoryAuditSink {
  failing = false;
  hanging = false;
  writes = 0;
  override async write(records: AuditRecord[]): Promise<void> {
    this.writes++;
    if (this.hanging) return new Promise<void>(() => undefined);
    if (this.failing) throw new Error('sink down');
    return super.write(records);
  }
  all(): Promise<AuditRecord[]> {
    return this.read({ limit: 100_000 } satisfies AuditQuery);
  }
}

const USER = '0b6f5f0e-8c1a-4f7e-9a53-2d6b1c1e9f10';

describe('AuditLog', () => {
  let sink: FlakySink;
  let events: SecurityEvents;
  let clock: FakeClock;
  let warn: jest.SpiedFunction<Logger['warn']>;

  const start = (options: Partial<AuditOptions> = {}) => {
    const log = new AuditLog({ sink, flushIntervalMs: 3_600_000, ...options }, events, clock);
    log.onModuleInit();
    return log;
  };
  const emit = (n: number) => {
    for (let i = 0; i < n; i++) events.emit(WardenEvent.LOGIN_FAILED, { ip: `10.0.0.${i}` });
  };

  beforeEach(() => {
    sink = new FlakySink();
    events = new SecurityEvents();
    clock = new FakeClock();
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => {
    jest.restoreAllMocks();
    jest.useRealTimers();
  });

  describe('record', () => {
    it('copies only the whitelisted fields of an event', async () => {
      const log = start();
      events.emit(WardenEvent.MFA_RECOVERY_CODE_USED, {
        userId: USER,
        sessionId: 'handle-1',
        ip: '192.0.2.1',
        userAgent: 'Mozilla/5.0',
        reason: 'code',
        remaining: 7,
        accountHash: 'abcdef0123456789',
      });
      await log.flush();
      const [record] = await sink.all();
      expect(record).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        at: expect.any(Number),
        type: 'warden.mfa.recovery-code-used',
        userId: USER,
        actorId: null,
        sessionId: 'handle-1',
        ip: '192.0.2.1',
        reason: 'code',
        action: null,
        result: null,
        accountHash: 'abcdef0123456789',
      });
      expect(Math.abs(record!.at - Date.now())).toBeLessThan(60_000);
    });

    it('cuts a value to its column length, so one odd event never fails a batch', async () => {
      const log = start();
      events.emit(WardenEvent.SESSION_REVOKED, { reason: 'x'.repeat(500), ip: '1'.repeat(100) });
      await log.flush();
      const [record] = await sink.all();
      expect(record?.reason).toHaveLength(64);
      expect(record?.ip).toHaveLength(64);
    });

    it('writes nothing on the emitting call: a request never waits for the sink', async () => {
      const log = start();
      emit(3);
      expect(sink.writes).toBe(0);
      expect(log.buffered).toBe(3);
      await log.flush();
      expect((await sink.all()).map((r) => r.ip)).toEqual(['10.0.0.2', '10.0.0.1', '10.0.0.0']);
      expect(log.buffered).toBe(0);
    });

    it(`starts a write once ${AUDIT_BATCH_SIZE} wait, without waiting for the interval`, async () => {
      const log = start();
      emit(AUDIT_BATCH_SIZE - 1);
      await new Promise((resolve) => setImmediate(resolve));
      expect(sink.writes).toBe(0);
      emit(1);
      expect(sink.writes).toBe(0);
      await new Promise((resolve) => setImmediate(resolve));
      await log.flush();
      expect(sink.writes).toBe(1);
      expect(await sink.all()).toHaveLength(AUDIT_BATCH_SIZE);
    });

    it('drops new events while the buffer is full, counts them and warns once a minute', async () => {
      const dropped: number[] = [];
      const log = start({ maxBuffered: 5, onDropped: (n) => dropped.push(n) });
      sink.failing = true;
      emit(8);
      await log.flush();
      expect(log.buffered).toBe(5);
      expect(log.dropped).toBe(3);
      expect(dropped).toEqual([1, 1, 1]);
      const drops = () => warn.mock.calls.filter(([m]) => /dropped/.test(String(m)));
      expect(drops()).toHaveLength(1);
      emit(4);
      expect(drops()).toHaveLength(1);
      clock.advanceSeconds(60);
      emit(1);
      expect(drops()).toHaveLength(2);
      expect(String(drops()[1]![0])).toMatch(/dropped 7 event\(s\).*8 since start/);

      sink.failing = false;
      await log.flush();
      // The oldest five were kept: what is dropped is the newest.
      expect((await sink.all()).map((r) => r.ip).reverse()).toEqual(
        ['0', '1', '2', '3', '4'].map((i) => `10.0.0.${i}`),
      );
      expect(log.dropped).toBe(8);
    });
  });

  describe('flush', () => {
    it('keeps a failed batch and writes it once on a later try, in order', async () => {
      const log = start();
      sink.failing = true;
      emit(AUDIT_BATCH_SIZE + 20);
      await log.flush();
      await log.flush();
      expect(await sink.all()).toEqual([]);
      expect(log.buffered).toBe(AUDIT_BATCH_SIZE + 20);
      expect(warn.mock.calls.filter(([m]) => /failed/.test(String(m)))).toHaveLength(1);
      sink.failing = false;
      await log.flush();
      const written = await sink.all();
      expect(written).toHaveLength(AUDIT_BATCH_SIZE + 20);
      expect(new Set(written.map((r) => r.id)).size).toBe(AUDIT_BATCH_SIZE + 20);
      expect(log.buffered).toBe(0);
      expect(log.dropped).toBe(0);
    });

    it('runs every flushIntervalMs', async () => {
      jest.useFakeTimers();
      const log = start({ flushIntervalMs: 1000 });
      emit(2);
      await jest.advanceTimersByTimeAsync(999);
      expect(sink.writes).toBe(0);
      await jest.advanceTimersByTimeAsync(1);
      expect(await sink.all()).toHaveLength(2);
      expect(log.buffered).toBe(0);
      await log.beforeApplicationShutdown();
    });
  });

  describe('beforeApplicationShutdown', () => {
    it('writes what waits', async () => {
      const log = start();
      emit(3);
      await log.beforeApplicationShutdown();
      expect(await sink.all()).toHaveLength(3);
      expect(log.dropped).toBe(0);
    });

    it('gives up after 2 s when the sink hangs, counting what was left as dropped', async () => {
      jest.useFakeTimers();
      const dropped: number[] = [];
      const log = start({ onDropped: (n) => dropped.push(n) });
      emit(4);
      sink.hanging = true;
      const stopped = log.beforeApplicationShutdown();
      await jest.advanceTimersByTimeAsync(1999);
      let done = false;
      void stopped.then(() => (done = true));
      await jest.advanceTimersByTimeAsync(0);
      expect(done).toBe(false);
      await jest.advanceTimersByTimeAsync(1);
      await stopped;
      expect(log.dropped).toBe(4);
      expect(dropped).toEqual([4]);
      expect(
        warn.mock.calls.some(([m]) => /dropped 4 event\(s\) unwritten at shutdown/.test(String(m))),
      ).toBe(true);
    });
  });

  describe('read', () => {
    it('validates limit, before and userId: 400 VALIDATION_FAILED', async () => {
      const log = start();
      for (const query of [
        { limit: 0 },
        { limit: 101 },
        { limit: '1.5' },
        { limit: 'ten' },
        { limit: '' },
        { before: 0 },
        { before: -5 },
        { before: '12abc' },
        { before: 1.5 },
        { userId: 'not-a-uuid' },
        { userId: `${USER}' OR 1=1` },
      ]) {
        await expect(log.read(query)).rejects.toBeInstanceOf(ValidationFailedException);
      }
    });

    it('reads the newest first, 50 by default, writing what waits first', async () => {
      const log = start();
      emit(60);
      const page = await log.read({});
      expect(page).toHaveLength(50);
      expect(page[0]?.ip).toBe('10.0.0.59');
      expect(await log.read({ limit: '2' })).toHaveLength(2);
    });

    it('filters by user and pages with before (query strings as received)', async () => {
      const log = start();
      events.emit(WardenEvent.LOGIN_SUCCEEDED, { userId: USER });
      emit(2);
      await log.flush();
      const [mine] = await log.read({ userId: USER.toUpperCase() });
      expect(mine?.userId).toBe(USER);
      expect(await log.read({ userId: USER, before: String(mine!.at) })).toEqual([]);
    });
  });
});

describe('timeOrderedId', () => {
  it('gives UUIDv7s that grow in call order, within a millisecond and past 4096 of them', () => {
    const at = Date.UTC(2026, 0, 1);
    const ids = Array.from({ length: 5000 }, () => timeOrderedId(at));
    expect(
      ids.every((id) =>
        /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(id),
      ),
    ).toBe(true);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    expect(timeOrderedId(at - 1000) > ids[ids.length - 1]!).toBe(true);
  });
});
