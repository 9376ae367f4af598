import type { Cluster, Redis } from 'ioredis';
import { RedisScripts, withTimeout } from '../redis/redis-calls.js';
import { WardenUnavailableException } from '../errors/warden.exceptions.js';
import type { AttemptGroup, AttemptPolicy, ConsumeResult } from './login-throttle.js';
import { AttemptStore } from './login-throttle.js';

/**
 * KEYS: counters (hashes {n, last}), then optionally the known-client marker that exempts the
 * first counter. ARGV: now, windowMs, baseDelayMs, counter count, limits...
 * Returns {1, counted indexes...} or {0, waitMs}. Check and count are one step.
 */
const CONSUME = `
local now, window, base, n = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local exempt = #KEYS > n and redis.call('EXISTS', KEYS[n + 1]) == 1
local wait, counts = 0, {}
for i = 1, n do
  if not (i == 1 and exempt) then
    local v = redis.call('HMGET', KEYS[i], 'n', 'last')
    local count, last = tonumber(v[1]) or 0, tonumber(v[2]) or 0
    if now - last >= window then count = 0 end
    counts[i] = count
    local limit = tonumber(ARGV[4 + i])
    if count >= limit then
      local untilMs = last + math.min(window, base * 2 ^ (count - limit))
      if untilMs > now and untilMs - now > wait then wait = untilMs - now end
    end
  end
end
if wait > 0 then return {0, wait} end
local out = {1}
for i = 1, n do
  if counts[i] then
    redis.call('HSET', KEYS[i], 'n', counts[i] + 1, 'last', now)
    redis.call('PEXPIRE', KEYS[i], 2 * window)
    table.insert(out, i)
  end
end
return out`;

/** KEYS: one counter. Gives one attempt back. */
const REFUND = `
local count = tonumber(redis.call('HGET', KEYS[1], 'n'))
if count and count > 0 then redis.call('HINCRBY', KEYS[1], 'n', -1) end
return 0`;

/**
 * KEYS: (account, IP) counter, account counter, known-client marker. ARGV: marker TTL ms.
 * Forgets the failures this client added, here and in the account's count.
 */
const SUCCEED = `
local mine = tonumber(redis.call('HGET', KEYS[1], 'n')) or 0
redis.call('DEL', KEYS[1])
local total = tonumber(redis.call('HGET', KEYS[2], 'n'))
if total and mine > 0 then redis.call('HSET', KEYS[2], 'n', math.max(0, total - mine)) end
redis.call('SET', KEYS[3], '1', 'PX', ARGV[1])
return 0`;

const scripts = { CONSUME, REFUND, SUCCEED };

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
    this.prefix = `${options.keyPrefix ?? 'warden:'}t`;
    this.timeoutMs = options.commandTimeoutMs ?? 1000;
    this.scripts = new RedisScripts(redis, 'wardenThrottle', scripts);
  }

  async consume(group: AttemptGroup, policy: AttemptPolicy): Promise<ConsumeResult> {
    const keys = group.counters.map((c) => this.prefix + c.key);
    if (group.knownKey) keys.push(this.prefix + group.knownKey);
    const result = (await this.run('CONSUME', keys, [
      policy.now,
      policy.windowMs,
      policy.baseDelayMs,
      group.counters.length,
      ...group.counters.map((c) => c.limit),
    ])) as number[];
    if (result[0] === 0) return { allowed: false, waitMs: Number(result[1]) };
    return { allowed: true, counted: result.slice(1).map((i) => group.counters[i - 1].key) };
  }

  async refund(keys: string[]): Promise<void> {
    await Promise.all(keys.map((key) => this.run('REFUND', [this.prefix + key], [])));
  }

  async succeed(
    pairKey: string,
    accountKey: string,
    knownKey: string,
    knownTtlMs: number,
  ): Promise<void> {
    await this.run(
      'SUCCEED',
      [this.prefix + pairKey, this.prefix + accountKey, this.prefix + knownKey],
      [knownTtlMs],
    );
  }

  private async run(name: keyof typeof scripts, keys: string[], args: (string | number)[]) {
    try {
      return await withTimeout(this.scripts.run(name, keys, args), this.timeoutMs, 'Redis call');
    } catch (error) {
      throw new WardenUnavailableException('Login throttle unavailable', { cause: error });
    }
  }
}
