import { createHash } from 'node:crypto';
import type { Clock } from '../session/clock.js';
import { TooManyAttemptsException } from '../errors/warden.exceptions.js';
import { normalizeEmail } from '../users/email.js';
import type { SecurityEvents } from './security-events.js';
import { WardenEvent } from './security-events.js';

/** Limits of {@link LoginThrottle}. All optional; defaults below (API.md's `LOGIN_*`). */
export interface LoginThrottleOptions {
  /** Failed attempts per normalised email (existing or not) within the window. @default 5 */
  maxFailuresPerAccount?: number;
  /** Failed attempts per client IP within the window. @default 50 */
  maxFailuresPerIp?: number;
  /** The window, in seconds; it slides from the last counted attempt. @default 900 */
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
    ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)),
  };
  for (const [key, value] of Object.entries(resolved)) {
    if (!Number.isInteger(value) || value < 1) {
      throw new Error(`loginThrottle.${key} must be a positive integer, got ${String(value)}`);
    }
  }
  return resolved;
}

/** One counter: its key (without the store's prefix) and how many failures it allows. */
export interface AttemptCounter {
  key: string;
  limit: number;
}

/**
 * Counters that share a hash slot, checked and counted in one atomic step. `knownKey`, when
 * present and set, exempts the first counter (the account-wide one) from the check and the count.
 */
export interface AttemptGroup {
  counters: AttemptCounter[];
  knownKey?: string;
}

export interface AttemptPolicy {
  now: number;
  windowMs: number;
  baseDelayMs: number;
}

/** What {@link AttemptStore.consume} decided. `counted` lists the counters it incremented. */
export type ConsumeResult =
  { allowed: true; counted: string[] } | { allowed: false; waitMs: number };

/**
 * Where failed-attempt counters live. `consume` must check and count atomically (no
 * read-then-write across requests): N parallel attempts against a limit of k let at most k
 * through. Failures of the store must throw (the throttle never fails open).
 */
export abstract class AttemptStore {
  abstract consume(group: AttemptGroup, policy: AttemptPolicy): Promise<ConsumeResult>;
  /** Gives back one attempt on each of `keys` (the attempt turned out not to be a failure). */
  abstract refund(keys: string[]): Promise<void>;
  /**
   * Forgets the (account, IP) counter `pairKey`, takes its failures off the account counter
   * `accountKey`, and sets `knownKey` for `knownTtlMs`; one atomic step.
   */
  abstract succeed(
    pairKey: string,
    accountKey: string,
    knownKey: string,
    knownTtlMs: number,
  ): Promise<void>;
}

/** The lockout after `count` failures against `limit`: none below it, then doubling. */
export function lockoutMs(count: number, limit: number, policy: AttemptPolicy): number {
  if (count < limit) return 0;
  return Math.min(policy.windowMs, policy.baseDelayMs * 2 ** (count - limit));
}

/** One credential attempt in progress: settle it exactly once. */
export interface CredentialAttempt {
  /**
   * The credentials were right: forgets the failures this IP added to the account and trusts
   * the IP from now on.
   */
  succeeded(): Promise<void>;
  /** The credentials were wrong: the attempt stays counted. */
  failed(): void;
  /** Neither (a backing service failed): the attempt is not counted. */
  cancel(): Promise<void>;
}

const digest = (value: string) => createHash('sha256').update(value).digest('hex').slice(0, 32);

/**
 * Throttles credential attempts per account (normalised email, existing or not), per client IP
 * and per (account, IP), with a growing lockout once a limit is reached. Each attempt is counted
 * before the password is checked, so parallel attempts cannot outrun the limit; an attempt that
 * turns out right, or that a backing service failure interrupted, is given back.
 */
export class LoginThrottle {
  readonly options: ResolvedLoginThrottleOptions;

  constructor(
    private readonly store: AttemptStore,
    options: LoginThrottleOptions,
    private readonly clock: Clock,
    private readonly events?: SecurityEvents,
  ) {
    this.options = resolveLoginThrottleOptions(options);
  }

