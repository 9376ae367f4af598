/** Limits of {@link LoginThrottle}. All optional; defaults below (API.md's `LOGIN_*`). */
export interface LoginThrottleOptions {
  /** Failed attempts per normalised email (existing or not) within the window. @default 5 */
  maxFailuresPerAccount?: number;
  /** Failed attempts per client IP within the window. @default 50 */
  maxFailuresPerIp?: number;
  /** The window, in seconds; it slides from the last failure. @default 900 */
  windowSeconds?: number;
  /**
   * First lockout once a limit is reached, in seconds; each further failure after it doubles
   * the wait, up to the window. @default 5
   */
  baseDelaySeconds?: number;
  /**
   * How long a client IP that logged in successfully stays known to the account, in seconds.
   * Failures of others against the account do not lock a known IP out (its own failures still
   * count, per account and IP). @default 2592000 (30 days)
   */
  knownClientSeconds?: number;
  /**
   * Failed attempts on one account without a success, over any time (NIST SP 800-63B: at most
   * 100), after which password login for the account is locked until `LoginThrottle.unlock`
   * (a password reset or an admin). Clients known to the account are not locked out.
   * @default 100
   */
  maxConsecutiveFailures?: number;
  /** How long the consecutive-failure count is kept after the last failure, in seconds. @default 31536000 (365 days) */
  consecutiveFailuresSeconds?: number;
  /**
   * How long an attempt waits, in ms, while attempts still in flight could use up a limit, before
   * it is refused with 429. Correct passwords sent in parallel then all get through. @default 5000
   */
  maxPendingWaitMs?: number;
}

export type ResolvedLoginThrottleOptions = Required<LoginThrottleOptions>;

export function resolveLoginThrottleOptions(
  options: LoginThrottleOptions = {},
): ResolvedLoginThrottleOptions {
  const resolved = {
    maxFailuresPerAccount: 5,
    maxFailuresPerIp: 50,
    windowSeconds: 900,
    baseDelaySeconds: 5,
    knownClientSeconds: 30 * 24 * 3600,
    maxConsecutiveFailures: 100,
    consecutiveFailuresSeconds: 365 * 24 * 3600,
    maxPendingWaitMs: 5000,
    ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
  };
  for (const [key, value] of Object.entries(resolved)) {
    if (!Number.isInteger(value) || value < 1) {
      throw new Error(`loginThrottle.${key} must be a positive integer, got ${String(value)}`);
    }
  }
  return resolved;
}
