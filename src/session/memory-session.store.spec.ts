import { Logger } from '@nestjs/common';
import { jest } from '@jest/globals';
import { FakeClock } from '../../test/support/fake-clock.js';
import { MemorySessionStore } from './memory-session.store.js';
import { resolveSessionOptions } from './session.options.js';
import { SessionService } from './session.service.js';

describe('MemorySessionStore', () => {
  describe('bounds', () => {
    it('keeps at most maxEntries entries, dropping the oldest', async () => {
      const clock = new FakeClock();
      const store = new MemorySessionStore({ clock, maxEntries: 3 });
      const sessions = new SessionService(
        store,
        resolveSessionOptions({ secrets: ['m'.repeat(40)] }),
        clock,
      );
      const tokens = [];
      for (let i = 0; i < 5; i++)
        tokens.push((await sessions.create({ id: `u${i}`, authVersion: 1 })).token);
      expect((await sessions.validate(tokens[0])).ok).toBe(false);
      expect((await sessions.validate(tokens[1])).ok).toBe(false);
      for (const token of tokens.slice(2)) expect((await sessions.validate(token)).ok).toBe(true);
    });

    it('evicts entries whose TTL passed on its clock', async () => {
      const clock = new FakeClock();
      const store = new MemorySessionStore({ clock });
      const sessions = new SessionService(
        store,
        resolveSessionOptions({ secrets: ['m'.repeat(40)], idleTimeoutSeconds: 60 }),
        clock,
      );
      const { session } = await sessions.create({ id: 'u', authVersion: 1 });
      clock.advanceSeconds(3600);
      expect(await store.get(session.ref)).toBeNull();
    });
  });

  describe('constructor', () => {
    const nodeEnv = process.env.NODE_ENV;
    afterEach(() => {
      process.env.NODE_ENV = nodeEnv;
      jest.restoreAllMocks();
    });

    it.each([
      ['development', 1],
      ['production', 1],
      ['test', 0],
    ])('warns that sessions are in-process when NODE_ENV is %s: %i time(s)', (env, times) => {
      const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
      process.env.NODE_ENV = env;
      new MemorySessionStore();
      expect(
        warn.mock.calls.filter(([m]) => String(m).includes('MemorySessionStore')),
      ).toHaveLength(times);
    });
  });
});
