import type { Clock } from '../core/clock.js';
import type { AttemptStore } from './attempt.store.js';
import { consumeWithinWindow, counterDigest } from './window-limit.js';

/** Limits of {@link RegisterThrottle}. All optional; defaults below (API.md's `REGISTER_*`). */
export interface RegisterThrottleOptions {
  /** Registration attempts (successful or not) per client IP within the window. @default 20 */
  maxPerIp?: number;
  /** The window, in seconds; it slides from the last counted attempt. @default 3600 */
  windowSeconds?: number;
}

/** {@link RegisterThrottleOptions} with every default applied. */
export type ResolvedRegisterThrottleOptions = Required<RegisterThrottleOptions>;

/** Applies defaults; a limit that is not a positive integer is a boot error. */
export function resolveRegisterThrottleOptions(
  options: RegisterThrottleOptions = {},
): ResolvedRegisterThrottleOptions {
  const resolved = {
    maxPerIp: options.maxPerIp ?? 20,
    windowSeconds: options.windowSeconds ?? 3600,
  };
  for (const [key, value] of Object.entries(resolved)) {
    if (!Number.isInteger(value) || value < 1) {
      throw new Error(`registerThrottle.${key} must be a positive integer, got ${String(value)}`);
    }
  }
  return resolved;
}

/**
 * Throttles registrations per client IP: every attempt that reaches the handler counts, created,
 * refused as taken or refused by policy alike, and nothing is given back, so neither account
 * farming nor probing which emails exist goes faster than `maxPerIp` per window. Past the limit:
 * 429 `TOO_MANY_ATTEMPTS` with `Retry-After` until the window has passed since the last counted
 * attempt. The counter lives in the login throttle's {@link AttemptStore} (shared by every
 * instance with `RedisAttemptStore`), under its own key: `r{i:<sha-256 of the IP>}:n`.
 */
export class RegisterThrottle {
  readonly options: ResolvedRegisterThrottleOptions;

  constructor(
    private readonly store: AttemptStore,
    options: RegisterThrottleOptions,
    private readonly clock: Clock,
  ) {
    this.options = resolveRegisterThrottleOptions(options);
  }

  /** Counts one registration attempt from `ip`, or throws `TooManyAttemptsException` (429). */
  consume(ip: string | null): Promise<void> {
    return consumeWithinWindow(
      this.store,
      this.clock,
      {
        key: `r{i:${counterDigest(ip ?? 'unknown')}}:n`,
        limit: this.options.maxPerIp,
        windowSeconds: this.options.windowSeconds,
      },
      'Too many registrations from this network; try again later',
    );
  }
}
