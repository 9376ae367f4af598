import { jest } from '@jest/globals';
import { Bulkhead, BulkheadRejectedError } from './bulkhead.js';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('Bulkhead', () => {
  describe('run', () => {
    it('never runs more than maxConcurrent tasks at once', async () => {
      const bulkhead = new Bulkhead(2, 100, 10_000);
      let running = 0;
      let peak = 0;
      const gates = Array.from({ length: 6 }, () => deferred());
      const all = gates.map((gate) =>
        bulkhead.run(async () => {
          running++;
          peak = Math.max(peak, running);
          await gate.promise;
          running--;
        }),
      );
      await Promise.resolve();
      expect(bulkhead.active).toBe(2);
      expect(bulkhead.waiting).toBe(4);
      gates.forEach((gate) => gate.resolve());
      await Promise.all(all);
      expect(peak).toBe(2);
      expect(bulkhead.active).toBe(0);
    });

    it('rejects at once when the queue is full', async () => {
      const bulkhead = new Bulkhead(1, 1, 10_000);
      const gate = deferred();
      const first = bulkhead.run(() => gate.promise);
      const second = bulkhead.run(async () => 'queued');
      await expect(bulkhead.run(async () => 'third')).rejects.toEqual(
        new BulkheadRejectedError('queue-full'),
      );
      expect(bulkhead.rejected).toBe(1);
      gate.resolve();
      await first;
      await expect(second).resolves.toBe('queued');
    });

    it('rejects a waiter whose deadline passes, and frees its queue place', async () => {
      jest.useFakeTimers();
      try {
        const bulkhead = new Bulkhead(1, 1, 500);
        const gate = deferred();
        const first = bulkhead.run(() => gate.promise);
        const waiting = bulkhead.run(async () => 'late');
        jest.advanceTimersByTime(501);
        await expect(waiting).rejects.toMatchObject({ reason: 'deadline' });
        expect(bulkhead.waiting).toBe(0);
        expect(bulkhead.rejected).toBe(1);
        gate.resolve();
        await first;
        await expect(bulkhead.run(async () => 'ok')).resolves.toBe('ok');
      } finally {
        jest.useRealTimers();
      }
    });

    it('releases the slot when a task throws', async () => {
      const bulkhead = new Bulkhead(1, 0, 1000);
      await expect(bulkhead.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
      await expect(bulkhead.run(async () => 1)).resolves.toBe(1);
    });
  });
});
