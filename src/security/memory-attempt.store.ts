import type {
  AttemptCounter,
  AttemptGroup,
  AttemptPolicy,
  AttemptSuccess,
  ConsumeResult,
} from './attempt.store.js';
import { AttemptStore, claimTtlError, lockoutMs } from './attempt.store.js';

/** One counter: failures `f` (the last at `last`) and the attempts in flight by id → start. */
interface CounterState {
  f: number;
  /** Of `f`, the failures that also landed on the account counter (pair counters). */
  fa: number;
  last: number;
  inFlight: Map<string, number>;
  expires: number;
}

const DEFAULT_STALE_MS = 60_000;

/** {@link AttemptStore} in process memory: one instance only (tests, `npm start` without Redis). */
export class MemoryAttemptStore extends AttemptStore {
  private readonly counters = new Map<string, CounterState>();
  private readonly known = new Map<string, number>();
  /** Claimed keys → until when (ms). */
  private readonly claims = new Map<string, number>();

  consume(group: AttemptGroup, policy: AttemptPolicy): Promise<ConsumeResult> {
    const exempt =
      group.knownKey !== undefined && (this.known.get(group.knownKey) ?? 0) > policy.now;
    const active = group.counters.filter((c) => !(exempt && c.exemptWhenKnown));
    let locked = 0;
    let limited = 0;
    let pending = false;
    for (const counter of active) {
      const window = counter.windowMs ?? policy.windowMs;
      const { f, last, inFlight } = this.read(counter.key, window, policy);
      const p = inFlight.size;
      if (counter.lock) {
        if (f >= counter.limit) locked = Math.max(locked, last + window - policy.now);
        else if (f + p >= counter.limit) pending = true;
      } else if (f >= counter.limit) {
        const until = last + lockoutMs(f, counter.limit, { ...policy, windowMs: window });
        if (until > policy.now) limited = Math.max(limited, until - policy.now);
        else if (p > 0) pending = true;
      } else if (f + p >= counter.limit) pending = true;
    }
    if (locked > 0) return Promise.resolve({ allowed: false, waitMs: locked, reason: 'locked' });
    if (limited > 0) return Promise.resolve({ allowed: false, waitMs: limited, reason: 'limit' });
    if (pending) return Promise.resolve({ allowed: false, waitMs: 0, reason: 'pending' });
    for (const counter of active) {
      const window = counter.windowMs ?? policy.windowMs;
      const state = this.read(counter.key, window, policy);
      if (group.pending) state.inFlight.set(group.attemptId ?? '', policy.now);
      else Object.assign(state, { f: state.f + 1, last: policy.now });
      this.write(counter.key, state, Math.max(window, this.stale(policy)), policy.now);
    }
    this.sweep(policy.now);
    return Promise.resolve({ allowed: true, counted: active.map((c) => c.key) });
  }

  settle(
    counters: AttemptCounter[],
    failed: boolean,
    policy: AttemptPolicy,
    attemptId: string,
  ): Promise<void> {
    for (const counter of counters) {
      const window = counter.windowMs ?? policy.windowMs;
      const state = this.read(counter.key, window, policy);
      state.inFlight.delete(attemptId);
      if (failed) {
        const fa = state.fa + (counter.shadowed ? 1 : 0);
        Object.assign(state, { f: state.f + 1, fa, last: policy.now });
      }
      this.write(counter.key, state, Math.max(window, this.stale(policy)), policy.now);
    }
    return Promise.resolve();
  }

  succeed(success: AttemptSuccess): Promise<void> {
    for (const key of success.counted) this.counters.get(key)?.inFlight.delete(success.attemptId);
    const pair = this.counters.get(success.pairKey);
    const mine = pair && success.now - pair.last < success.windowMs ? pair.fa : 0;
    if (pair) Object.assign(pair, { f: 0, fa: 0 });
    const account = this.counters.get(success.accountKey);
    if (account) account.f = Math.max(0, account.f - mine);
    for (const key of success.resetKeys) {
      const state = this.counters.get(key);
      if (state) state.f = 0;
    }
    this.known.set(success.knownKey, success.now + success.knownTtlMs);
    return Promise.resolve();
  }

  clear(keys: string[]): Promise<void> {
    for (const key of keys) this.counters.delete(key);
    return Promise.resolve();
  }

  claimOnce(key: string, ttlMs: number, now: number): Promise<boolean> {
    const invalid = claimTtlError(ttlMs);
    if (invalid) return Promise.reject(invalid);
    if (!Number.isFinite(now)) return Promise.reject(new RangeError(`claimOnce now is ${now}`));
    // Check and mark with no await between them: one event-loop turn, so atomic in-process.
    if ((this.claims.get(key) ?? -Infinity) > now) return Promise.resolve(false);
    this.claims.set(key, now + ttlMs);
    if (this.claims.size >= 10_000) {
      for (const [claimed, until] of this.claims) if (until <= now) this.claims.delete(claimed);
    }
    return Promise.resolve(true);
  }

  /**
   * The counter as it counts at `policy.now` (created when missing): failures a window old and
   * attempts in flight older than the stale limit are dropped, each on its own clock.
   */
  private read(key: string, windowMs: number, policy: AttemptPolicy): CounterState {
    const state = this.counters.get(key) ?? {
      f: 0,
      fa: 0,
      last: 0,
      inFlight: new Map(),
      expires: 0,
    };
    if (policy.now - state.last >= windowMs) Object.assign(state, { f: 0, fa: 0 });
    for (const [id, started] of state.inFlight) {
      if (policy.now - started >= this.stale(policy)) state.inFlight.delete(id);
    }
    return state;
  }

  private write(key: string, state: CounterState, keepMs: number, now: number): void {
    state.expires = now + 2 * keepMs;
    this.counters.set(key, state);
  }

  private stale(policy: AttemptPolicy): number {
    return policy.pendingStaleMs ?? DEFAULT_STALE_MS;
  }

  private sweep(now: number): void {
    if (this.counters.size < 10_000) return;
    for (const [key, state] of this.counters) if (state.expires <= now) this.counters.delete(key);
    for (const [key, until] of this.known) if (until <= now) this.known.delete(key);
  }
}
