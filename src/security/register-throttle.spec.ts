import { TooManyAttemptsException } from '../errors/warden.exceptions.js';
import { FakeClock } from '../../test/support/fake-clock.js';
import { MemoryAttemptStore } from './memory-attempt.store.js';
import { RegisterThrottle } from './register-throttle.js';

describe('RegisterThrottle', () => {
  describe('consume', () => {
    it('allows maxPerIp attempts per IP, then 429 with the rest of the window', async () => {
      const clock = new FakeClock();
      const throttle = new RegisterThrottle(
        new MemoryAttemptStore(),
        { maxPerIp: 2, windowSeconds: 100 },
        clock,
      );
      await throttle.consume('10.0.0.1');
      clock.advanceSeconds(10);
      await throttle.consume('10.0.0.1');
      await throttle.consume('10.0.0.2');
      clock.advanceSeconds(30);
      const refused = await throttle.consume('10.0.0.1').catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(TooManyAttemptsException);
      expect((refused as TooManyAttemptsException).retryAfterSeconds).toBe(70);
      clock.advanceSeconds(70);
      await expect(throttle.consume('10.0.0.1')).resolves.toBeUndefined();
    });
  });

  describe('constructor', () => {
    it('refuses a limit that is not a positive integer', () => {
      const clock = new FakeClock();
      expect(() => new RegisterThrottle(new MemoryAttemptStore(), { maxPerIp: 0 }, clock)).toThrow(
        'registerThrottle.maxPerIp must be a positive integer, got 0',
      );
    });
  });
});
