/**
 * One counter: its key (without the store's prefix) and how many failures it allows. By default
 * the counter's window and lockout come from the {@link AttemptPolicy}; a `lock` counter has its
 * own window and, once at the limit, refuses every attempt until it is cleared or expires.
 */
export interface AttemptCounter {
  key: string;
  limit: number;
  /** Failures older than this are forgotten (ms). @default the policy's `windowMs` */
  windowMs?: number;
  /** At the limit: refused until cleared (no growing delay). @default false */
  lock?: boolean;
  /** A set known-client marker of the group spares this counter. @default false */
  exemptWhenKnown?: boolean;
  /**
   * On `settle`: this attempt also counted on the account counter, so a failure here is one a
   * later success of the same client may take back off the account. @default false
   */
  shadowed?: boolean;
}

/**
 * Counters that share a hash slot, checked and counted in one atomic step. `knownKey`, when
 * present and set, spares the counters marked `exemptWhenKnown`. With `pending`, an attempt is
 * counted as in flight until it is settled ({@link AttemptStore.settle}); without, it counts as a
 * failure at once (a registration, which is never given back).
 */
export interface AttemptGroup {
  counters: AttemptCounter[];
  knownKey?: string;
  pending?: boolean;
  /** Identifies the attempt in flight (with `pending`): settling names it again. */
  attemptId?: string;
}

/** The time and the default window and lockout of a check. */
export interface AttemptPolicy {
  now: number;
  windowMs: number;
  baseDelayMs: number;
  /** In-flight attempts older than this are taken for lost (a crashed process). @default 60000 */
  pendingStaleMs?: number;
}

/**
 * What {@link AttemptStore.consume} decided. `counted` lists the counters it incremented.
 * Refused: `limit` (failures past a limit, wait `waitMs`), `locked` (a lock counter is full,
 * `waitMs` until its key expires) or `pending` (attempts still in flight may use up the limit:
 * ask again once they settled).
 */
export type ConsumeResult =
  | { allowed: true; counted: string[] }
  | { allowed: false; waitMs: number; reason: 'limit' | 'locked' | 'pending' };

/** A right attempt, as {@link AttemptStore.succeed} settles it. */
export interface AttemptSuccess {
  /** The account group's counters the attempt was counted on. */
  counted: string[];
  /** The (account, IP) counter whose failures leave the account's. */
  pairKey: string;
  accountKey: string;
  /** Counters whose failures a success clears (the consecutive-failure count). */
  resetKeys: string[];
  /** The known-client marker to set, for `knownTtlMs` from `now`. */
  knownKey: string;
  knownTtlMs: number;
  now: number;
  /** The attempt to take out of the in-flight sets of `counted`. */
  attemptId: string;
  /** The window of the pair and account counters: older failures are not taken back. */
  windowMs: number;
}

/**
 * Port: where failed-attempt counters live (`RedisAttemptStore`, `MemoryAttemptStore`; both pass
 * `test/contracts/attempt-store`). Each counter holds settled failures and attempts in flight;
 * `consume` must check and count atomically (no read-then-write across requests): N parallel
 * attempts against a limit of k let at most k run. Failures of the store must throw (the throttle
 * never fails open).
 */
export abstract class AttemptStore {
  /**
   * Optional startup check, run once by `AuthModule` at boot (unless `startupCheck: false`):
   * resolves when the backing service answers within a few seconds, else throws a one-line
   * `Error` that says how to fix the configuration.
   */
  check?(): Promise<void>;

  /** Checks the group's counters and, when allowed, counts one attempt on each. */
  abstract consume(group: AttemptGroup, policy: AttemptPolicy): Promise<ConsumeResult>;

  /**
   * Settles the in-flight attempt `attemptId` on each of `counters` (one hash slot): no longer in
   * flight and, when `failed`, one more failure. An attempt in flight longer than the policy's
   * `pendingStaleMs` stops counting by itself (each attempt on its own clock).
   */
  abstract settle(
    counters: AttemptCounter[],
    failed: boolean,
    policy: AttemptPolicy,
    attemptId: string,
  ): Promise<void>;

  /**
   * A right attempt, in one atomic step: settles it on `counted` (the account group's counters it
   * was counted on); takes the failures of the (account, IP) counter `pairKey` that also landed on
   * `accountKey` (settled with `shadowed`, within the window) off it, and forgets the pair's; clears every key of `resetKeys` (failures since the last success); sets
   * `knownKey` for `knownTtlMs` from `now`.
   */
  abstract succeed(success: AttemptSuccess): Promise<void>;

  /** Deletes these counters (an unlock). */
  abstract clear(keys: string[]): Promise<void>;

  /**
   * Marks `key` used for `ttlMs`; true the first time, false while it is marked. Atomic: of
   * parallel claims exactly one gets true. A replay guard: a TOTP code is claimed as
   * `m{u:<sha256(userId)>}:t:<step>` (one user's claims share the `{hash tag}`, so the key is
   * Cluster-safe; never the user id or code in clear).
   *
   * `now` (ms since the epoch) is the clock of stores without their own (`MemoryAttemptStore`);
   * `RedisAttemptStore` ignores it and lets Redis expire the mark (`SET … PX ttlMs NX`).
   *
   * @param ttlMs how long the mark lasts, a positive integer (ms); for a TOTP step, at least the
   *   time the code stays acceptable (`(2 × window + 1) × 30 s` covers every case).
   */
  abstract claimOnce(key: string, ttlMs: number, now: number): Promise<boolean>;
}

/** What is wrong with a claim TTL Redis would reject (`PX` takes a positive integer), or null. */
export function claimTtlError(ttlMs: number): RangeError | null {
  return Number.isInteger(ttlMs) && ttlMs > 0
    ? null
    : new RangeError(`claimOnce ttlMs must be a positive integer, got ${ttlMs}`);
}

/** The lockout after `count` failures against `limit`: none below it, then doubling. */
export function lockoutMs(count: number, limit: number, policy: AttemptPolicy): number {
  if (count < limit) return 0;
  return Math.min(policy.windowMs, policy.baseDelayMs * 2 ** (count - limit));
}
