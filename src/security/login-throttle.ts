import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Clock } from '../core/clock.js';
import { AccountLockedException, TooManyAttemptsException } from '../errors/warden.exceptions.js';
import { normalizeEmail } from '../users/email.js';
import type { AttemptCounter, AttemptPolicy, ConsumeResult } from './attempt.store.js';
import type { AttemptStore } from './attempt.store.js';
import type {
  LoginThrottleOptions,
  ResolvedLoginThrottleOptions,
} from './login-throttle.options.js';
import { resolveLoginThrottleOptions } from './login-throttle.options.js';
import type { SecurityEvents } from '../core/security-events.js';
import { WardenEvent } from '../core/security-events.js';

/** One credential attempt in progress: settle it exactly once. */
export interface CredentialAttempt {
  /** The client (IP) had succeeded on this account before (its known-client marker was set). */
  readonly knownClient: boolean;
  /**
   * The credentials were right: forgets the failures this IP added to the account, resets the
   * account's consecutive failures and trusts the IP from now on.
   */
  succeeded(): Promise<void>;
  /** The credentials were wrong: the attempt counts as a failure. */
  failed(): Promise<void>;
  /** Neither (a backing service failed): the attempt is not counted. */
  cancel(): Promise<void>;
}

const digest = (value: string) => createHash('sha256').update(value).digest('hex').slice(0, 32);

/** The counters of one (account, client) attempt. */
interface AttemptKeys {
  account: string;
  ip: AttemptCounter;
  perAccount: AttemptCounter;
  pair: AttemptCounter;
  consecutive: AttemptCounter;
  known: string;
}

