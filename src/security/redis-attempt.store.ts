import { Logger } from '@nestjs/common';
import type { Cluster, Redis } from 'ioredis';
import { checkRedis, RedisScripts, withTimeout } from '../core/redis-calls.js';
import { RedisKeys } from '../core/redis-keys.js';
import { WardenUnavailableException } from '../errors/warden.exceptions.js';
import type {
  AttemptCounter,
  AttemptGroup,
  AttemptPolicy,
  AttemptSuccess,
  ConsumeResult,
} from './attempt.store.js';
import { AttemptStore, claimTtlError } from './attempt.store.js';

/**
 * A counter is a hash {f: failures, last: time of the last one} and, beside it in the same hash
 * slot, a sorted set of the attempts in flight (member: attempt id, score: when it started).
 * `read` gives a counter as it counts now: failures a window old are dropped, and so is each
 * attempt in flight older than `stale` (a crashed process, a settle that never arrived), one by
 * one, whatever other attempts keep arriving.
 */
const READ = `
local function read(key, pkey, now, window, stale)
  local v = redis.call('HMGET', key, 'f', 'last')
  local f, last = tonumber(v[1]) or 0, tonumber(v[2]) or 0
  if now - last >= window then f = 0 end
  redis.call('ZREMRANGEBYSCORE', pkey, '-inf', now - stale)
  return f, last, redis.call('ZCARD', pkey)
end`;

/**
 * `consume(keys, argv)`: KEYS n counters, their n in-flight sets, then optionally the known-client
 * marker. ARGV: now, n, pending (0/1), stale ms, base delay ms, attempt id, then per counter:
 * limit, window ms, lock (0/1), exempt when known (0/1). Returns {1, counted indexes...} or
 * {0, waitMs, reason}.
 */
const CONSUME_FN = `
local function consume(keys, argv)
  local now, n, pending, stale, base, id = tonumber(argv[1]), tonumber(argv[2]), argv[3] == '1', tonumber(argv[4]), tonumber(argv[5]), argv[6]
  local known = #keys > 2 * n and redis.call('EXISTS', keys[2 * n + 1]) == 1
  local locked, limited, blocked, active = 0, 0, false, {}
  for i = 1, n do
    local o = 6 + (i - 1) * 4
    local limit, window, lock = tonumber(argv[o + 1]), tonumber(argv[o + 2]), argv[o + 3] == '1'
    if not (known and argv[o + 4] == '1') then
      local f, last, p = read(keys[i], keys[n + i], now, window, stale)
      table.insert(active, {i, f, window})
      if lock then
        if f >= limit then locked = math.max(locked, last + window - now)
        elseif f + p >= limit then blocked = true end
      elseif f >= limit then
        local untilMs = last + math.min(window, base * 2 ^ (f - limit))
        if untilMs > now then limited = math.max(limited, untilMs - now)
        elseif p > 0 then blocked = true end
      elseif f + p >= limit then blocked = true end
    end
  end
  if locked > 0 then return {0, locked, 'locked'} end
  if limited > 0 then return {0, limited, 'limit'} end
  if blocked then return {0, 0, 'pending'} end
  local out = {1}
  for _, a in ipairs(active) do
    local key, ttl = keys[a[1]], 2 * math.max(a[3], stale)
    if pending then
      redis.call('ZADD', keys[n + a[1]], now, id)
      redis.call('PEXPIRE', keys[n + a[1]], ttl)
    else
      redis.call('HSET', key, 'f', a[2] + 1, 'last', now)
      redis.call('PEXPIRE', key, ttl)
    end
    table.insert(out, a[1])
  end
  return out
end`;

/**
 * `settle(keys, argv)`: KEYS n counters, then their n in-flight sets. ARGV: now, failed (0/1),
 * stale ms, attempt id, then per counter a window ms and whether the failure also landed on the
 * account counter (0/1, kept as `fa`). The attempt leaves the in-flight sets; a failure counts.
 */
