import { Logger } from '@nestjs/common';
import type { Cluster, Redis } from 'ioredis';
import { checkRedis, RedisScripts, withTimeout } from '../core/redis-calls.js';
import { RedisKeys } from '../core/redis-keys.js';
import { decodeCachedUser } from '../users/user-cache.js';
import { WardenUnavailableException } from '../errors/warden.exceptions.js';
import * as scripts from './redis-session.scripts.js';
import type {
  SessionRecord,
  SessionRef,
  StoredSession,
  UserSessionsRef,
} from './session.record.js';
import type { SessionRotateOptions, SessionWriteOptions, SpentMarker } from './session.store.js';
import { SessionStore } from './session.store.js';

/** Options of {@link RedisSessionStore}. */
export interface RedisSessionStoreOptions {
  /** Prefix of every key. @default 'warden:' */
  keyPrefix?: string;
  /** Longest wait for any Redis call, in ms; then 503. @default 1000 */
  commandTimeoutMs?: number;
  /**
   * Read the user's `RedisUserCache` snapshot in the same round trip as the session (the cache
   * must use the same `keyPrefix`: `createRedisAdapters` builds both from one). @default false
   */
  prefetchCachedUser?: boolean;
}

type ScriptName = keyof typeof scripts;

/**
 * {@link SessionStore} on Redis (ioredis `Redis` or `Cluster`, already connected). Keys:
 * `<prefix>{<tag>}:s:<sha256(id)>` (session), `…:p:<sha256(id)>` (forward pointer after a
 * rotation), `…:u:<userId>` (the user's index, a sorted set). Every key has a TTL; every change
 * to a session and its index is one Lua script.
 *
 * Give it a client with `enableOfflineQueue: false`: a Redis outage must fail fast (503), not
 * queue requests. Calls also time out after `commandTimeoutMs` whatever the client does.
 */
export class RedisSessionStore extends SessionStore {
  private readonly keys: RedisKeys;
  private readonly timeoutMs: number;
  private readonly prefetch: boolean;
  private readonly scripts: RedisScripts<ScriptName>;
  private readonly logger = new Logger('Warden');

  constructor(
    private readonly redis: Redis | Cluster,
    options: RedisSessionStoreOptions = {},
  ) {
    super();
    this.keys = new RedisKeys(options.keyPrefix);
    this.timeoutMs = options.commandTimeoutMs ?? 1000;
    this.prefetch = options.prefetchCachedUser ?? false;
    this.scripts = new RedisScripts(redis, 'warden', scripts);
    if ((redis.options as { enableOfflineQueue?: boolean }).enableOfflineQueue !== false) {
      this.logger.warn(
        'RedisSessionStore: the Redis client queues commands while disconnected; set enableOfflineQueue: false so an outage fails fast',
      );
    }
  }

  async create(
    ref: SessionRef,
    record: SessionRecord,
    options: SessionWriteOptions & { maxSessions: number; indexTtlMs: number },
  ): Promise<SessionRecord[]> {
    const evicted = (await this.run(
      'CREATE',
      [this.sessionKey(ref), this.indexKey(ref.tag, record.userId)],
      [
        this.base(ref.tag),
        JSON.stringify(record),
        options.ttlMs,
        member(record.handle, ref.idHash),
        record.createdAt,
        options.maxSessions,
        options.indexTtlMs,
      ],
    )) as string[];
    return evicted.map(parse);
  }

  async get(ref: SessionRef): Promise<StoredSession | null> {
    // The common case is one plain GET; only an id rotated away (or unknown) pays for the script
    // that follows forward pointers.
    if (this.prefetch) {
      const found = (await this.run(
        'GET_WITH_USER',
        [this.sessionKey(ref)],
        [this.keys.cachedUserPrefix(ref.tag)],
      )) as [string, string] | null;
      if (found)
        return { record: parse(found[0]), idHash: ref.idHash, user: decodeCachedUser(found[1]) };
    } else {
      const value = await this.guard(this.redis.get(this.sessionKey(ref)));
      if (value) return { record: parse(value), idHash: ref.idHash };
    }
    const found = (await this.run(
      'GET',
      [this.sessionKey(ref), this.pointerKey(ref)],
      [this.base(ref.tag), ref.idHash],
    )) as [string, string, string] | null;
    if (!found) return null;
    const graceUntil = found[2] ? Number(found[2]) : undefined;
    return { record: parse(found[0]), idHash: found[1], graceUntil };
  }

  async touch(
    ref: SessionRef,
    record: SessionRecord,
    options: SessionWriteOptions,
  ): Promise<boolean> {
    const result = await this.guard(
      this.redis.set(this.sessionKey(ref), JSON.stringify(record), 'PX', options.ttlMs, 'XX'),
    );
    return result === 'OK';
  }

