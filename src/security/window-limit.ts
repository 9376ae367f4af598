import { createHash } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import { WardenErrorCode } from '../errors/error-codes.js';
import { TooManyAttemptsException } from '../errors/warden.exceptions.js';
import type { AttemptStore } from './attempt.store.js';

/** SHA-256 prefix (32 hex) of what a counter key is about: an IP, an email, a user id. */
export function counterDigest(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 32);
}

/**
 * Counts one request on a counter that allows `limit` per window, in the login throttle's
 * {@link AttemptStore} (shared by every instance with `RedisAttemptStore`). Every request counts
 * and nothing is given back; past the limit: 429 `TOO_MANY_ATTEMPTS` with `Retry-After` until the
 * window has passed since the last counted request. `key` must hold one `{hash tag}`.
 */
export async function consumeWithinWindow(
  store: AttemptStore,
  clock: Clock,
  counter: { key: string; limit: number; windowSeconds: number },
  message: string,
): Promise<void> {
  const windowMs = counter.windowSeconds * 1000;
  // baseDelayMs = window: once the limit is reached the wait is the rest of the window.
  const result = await store.consume(
    { counters: [{ key: counter.key, limit: counter.limit }] },
    { now: clock.now(), windowMs, baseDelayMs: windowMs },
  );
  if (!result.allowed) {
    throw new TooManyAttemptsException(
      Math.max(1, Math.ceil(result.waitMs / 1000)),
      WardenErrorCode.TOO_MANY_ATTEMPTS,
      message,
    );
  }
}
