import { jest } from '@jest/globals';
import { withTimeout } from './redis-calls.js';

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