const SETTLE_FN = `
local function settle(keys, argv)
  local now, failed, stale, id = tonumber(argv[1]), argv[2] == '1', tonumber(argv[3]), argv[4]
  local n = #keys / 2
  for i = 1, n do
    local window, shadowed = tonumber(argv[3 + 2 * i]), argv[4 + 2 * i] == '1'
    redis.call('ZREM', keys[n + i], id)
    if failed then
      local f, last = read(keys[i], keys[n + i], now, window, stale)
      local fa = tonumber(redis.call('HGET', keys[i], 'fa')) or 0
      if now - last >= window then fa = 0 end
      if shadowed then fa = fa + 1 end
      redis.call('HSET', keys[i], 'f', f + 1, 'fa', fa, 'last', now)
      redis.call('PEXPIRE', keys[i], 2 * math.max(window, stale))
    end
  end
end`;

/**
 * `succeed(keys, argv)`: KEYS pair counter, account counter, known marker, then the in-flight
 * sets of the counted counters, then the counters to reset. ARGV: known TTL ms, counted count,
 * attempt id, now, window ms. Settles a right attempt (see AttemptStore.succeed): only the pair's
 * failures that also landed on the account (`fa`, within the window) come off the account's count.
 */
const SUCCEED_FN = `
local function succeed(keys, argv)
  local counted, now, window = tonumber(argv[2]), tonumber(argv[4]), tonumber(argv[5])
  for i = 4, 3 + counted do redis.call('ZREM', keys[i], argv[3]) end
  local v = redis.call('HMGET', keys[1], 'fa', 'last')
  local mine = tonumber(v[1]) or 0
  if now - (tonumber(v[2]) or 0) >= window then mine = 0 end
  if redis.call('EXISTS', keys[1]) == 1 then redis.call('HSET', keys[1], 'f', 0, 'fa', 0) end
  if mine > 0 then
    local total = tonumber(redis.call('HGET', keys[2], 'f'))
    if total then redis.call('HSET', keys[2], 'f', math.max(0, total - mine)) end
  end
  for i = 4 + counted, #keys do
    if redis.call('EXISTS', keys[i]) == 1 then redis.call('HSET', keys[i], 'f', 0) end
  end
  redis.call('SET', keys[3], '1', 'PX', argv[1])
end`;

/**
 * Two calls in one script (keys of two hash slots: never on a Cluster). ARGV starts with how many
 * of KEYS and of the rest of ARGV are the first call's.
 */
const SPLIT = `
local function slice(t, from, to)
  local out = {}
  for i = from, to do out[#out + 1] = t[i] end
  return out
end
local nk, na = tonumber(ARGV[1]), tonumber(ARGV[2])
local k1, a1 = slice(KEYS, 1, nk), slice(ARGV, 3, 2 + na)
local k2, a2 = slice(KEYS, nk + 1, #KEYS), slice(ARGV, 3 + na, #ARGV)`;

const CONSUME = `${READ}${CONSUME_FN}
return consume(KEYS, ARGV)`;

const SETTLE = `${READ}${SETTLE_FN}
settle(KEYS, ARGV)
return 0`;

const SUCCEED = `${SUCCEED_FN}
succeed(KEYS, ARGV)
return 0`;

/**
 * {@link AttemptStore.consumeInOrder} in one step: the first group, then (if it allowed) the
 * second; a refused second gives the first group's attempt back. Returns {first} or
 * {first, second}, each as `consume` returns it.
 */
const CONSUME_IN_ORDER = `${READ}${CONSUME_FN}${SPLIT}
local first = consume(k1, a1)
if first[1] == 0 then return {first} end
local second = consume(k2, a2)
if second[1] == 0 then
  local n = tonumber(a1[2])
  for i = 1, n do redis.call('ZREM', k1[n + i], a1[6]) end
end
return {first, second}`;

/** {@link AttemptStore.settleAndSucceed} in one step: `settle` (not failed), then `succeed`. */
const SETTLE_AND_SUCCEED = `${READ}${SETTLE_FN}${SUCCEED_FN}${SPLIT}
settle(k1, a1)
succeed(k2, a2)
return 0`;

const scripts = { CONSUME, SETTLE, SUCCEED, CONSUME_IN_ORDER, SETTLE_AND_SUCCEED };

const DEFAULT_STALE_MS = 60_000;

/** A script call's keys and arguments. */
type Call = readonly [string[], (string | number)[]];

