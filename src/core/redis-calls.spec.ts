import { jest } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { TEST_REDIS_URL, uniqueName } from '../../test/support/services.js';
import { RedisScripts, withTimeout } from './redis-calls.js';

describe('withTimeout', () => {
  afterEach(() => jest.useRealTimers());

  it('settles like the call when it settles in time, and leaves no timer behind', async () => {
    jest.useFakeTimers();
    await expect(withTimeout(Promise.resolve('ok'), 1000, 'call')).resolves.toBe('ok');
    const failure = new Error('boom');
    await expect(withTimeout(Promise.reject(failure), 1000, 'call')).rejects.toBe(failure);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('rejects after the timeout whatever the call does, and swallows its late outcome', async () => {
    jest.useFakeTimers();
    let fail!: (error: Error) => void;
    const stalled = new Promise<string>((_, reject) => (fail = reject));
    const unhandled = jest.fn();
    process.on('unhandledRejection', unhandled);
    try {
      const outcome = withTimeout(stalled, 1000, 'Redis call');
      jest.advanceTimersByTime(999);
      await Promise.resolve();
      jest.advanceTimersByTime(1);
      await expect(outcome).rejects.toThrow('Redis call timed out after 1000 ms');
      fail(new Error('late'));
      jest.useRealTimers();
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(unhandled).not.toHaveBeenCalled();
    } finally {
      process.off('unhandledRejection', unhandled);
    }
  });

  it('does not keep the process alive for its timer', () => {
    const unref = jest.spyOn(globalThis, 'setTimeout');
    void withTimeout(new Promise(() => undefined), 60_000, 'call').catch(() => undefined);
    const timer = unref.mock.results[0].value as NodeJS.Timeout;
    expect(timer.hasRef()).toBe(false);
    clearTimeout(timer);
    unref.mockRestore();
  });
});

describe('RedisScripts', () => {
  const prefix = `${uniqueName('warden_scripts')}:`;
  let redis: Redis;
  beforeAll(() => {
    redis = new Redis(TEST_REDIS_URL, { enableAutoPipelining: true, enableOfflineQueue: true });
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.unlink(...keys);
    redis.disconnect();
  });

  it('runs EVALSHA, and EVAL once when Redis does not have the script yet', async () => {
    // A script no one has sent before: Redis answers NOSCRIPT to the first EVALSHA.
    const lua = `-- ${randomBytes(8).toString('hex')}
      redis.call('SET', KEYS[1], ARGV[1]) return redis.call('GET', KEYS[1]) .. ARGV[2]`;
    const scripts = new RedisScripts(redis, 'test', { SET_GET: lua });
    const evalsha = jest.spyOn(redis, 'evalsha');
    const evaluate = jest.spyOn(redis, 'eval');
    try {
      await expect(scripts.run('SET_GET', [`${prefix}a`], ['x', 1])).resolves.toBe('x1');
      expect(evalsha).toHaveBeenCalledTimes(1);
      expect(evaluate).toHaveBeenCalledTimes(1);
      await expect(scripts.run('SET_GET', [`${prefix}b`], ['y', 2])).resolves.toBe('y2');
      expect(evalsha).toHaveBeenCalledTimes(2);
      expect(evaluate).toHaveBeenCalledTimes(1);
    } finally {
      evalsha.mockRestore();
      evaluate.mockRestore();
    }
  });

  it('passes a script error on as it is, without retrying with EVAL', async () => {
    const scripts = new RedisScripts(redis, 'test', {
      FAIL: `-- ${randomBytes(8).toString('hex')}\nreturn redis.error_reply('WARDEN_TEST failed')`,
    });
    await scripts.run('FAIL', [`${prefix}c`], []).catch(() => undefined); // now cached
    const evaluate = jest.spyOn(redis, 'eval');
    try {
      await expect(scripts.run('FAIL', [`${prefix}c`], [])).rejects.toThrow('WARDEN_TEST failed');
      expect(evaluate).not.toHaveBeenCalled();
    } finally {
      evaluate.mockRestore();
    }
  });

  it('registers nothing on the client, so that its (auto)pipelines stay small', () => {
    new RedisScripts(redis, 'test', { ONE: 'return 1', TWO: 'return 2' });
    expect(Object.keys((redis as unknown as { scriptsSet: object }).scriptsSet)).toEqual([]);
    expect('testONE' in redis).toBe(false);
  });
});