  async rotate(
    from: SessionRef,
    toIdHash: string,
    record: SessionRecord,
    options: SessionRotateOptions,
  ): Promise<boolean> {
    const to = { tag: from.tag, idHash: toIdHash };
    const moved = await this.run(
      'ROTATE',
      [
        this.sessionKey(from),
        this.sessionKey(to),
        this.pointerKey(from),
        this.indexKey(from.tag, record.userId),
        this.spentKey(from),
      ],
      [
        JSON.stringify(record),
        options.ttlMs,
        options.graceMs,
        member(record.handle, from.idHash),
        member(record.handle, toIdHash),
        record.createdAt,
        `${toIdHash}|${options.graceUntil}`,
        options.spent ? JSON.stringify(options.spent) : '',
      ],
    );
    return moved === 1;
  }

  async destroy(ref: SessionRef, record: SessionRecord): Promise<boolean> {
    const deleted = await this.run(
      'DESTROY',
      [this.sessionKey(ref), this.indexKey(ref.tag, record.userId)],
      [member(record.handle, ref.idHash)],
    );
    return deleted === 1;
  }

  async list(user: UserSessionsRef): Promise<StoredSession[]> {
    const flat = (await this.run(
      'LIST',
      [this.indexKey(user.tag, user.userId)],
      [this.base(user.tag)],
    )) as string[];
    const out: StoredSession[] = [];
    for (let i = 0; i < flat.length; i += 2)
      out.push({ record: parse(flat[i]), idHash: flat[i + 1] });
    return out;
  }

  async revokeHandle(user: UserSessionsRef, handle: string): Promise<SessionRecord | null> {
    const value = (await this.run(
      'REVOKE_HANDLE',
      [this.indexKey(user.tag, user.userId)],
      [this.base(user.tag), handle],
    )) as string | null;
    return value ? parse(value) : null;
  }

  async revokeAll(user: UserSessionsRef, exceptHandle?: string): Promise<SessionRecord[]> {
    const values = (await this.run(
      'REVOKE_ALL',
      [this.indexKey(user.tag, user.userId)],
      [this.base(user.tag), exceptHandle ?? ''],
    )) as string[];
    return values.map(parse);
  }

  async findByHandle(user: UserSessionsRef, handle: string): Promise<StoredSession | null> {
    const found = (await this.run(
      'FIND_HANDLE',
      [this.indexKey(user.tag, user.userId)],
      [this.base(user.tag), handle, this.prefetch ? this.keys.cachedUser(user.userId) : ''],
    )) as [string, string, string?] | null;
    if (!found) return null;
    const stored: StoredSession = { record: parse(found[0]), idHash: found[1] };
    if (this.prefetch) stored.user = decodeCachedUser(found[2]);
    return stored;
  }

  async markSpent(ref: SessionRef, marker: SpentMarker, ttlMs: number): Promise<void> {
    await this.guard(
      this.redis.set(this.spentKey(ref), JSON.stringify(marker), 'PX', Math.max(1, ttlMs)),
    );
  }

  async getSpent(ref: SessionRef): Promise<SpentMarker | null> {
    const value = await this.guard(this.redis.get(this.spentKey(ref)));
    return value ? (JSON.parse(value) as SpentMarker) : null;
  }

  private spentKey(ref: SessionRef): string {
    return this.keys.spent(ref.tag, ref.idHash);
  }
  private base(tag: string): string {
    return this.keys.base(tag);
  }
  private sessionKey(ref: SessionRef): string {
    return this.keys.session(ref.tag, ref.idHash);
  }
  private pointerKey(ref: SessionRef): string {
    return this.keys.pointer(ref.tag, ref.idHash);
  }
  private indexKey(tag: string, userId: string): string {
    return this.keys.index(tag, userId);
  }

  /** Startup check: the client becomes ready and answers PING within 3 s. */
  override check(): Promise<void> {
    return checkRedis(this.redis, 'RedisSessionStore (AuthModule option sessionStore)');
  }

  private run(name: ScriptName, keys: string[], args: (string | number)[]): Promise<unknown> {
    return this.guard(this.scripts.run(name, keys, args));
  }

  /** Bounds every call by the timeout and turns any Redis failure into a 503. */
  private async guard<T>(call: Promise<T>): Promise<T> {
    try {
      return await withTimeout(call, this.timeoutMs, 'Redis call');
    } catch (error) {
      throw new WardenUnavailableException('Session store unavailable', {
        cause: error,
        service: 'redis',
      });
    }
  }
}

function member(handle: string, idHash: string): string {
  return `${handle}:${idHash}`;
}

function parse(json: string): SessionRecord {
  return JSON.parse(json) as SessionRecord;
}