/** What the CONSUME script returned, as a {@link ConsumeResult} of `group`. */
function consumeResult(group: AttemptGroup, reply: unknown): ConsumeResult {
  const result = reply as (number | string)[];
  if (result[0] === 0) {
    const reason = result[2] as 'limit' | 'locked' | 'pending';
    return { allowed: false, waitMs: Number(result[1]), reason };
  }
  return {
    allowed: true,
    counted: result.slice(1).map((i) => group.counters[Number(i) - 1].key),
  };
}

/** Options of {@link RedisAttemptStore}. */
export interface RedisAttemptStoreOptions {
  /** Prefix of every key (the same as the session store's is fine). @default 'warden:' */
  keyPrefix?: string;
  /** Longest wait for any Redis call, in ms; then 503. @default 1000 */
  commandTimeoutMs?: number;
}

/**
 * {@link AttemptStore} on Redis (ioredis `Redis` or `Cluster`): each check-and-count is one Lua
 * script over keys of one hash slot (`<prefix>t{a:<account>}:…`, `<prefix>t{i:<ip>}:…`, hashed,
 * never the email or IP in clear); a claim (`claimOnce`) is one `SET … PX … NX` of
 * `<prefix>t<key>`. Every key expires. A Redis failure throws a 503: the throttle and the replay
 * check fail closed.
 */
export class RedisAttemptStore extends AttemptStore {
  private readonly prefix: string;
  private readonly timeoutMs: number;
  private readonly scripts: RedisScripts<keyof typeof scripts>;
  private readonly logger = new Logger('Warden');
  /** Whether a step over an IP's and an account's keys may be one script (not on a Cluster). */
  private oneStep: boolean;

  constructor(
    private readonly redis: Redis | Cluster,
    options: RedisAttemptStoreOptions = {},
  ) {
    super();
    this.prefix = new RedisKeys(options.keyPrefix).attempts();
    this.timeoutMs = options.commandTimeoutMs ?? 1000;
    this.scripts = new RedisScripts(redis, 'wardenAttempts', scripts);
    this.oneStep = !(redis as { isCluster?: boolean }).isCluster;
  }

  async consume(group: AttemptGroup, policy: AttemptPolicy): Promise<ConsumeResult> {
    const [keys, args] = this.consumeCall(group, policy);
    return consumeResult(group, await this.run('CONSUME', keys, args));
  }

  async settle(
    counters: AttemptCounter[],
    failed: boolean,
    policy: AttemptPolicy,
    attemptId: string,
  ): Promise<void> {
    if (counters.length === 0) return;
    await this.run('SETTLE', ...this.settleCall(counters, failed, policy, attemptId));
  }

  async succeed(success: AttemptSuccess): Promise<void> {
    await this.run('SUCCEED', ...this.succeedCall(success));
  }

  /**
   * One script (one round trip) on a single Redis; on a Cluster, whose scripts must keep to one
   * hash slot, the two calls of the default.
   */
  override async consumeInOrder(
    first: AttemptGroup,
    second: AttemptGroup,
    policy: AttemptPolicy,
  ): Promise<{ first: ConsumeResult; second?: ConsumeResult }> {
    if (!this.oneStep) return super.consumeInOrder(first, second, policy);
    const calls = [this.consumeCall(first, policy), this.consumeCall(second, policy)] as const;
    const result = (await this.runBoth('CONSUME_IN_ORDER', ...calls)) as unknown[] | null;
    if (result === null) return super.consumeInOrder(first, second, policy);
    return {
      first: consumeResult(first, result[0]),
      ...(result.length > 1 ? { second: consumeResult(second, result[1]) } : {}),
    };
  }

  /** One script (one round trip) on a single Redis; the default's two calls on a Cluster. */
  override async settleAndSucceed(
    counters: AttemptCounter[],
    policy: AttemptPolicy,
    success: AttemptSuccess,
  ): Promise<void> {
    if (this.oneStep && counters.length > 0) {
      const settle = this.settleCall(counters, false, policy, success.attemptId);
      const done = await this.runBoth('SETTLE_AND_SUCCEED', settle, this.succeedCall(success));
      if (done !== null) return;
    }
    await super.settleAndSucceed(counters, policy, success);
  }