  /** Counts one attempt, or throws `TooManyAttemptsException` (429) with the wait. */
  async begin(email: string, ip: string | null): Promise<CredentialAttempt> {
    const account = digest(normalizeEmail(String(email)));
    const client = digest(ip ?? 'unknown');
    const policy: AttemptPolicy = {
      now: this.clock.now(),
      windowMs: this.options.windowSeconds * 1000,
      baseDelayMs: this.options.baseDelaySeconds * 1000,
    };
    const accountKey = `{a:${account}}:n`;
    const pairKey = `{a:${account}}:n:${client}`;
    const knownKey = `{a:${account}}:k:${client}`;
    const byIp = await this.store.consume(
      { counters: [{ key: `{i:${client}}:n`, limit: this.options.maxFailuresPerIp }] },
      policy,
    );
    if (!byIp.allowed) throw this.tooMany(byIp.waitMs, account, ip);
    let byAccount: ConsumeResult;
    try {
      byAccount = await this.store.consume(
        {
          counters: [
            { key: accountKey, limit: this.options.maxFailuresPerAccount },
            { key: pairKey, limit: this.options.maxFailuresPerAccount },
          ],
          knownKey,
        },
        policy,
      );
    } catch (error) {
      await this.store.refund(byIp.counted).catch(() => undefined);
      throw error;
    }
    if (!byAccount.allowed) {
      await this.store.refund(byIp.counted);
      throw this.tooMany(byAccount.waitMs, account, ip);
    }
    const counted = [...byIp.counted, ...byAccount.counted];
    const ipCounted = byIp.counted;
    const accountCounted = byAccount.counted.includes(accountKey);
    let settled = false;
    const settle = () => {
      if (settled) return false;
      settled = true;
      return true;
    };
    return {
      succeeded: async () => {
        if (!settle()) return;
        // This attempt was no failure, and the IP's earlier failures leave the account's count.
        // `succeed` deletes the pair counter and subtracts it, this attempt included, from the
        // account counter, so only a counter it does not cover is refunded: the IP's (another
        // hash slot, in parallel) and, when the known-client marker spared the account counter,
        // this attempt's count on the pair, first.
        const succeed = async () => {
          if (!accountCounted) await this.store.refund([pairKey]);
          await this.store.succeed(
            pairKey,
            accountKey,
            knownKey,
            this.options.knownClientSeconds * 1000,
          );
        };
        await Promise.all([this.store.refund(ipCounted), succeed()]);
      },
      failed: () => {
        settle();
      },
      cancel: async () => {
        if (settle()) await this.store.refund(counted);
      },
    };
  }

  /**
   * Runs `verify` as one counted attempt: `null` (wrong credentials) stays counted, a result is a
   * success, and a throw (a backing service failed) gives the attempt back and is rethrown.
   */
  async check<T>(
    email: string,
    ip: string | null,
    verify: () => Promise<T | null>,
  ): Promise<T | null> {
    const attempt = await this.begin(email, ip);
    let result: T | null;
    try {
      result = await verify();
    } catch (error) {
      await attempt.cancel().catch(() => undefined);
      throw error;
    }
    if (result === null) attempt.failed();
    else await attempt.succeeded().catch(() => undefined);
    return result;
  }

  private tooMany(waitMs: number, account: string, ip: string | null): TooManyAttemptsException {
    this.events?.emit(WardenEvent.LOGIN_THROTTLED, { accountHash: account.slice(0, 16), ip });
    return new TooManyAttemptsException(Math.max(1, Math.ceil(waitMs / 1000)));
  }
}

/** {@link AttemptStore} in process memory: one instance only (tests, `npm start` without Redis). */
export class MemoryAttemptStore extends AttemptStore {
  private readonly counters = new Map<string, { count: number; last: number; expires: number }>();
  private readonly known = new Map<string, number>();

  constructor(private readonly clock: Clock) {
    super();
  }

  consume(group: AttemptGroup, policy: AttemptPolicy): Promise<ConsumeResult> {
    const exempt =
      group.knownKey !== undefined && (this.known.get(group.knownKey) ?? 0) > policy.now;
    const active = group.counters.filter((_, i) => !(i === 0 && exempt));
    let waitMs = 0;
    const states = active.map((counter) => {
      const state = this.counters.get(counter.key);
      const count = state && policy.now - state.last < policy.windowMs ? state.count : 0;
      const until = (state?.last ?? 0) + lockoutMs(count, counter.limit, policy);
      if (count >= counter.limit && until > policy.now)
        waitMs = Math.max(waitMs, until - policy.now);
      return { key: counter.key, count };
    });
    if (waitMs > 0) return Promise.resolve({ allowed: false, waitMs });
    for (const { key, count } of states) {
      this.counters.set(key, {
        count: count + 1,
        last: policy.now,
        expires: policy.now + 2 * policy.windowMs,
      });
    }
    this.sweep(policy.now);
    return Promise.resolve({ allowed: true, counted: states.map((s) => s.key) });
  }

  refund(keys: string[]): Promise<void> {
    for (const key of keys) {
      const state = this.counters.get(key);
      if (state && state.count > 0) state.count--;
    }
    return Promise.resolve();
  }

  succeed(
    pairKey: string,
    accountKey: string,
    knownKey: string,
    knownTtlMs: number,
  ): Promise<void> {
    const mine = this.counters.get(pairKey)?.count ?? 0;
    this.counters.delete(pairKey);
    const account = this.counters.get(accountKey);
    if (account) account.count = Math.max(0, account.count - mine);
    this.known.set(knownKey, this.clock.now() + knownTtlMs);
    return Promise.resolve();
  }

  private sweep(now: number): void {
    if (this.counters.size < 10_000) return;
    for (const [key, state] of this.counters) if (state.expires <= now) this.counters.delete(key);
    for (const [key, until] of this.known) if (until <= now) this.known.delete(key);
  }
}