/**
 * Throttles credential attempts per account (normalised email, existing or not), per client IP
 * and per (account, IP), with a growing lockout once a limit is reached, and locks password login
 * for an account after `maxConsecutiveFailures` failures without a success. An attempt is counted
 * as in flight before the password is checked and settled after: parallel attempts cannot outrun
 * a limit (those that could exceed it wait, bounded, for the ones in flight), and right or
 * interrupted attempts never count as failures.
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

  /** Counts one attempt in flight, or throws 429 (`TOO_MANY_ATTEMPTS`, `ACCOUNT_LOCKED`). */
  async begin(email: string, ip: string | null): Promise<CredentialAttempt> {
    const keys = this.keys(email, ip);
    const attemptId = randomUUID();
    const accountGroup = {
      attemptId,
      counters: [keys.perAccount, keys.pair, keys.consecutive],
      knownKey: keys.known,
      pending: true,
    };
    const giveUpAt = performance.now() + this.options.maxPendingWaitMs;
    for (let delayMs = 10; ; delayMs = Math.min(delayMs * 2, 200)) {
      const byIp = await this.store.consume(
        { counters: [keys.ip], pending: true, attemptId },
        this.policy(),
      );
      if (byIp.allowed) {
        let byAccount: ConsumeResult;
        try {
          byAccount = await this.store.consume(accountGroup, this.policy());
        } catch (error) {
          await this.store
            .settle([keys.ip], false, this.policy(), attemptId)
            .catch(() => undefined);
          throw error;
        }
        if (byAccount.allowed) return this.attempt(keys, byAccount.counted, attemptId);
        await this.store.settle([keys.ip], false, this.policy(), attemptId);
        if (byAccount.reason !== 'pending') throw this.refused(byAccount, keys.account, ip);
      } else if (byIp.reason !== 'pending') {
        throw this.refused(byIp, keys.account, ip);
      }
      // Attempts in flight could still use up a limit: wait for them to settle, bounded.
      if (performance.now() >= giveUpAt) throw this.refused(byIp, keys.account, ip, 1000);
      await sleep(delayMs + Math.random() * delayMs, undefined, { ref: false });
    }
  }

  /**
   * Runs `verify` as one counted attempt: `null` (wrong credentials) counts as a failure, a
   * result is a success, and a throw (a backing service failed) gives the attempt back and is
   * rethrown.
   */
  async check<T>(
    email: string,
    ip: string | null,
    verify: () => Promise<T | null>,
  ): Promise<T | null> {
    return (await this.checkClient(email, ip, verify)).result;
  }

  /**
   * {@link check}, also telling whether the client had succeeded on this account before. With
   * `partial(result)` true, a right answer is only the first of two steps (a password before an
   * MFA code): the attempt is neither a failure nor a success (no known-client marker, no reset
   * of the account's failures); the second step's own counted check settles that.
   */
  async checkClient<T>(
    email: string,
    ip: string | null,
    verify: () => Promise<T | null>,
    partial: (result: T) => boolean = () => false,
  ): Promise<{ result: T | null; knownClient: boolean }> {
    const attempt = await this.begin(email, ip);
    let result: T | null;
    try {
      result = await verify();
    } catch (error) {
      await attempt.cancel().catch(() => undefined);
      throw error;
    }
    if (result === null) await attempt.failed();
    else if (partial(result)) await attempt.cancel().catch(() => undefined);
    else await attempt.succeeded().catch(() => undefined);
    return { result, knownClient: attempt.knownClient };
  }

  /**
   * Lifts the lock of an account that reached `maxConsecutiveFailures` (and its current
   * lockout): for a password reset or an administrator.
   */
  async unlock(email: string): Promise<void> {
    const keys = this.keys(email, null);
    await this.store.clear([keys.perAccount.key, keys.consecutive.key]);
    this.events?.emit(WardenEvent.LOGIN_UNLOCKED, { accountHash: keys.account.slice(0, 16) });
  }

  /** The 16-hex SHA-256 prefix of a normalised email that events carry instead of the email. */
  accountHash(email: string): string {
    return digest(normalizeEmail(String(email))).slice(0, 16);
  }

  private attempt(keys: AttemptKeys, counted: string[], attemptId: string): CredentialAttempt {
    // The pair's failures that also landed on the account: the only ones a success of this
    // client may take back off the account (a known client's own are not on it).
    const shadowed = counted.includes(keys.perAccount.key);
    const inAccount = [keys.perAccount, { ...keys.pair, shadowed }, keys.consecutive].filter((c) =>
      counted.includes(c.key),
    );
    let settled = false;
    const once = () => !settled && (settled = true);
    /** No longer in flight, on the IP and on the account's counters; `failed` counts it. */
    const settle = async (failed: boolean) => {
      if (!once()) return;
      const policy = this.policy();
      await Promise.all([
        this.store.settle([keys.ip], failed, policy, attemptId),
        this.store.settle(inAccount, failed, policy, attemptId),
      ]);
    };
    return {
      // The account's own counter is skipped only for a client with the known marker.
      knownClient: !counted.includes(keys.perAccount.key),
      succeeded: async () => {
        if (!once()) return;
        await Promise.all([
          this.store.settle([keys.ip], false, this.policy(), attemptId),
          this.store.succeed({
            counted,
            pairKey: keys.pair.key,
            accountKey: keys.perAccount.key,
            resetKeys: [keys.consecutive.key],
            knownKey: keys.known,
            knownTtlMs: this.options.knownClientSeconds * 1000,
            now: this.clock.now(),
            attemptId,
            windowMs: this.options.windowSeconds * 1000,
          }),
        ]);
      },
      failed: () => settle(true),
      cancel: () => settle(false),
    };
  }

  private keys(email: string, ip: string | null): AttemptKeys {
    const account = digest(normalizeEmail(String(email)));
    const client = digest(ip ?? 'unknown');
    const { maxFailuresPerAccount: limit } = this.options;
    return {
      account,
      ip: { key: `{i:${client}}:n`, limit: this.options.maxFailuresPerIp },
      perAccount: { key: `{a:${account}}:n`, limit, exemptWhenKnown: true },
      pair: { key: `{a:${account}}:n:${client}`, limit },
      consecutive: {
        key: `{a:${account}}:c`,
        limit: this.options.maxConsecutiveFailures,
        windowMs: this.options.consecutiveFailuresSeconds * 1000,
        lock: true,
        exemptWhenKnown: true,
      },
      known: `{a:${account}}:k:${client}`,
    };
  }

  private policy(): AttemptPolicy {
    return {
      now: this.clock.now(),
      windowMs: this.options.windowSeconds * 1000,
      baseDelayMs: this.options.baseDelaySeconds * 1000,
    };
  }

  private refused(
    result: ConsumeResult,
    account: string,
    ip: string | null,
    fallbackMs = 1000,
  ): TooManyAttemptsException {
    const waitMs = result.allowed ? fallbackMs : Math.max(result.waitMs, fallbackMs);
    const seconds = Math.max(1, Math.ceil(waitMs / 1000));
    const fields = { accountHash: account.slice(0, 16), ip };
    if (!result.allowed && result.reason === 'locked') {
      this.events?.emit(WardenEvent.LOGIN_LOCKED, fields);
      return new AccountLockedException(seconds);
    }
    this.events?.emit(WardenEvent.LOGIN_THROTTLED, fields);
    return new TooManyAttemptsException(seconds);
  }
}