  private consumeCall(group: AttemptGroup, policy: AttemptPolicy): Call {
    const keys = [
      ...group.counters.map((c) => this.prefix + c.key),
      ...group.counters.map((c) => this.inFlight(c.key)),
    ];
    if (group.knownKey) keys.push(this.prefix + group.knownKey);
    return [
      keys,
      [
        policy.now,
        group.counters.length,
        group.pending ? 1 : 0,
        policy.pendingStaleMs ?? DEFAULT_STALE_MS,
        policy.baseDelayMs,
        group.attemptId ?? '',
        ...group.counters.flatMap((c) => [
          c.limit,
          c.windowMs ?? policy.windowMs,
          c.lock ? 1 : 0,
          c.exemptWhenKnown ? 1 : 0,
        ]),
      ],
    ];
  }

  private settleCall(
    counters: AttemptCounter[],
    failed: boolean,
    policy: AttemptPolicy,
    attemptId: string,
  ): Call {
    return [
      [...counters.map((c) => this.prefix + c.key), ...counters.map((c) => this.inFlight(c.key))],
      [
        policy.now,
        failed ? 1 : 0,
        policy.pendingStaleMs ?? DEFAULT_STALE_MS,
        attemptId,
        ...counters.flatMap((c) => [c.windowMs ?? policy.windowMs, c.shadowed ? 1 : 0]),
      ],
    ];
  }

  private succeedCall(success: AttemptSuccess): Call {
    return [
      [
        ...[success.pairKey, success.accountKey, success.knownKey].map((key) => this.prefix + key),
        ...success.counted.map((key) => this.inFlight(key)),
        ...success.resetKeys.map((key) => this.prefix + key),
      ],
      [
        success.knownTtlMs,
        success.counted.length,
        success.attemptId,
        success.now,
        success.windowMs,
      ],
    ];
  }

  /**
   * Two calls as one script over keys of two hash slots, or null when the server refused that
   * (CROSSSLOT: a proxy in front of a clustered database): from then on, two calls each time.
   */
  private async runBoth(
    name: 'CONSUME_IN_ORDER' | 'SETTLE_AND_SUCCEED',
    [keys1, args1]: Call,
    [keys2, args2]: Call,
  ): Promise<unknown> {
    try {
      return await this.call(
        this.scripts.run(
          name,
          [...keys1, ...keys2],
          [keys1.length, args1.length, ...args1, ...args2],
        ),
      );
    } catch (error) {
      const cause = (error as { cause?: { message?: string } }).cause;
      if (!/CROSSSLOT/i.test(cause?.message ?? '')) throw error;
      this.oneStep = false;
      this.logger.warn(
        'RedisAttemptStore: the server refused a script over two hash slots (CROSSSLOT); using two calls per step from now on',
      );
      return null;
    }
  }

  /** The sorted set of a counter's attempts in flight (same hash slot as the counter). */
  private inFlight(key: string): string {
    return `${this.prefix}${key}:p`;
  }

  async clear(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.call(Promise.all(keys.map((key) => this.redis.unlink(this.prefix + key))));
  }

  /** `SET <prefix>t<key> 1 PX ttlMs NX`: Redis expires the mark on its own clock. */
  async claimOnce(key: string, ttlMs: number, _now?: number): Promise<boolean> {
    const invalid = claimTtlError(ttlMs);
    if (invalid) throw invalid;
    const set = await this.call(
      this.redis.set(this.prefix + key, '1', 'PX', ttlMs, 'NX'),
      'Replay check unavailable',
    );
    return set === 'OK';
  }

  /** Startup check: the client becomes ready and answers PING within 3 s. */
  override check(): Promise<void> {
    return checkRedis(this.redis, 'RedisAttemptStore (AuthModule option loginThrottle.store)');
  }

  private run(name: keyof typeof scripts, keys: string[], args: (string | number)[]) {
    return this.call(this.scripts.run(name, keys, args));
  }

  /** `command`, or a 503 once it fails or takes longer than the command timeout. */
  private async call<T>(command: Promise<T>, what = 'Login throttle unavailable'): Promise<T> {
    try {
      return await withTimeout(command, this.timeoutMs, 'Redis call');
    } catch (error) {
      throw new WardenUnavailableException(what, { cause: error, service: 'redis' });
    }
  }
}
