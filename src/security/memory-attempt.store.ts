import type {
  AttemptCounter,
  AttemptGroup,
  AttemptPolicy,
  AttemptSuccess,
  ConsumeResult,
} from './attempt.store.js';
import { AttemptStore, lockoutMs } from './attempt.store.js';

/** One counter: settled failures `f` (the last at `last`), attempts in flight `p` (last at `pt`). */
interface CounterState {
  f: number;
  last: number;
  p: number;
  pt: number;
  expires: number;
}

const DEFAULT_STALE_MS = 60_000;

/** {@link AttemptStore} in process memory: one instance only (tests, `npm start` without Redis). */
export class MemoryAttemptStore extends AttemptStore {
  private readonly counters = new Map<string, CounterState>();
  private readonly known = new Map<string, number>();

  consume(group: AttemptGroup, policy: AttemptPolicy): Promise<ConsumeResult> {
    const exempt =
      group.knownKey !== undefined && (this.known.get(group.knownKey) ?? 0) > policy.now;
    const active = group.counters.filter((c) => !(exempt && c.exemptWhenKnown));
    let locked = 0;
    let limited = 0;
    let pending = false;
    for (const counter of active) {
      const window = counter.windowMs ?? policy.windowMs;
      const { f, last, p } = this.read(counter.key, window, policy);
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
      if (group.pending)
        this.write(counter.key, { ...state, p: state.p + 1, pt: policy.now }, window);
      else this.write(counter.key, { ...state, f: state.f + 1, last: policy.now }, window);
    }
    this.sweep(policy.now);
    return Promise.resolve({ allowed: true, counted: active.map((c) => c.key) });
  }

  settle(counters: AttemptCounter[], failed: boolean, policy: AttemptPolicy): Promise<void> {
    for (const counter of counters) {
      const window = counter.windowMs ?? policy.windowMs;
      const state = this.read(counter.key, window, policy);
      const p = Math.max(0, state.p - 1);
      if (failed)
        this.write(counter.key, { ...state, p, f: state.f + 1, last: policy.now }, window);
      else this.write(counter.key, { ...state, p }, window);
    }
    return Promise.resolve();
  }

  succeed(success: AttemptSuccess): Promise<void> {
    for (const key of success.counted) {
      const state = this.counters.get(key);
      if (state) state.p = Math.max(0, state.p - 1);
    }
    const pair = this.counters.get(success.pairKey);
    const mine = pair?.f ?? 0;
    if (pair) pair.f = 0;
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

  /** The counter as it counts at `policy.now`: old failures and lost in-flight attempts dropped. */
  private read(key: string, windowMs: number, policy: AttemptPolicy): CounterState {
    const state = this.counters.get(key);
    if (!state) return { f: 0, last: 0, p: 0, pt: 0, expires: 0 };
    const stale = policy.pendingStaleMs ?? DEFAULT_STALE_MS;
    return {
      ...state,
      f: policy.now - state.last >= windowMs ? 0 : state.f,
      p: policy.now - state.pt >= stale ? 0 : state.p,
    };
  }

  private write(key: string, state: CounterState, windowMs: number): void {
    this.counters.set(key, { ...state, expires: Math.max(state.last, state.pt) + 2 * windowMs });
  }

  private sweep(now: number): void {
    if (this.counters.size < 10_000) return;
    for (const [key, state] of this.counters) if (state.expires <= now) this.counters.delete(key);
    for (const [key, until] of this.known) if (until <= now) this.known.delete(key);
  }
}
