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
 * KEYS: n counters, their n in-flight sets, then optionally the known-client marker. ARGV: now,
 * n, pending (0/1), stale ms, base delay ms, attempt id, then per counter: limit, window ms, lock
 * (0/1), exempt when known (0/1). Returns {1, counted indexes...} or {0, waitMs, reason}.
 */
const CONSUME = `${READ}
local now, n, pending, stale, base, id = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3] == '1', tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6]
local known = #KEYS > 2 * n and redis.call('EXISTS', KEYS[2 * n + 1]) == 1
local locked, limited, blocked, active = 0, 0, false, {}
for i = 1, n do
  local o = 6 + (i - 1) * 4
  local limit, window, lock = tonumber(ARGV[o + 1]), tonumber(ARGV[o + 2]), ARGV[o + 3] == '1'
  if not (known and ARGV[o + 4] == '1') then
    local f, last, p = read(KEYS[i], KEYS[n + i], now, window, stale)
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
  local key, ttl = KEYS[a[1]], 2 * math.max(a[3], stale)
  if pending then
    redis.call('ZADD', KEYS[n + a[1]], now, id)
    redis.call('PEXPIRE', KEYS[n + a[1]], ttl)
  else
    redis.call('HSET', key, 'f', a[2] + 1, 'last', now)
    redis.call('PEXPIRE', key, ttl)
  end
  table.insert(out, a[1])
end
return out`;

/**
 * KEYS: n counters, then their n in-flight sets. ARGV: now, failed (0/1), stale ms, attempt id,
 * then per counter a window ms and whether the failure also landed on the account counter
 * (0/1, kept as `fa`). The attempt leaves the in-flight sets; a failure counts.
 */
const SETTLE = `${READ}
local now, failed, stale, id = tonumber(ARGV[1]), ARGV[2] == '1', tonumber(ARGV[3]), ARGV[4]
local n = #KEYS / 2
for i = 1, n do
  local window, shadowed = tonumber(ARGV[3 + 2 * i]), ARGV[4 + 2 * i] == '1'
  redis.call('ZREM', KEYS[n + i], id)
  if failed then
    local f, last = read(KEYS[i], KEYS[n + i], now, window, stale)
    local fa = tonumber(redis.call('HGET', KEYS[i], 'fa')) or 0
    if now - last >= window then fa = 0 end
    if shadowed then fa = fa + 1 end
    redis.call('HSET', KEYS[i], 'f', f + 1, 'fa', fa, 'last', now)
    redis.call('PEXPIRE', KEYS[i], 2 * math.max(window, stale))
  end
end
return 0`;

/**
 * KEYS: pair counter, account counter, known marker, then the in-flight sets of the counted
 * counters, then the counters to reset. ARGV: known TTL ms, counted count, attempt id, now,
 * window ms. Settles a right attempt (see AttemptStore.succeed): only the pair's failures that
 * also landed on the account (`fa`, within the window) come off the account's count.
 */
const SUCCEED = `
local counted, now, window = tonumber(ARGV[2]), tonumber(ARGV[4]), tonumber(ARGV[5])
for i = 4, 3 + counted do redis.call('ZREM', KEYS[i], ARGV[3]) end
local v = redis.call('HMGET', KEYS[1], 'fa', 'last')
local mine = tonumber(v[1]) or 0
if now - (tonumber(v[2]) or 0) >= window then mine = 0 end
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('HSET', KEYS[1], 'f', 0, 'fa', 0) end
if mine > 0 then
  local total = tonumber(redis.call('HGET', KEYS[2], 'f'))
  if total then redis.call('HSET', KEYS[2], 'f', math.max(0, total - mine)) end
end
for i = 4 + counted, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 1 then redis.call('HSET', KEYS[i], 'f', 0) end
end
redis.call('SET', KEYS[3], '1', 'PX', ARGV[1])
return 0`;

const scripts = { CONSUME, SETTLE, SUCCEED };

const DEFAULT_STALE_MS = 60_000;

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

  constructor(
    private readonly redis: Redis | Cluster,
    options: RedisAttemptStoreOptions = {},
  ) {
    super();
    this.prefix = new RedisKeys(options.keyPrefix).attempts();
    this.timeoutMs = options.commandTimeoutMs ?? 1000;
    this.scripts = new RedisScripts(redis, 'wardenAttempts', scripts);
  }

  async consume(group: AttemptGroup, policy: AttemptPolicy): Promise<ConsumeResult> {
    const keys = [
      ...group.counters.map((c) => this.prefix + c.key),
      ...group.counters.map((c) => this.inFlight(c.key)),
    ];
    if (group.knownKey) keys.push(this.prefix + group.knownKey);
    const result = (await this.run('CONSUME', keys, [
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
    ])) as (number | string)[];
    if (result[0] === 0) {
      const reason = result[2] as 'limit' | 'locked' | 'pending';
      return { allowed: false, waitMs: Number(result[1]), reason };
    }
    return {
      allowed: true,
      counted: result.slice(1).map((i) => group.counters[Number(i) - 1].key),
    };
  }

  async settle(
    counters: AttemptCounter[],
    failed: boolean,
    policy: AttemptPolicy,
    attemptId: string,
  ): Promise<void> {
    if (counters.length === 0) return;
    await this.run(
      'SETTLE',
      [...counters.map((c) => this.prefix + c.key), ...counters.map((c) => this.inFlight(c.key))],
      [
        policy.now,
        failed ? 1 : 0,
        policy.pendingStaleMs ?? DEFAULT_STALE_MS,
        attemptId,
        ...counters.flatMap((c) => [c.windowMs ?? policy.windowMs, c.shadowed ? 1 : 0]),
      ],
    );
  }

  async succeed(success: AttemptSuccess): Promise<void> {
    const keys = [
      ...[success.pairKey, success.accountKey, success.knownKey].map((key) => this.prefix + key),
      ...success.counted.map((key) => this.inFlight(key)),
      ...success.resetKeys.map((key) => this.prefix + key),
    ];
    await this.run('SUCCEED', keys, [
      success.knownTtlMs,
      success.counted.length,
      success.attemptId,
      success.now,
      success.windowMs,
    ]);
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
