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
import { AttemptStore } from './attempt.store.js';

/**
 * Counters are hashes {f: failures, last: time of the last one, p: attempts in flight, pt: time
 * of the last change of p}. `read` gives a counter as it counts now: failures a window old and
 * in-flight attempts older than `stale` (a crashed process) are dropped.
 */
const READ = `
local function read(key, now, window, stale)
  local v = redis.call('HMGET', key, 'f', 'last', 'p', 'pt')
  local f, last, p, pt = tonumber(v[1]) or 0, tonumber(v[2]) or 0, tonumber(v[3]) or 0, tonumber(v[4]) or 0
  if now - last >= window then f = 0 end
  if now - pt >= stale then p = 0 end
  return f, last, p, pt
end`;

/**
 * KEYS: counters, then optionally the known-client marker. ARGV: now, counter count, pending
 * (0/1), stale ms, base delay ms, then per counter: limit, window ms, lock (0/1), exempt when
 * known (0/1). Returns {1, counted indexes...} or {0, waitMs, reason}.
 */
const CONSUME = `${READ}
local now, n, pending, stale, base = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3] == '1', tonumber(ARGV[4]), tonumber(ARGV[5])
local known = #KEYS > n and redis.call('EXISTS', KEYS[n + 1]) == 1
local locked, limited, blocked, active = 0, 0, false, {}
for i = 1, n do
  local o = 5 + (i - 1) * 4
  local limit, window, lock = tonumber(ARGV[o + 1]), tonumber(ARGV[o + 2]), ARGV[o + 3] == '1'
  if not (known and ARGV[o + 4] == '1') then
    local f, last, p, pt = read(KEYS[i], now, window, stale)
    table.insert(active, {i, f, p, window})
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
  local key = KEYS[a[1]]
  if pending then redis.call('HSET', key, 'p', a[3] + 1, 'pt', now)
  else redis.call('HSET', key, 'f', a[2] + 1, 'last', now) end
  redis.call('PEXPIRE', key, 2 * a[4])
  table.insert(out, a[1])
end
return out`;

/** KEYS: counters. ARGV: now, failed (0/1), stale ms, then a window ms per counter. */
const SETTLE = `${READ}
local now, failed, stale = tonumber(ARGV[1]), ARGV[2] == '1', tonumber(ARGV[3])
for i, key in ipairs(KEYS) do
  local window = tonumber(ARGV[3 + i])
  local f, last, p, pt = read(key, now, window, stale)
  redis.call('HSET', key, 'p', math.max(0, p - 1))
  if failed then redis.call('HSET', key, 'f', f + 1, 'last', now) end
  redis.call('PEXPIRE', key, 2 * window)
end
return 0`;

/**
 * KEYS: pair counter, account counter, known marker, then the counted keys, then the keys to
 * reset. ARGV: known TTL ms, counted count. Settles a right attempt (see AttemptStore.succeed).
 */
const SUCCEED = `
local counted = tonumber(ARGV[2])
for i = 4, 3 + counted do
  local p = tonumber(redis.call('HGET', KEYS[i], 'p'))
  if p and p > 0 then redis.call('HINCRBY', KEYS[i], 'p', -1) end
end
local mine = tonumber(redis.call('HGET', KEYS[1], 'f')) or 0
if mine > 0 then
  redis.call('HSET', KEYS[1], 'f', 0)
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
 * never the email or IP in clear). Every key expires. A Redis failure throws a 503: the
 * throttle fails closed.
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
    const keys = group.counters.map((c) => this.prefix + c.key);
    if (group.knownKey) keys.push(this.prefix + group.knownKey);
    const result = (await this.run('CONSUME', keys, [
      policy.now,
      group.counters.length,
      group.pending ? 1 : 0,
      policy.pendingStaleMs ?? DEFAULT_STALE_MS,
      policy.baseDelayMs,
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

  async settle(counters: AttemptCounter[], failed: boolean, policy: AttemptPolicy): Promise<void> {
    if (counters.length === 0) return;
    await this.run(
      'SETTLE',
      counters.map((c) => this.prefix + c.key),
      [
        policy.now,
        failed ? 1 : 0,
        policy.pendingStaleMs ?? DEFAULT_STALE_MS,
        ...counters.map((c) => c.windowMs ?? policy.windowMs),
      ],
    );
  }

  async succeed(success: AttemptSuccess): Promise<void> {
    const keys = [
      success.pairKey,
      success.accountKey,
      success.knownKey,
      ...success.counted,
      ...success.resetKeys,
    ].map((key) => this.prefix + key);
    await this.run('SUCCEED', keys, [success.knownTtlMs, success.counted.length]);
  }

  async clear(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    await withTimeout(
      Promise.all(keys.map((key) => this.redis.unlink(this.prefix + key))),
      this.timeoutMs,
      'Redis call',
    ).catch((error: unknown) => {
      throw new WardenUnavailableException('Login throttle unavailable', { cause: error });
    });
  }

  /** Startup check: the client becomes ready and answers PING within 3 s. */
  override check(): Promise<void> {
    return checkRedis(this.redis, 'RedisAttemptStore (AuthModule option loginThrottle.store)');
  }

  private async run(name: keyof typeof scripts, keys: string[], args: (string | number)[]) {
    try {
      return await withTimeout(this.scripts.run(name, keys, args), this.timeoutMs, 'Redis call');
    } catch (error) {
      throw new WardenUnavailableException('Login throttle unavailable', { cause: error });
    }
  }
}
