import { Logger } from '@nestjs/common';
import type { Cluster, Redis } from 'ioredis';
import { checkRedis, RedisScripts, withTimeout } from '../core/redis-calls.js';
import { RedisKeys } from '../core/redis-keys.js';
import { decodeCachedUser } from '../users/user-cache.js';
import { WardenUnavailableException } from '../errors/warden.exceptions.js';
import * as scripts from './redis-session.scripts.js';
import {
  decodeSessionRecord,
  encodeSessionRecord,
  fixedBase64url,
  HANDLE_BYTES,
} from './redis-session.record.js';
import type {
  SessionClocks,
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
 * A user agent's dictionary entry outlives the sessions that name it by this much. A process
 * writes one user agent at most once in that time (it remembers what it wrote): logins from
 * the same browser build cost one command, not two.
 */
const USER_AGENT_SLACK_MS = 3_600_000;
/** User agents a process remembers having written; past that it starts over. */
const USER_AGENTS_REMEMBERED = 10_000;

/**
 * {@link SessionStore} on Redis (ioredis `Redis` or `Cluster`, already connected).
 *
 * Layout, built to stay in Redis's compact encodings (about 280 B per session at one session per
 * user, 105 B at ten; see bench/sessions-results.md):
 *
 * - `<prefix>{<tag>}:u`: one hash per user (`<tag>` = `userTag(userId)`). Field `u` holds the
 *   user id; field `<idHash>` (the session id's truncated SHA-256, never the id) a session, as a
 *   binary record of at most 64 bytes while its data bag is empty (`redis-session.record.ts`);
 *   field `><idHash>` a forward pointer left by a rotation, `<successor idHash>|<grace end>`.
 *   The hash lives as long as its longest-lived session. With every field and value ≤ 64 bytes
 *   and ≤ 128 fields Redis keeps it as a listpack; a session with a non-empty data bag (or an
 *   IPv6 session 30 days old) can push that user's hash into a hashtable, which costs more.
 * - `<prefix>{<tag>}:x:<idHash>`: a spent refresh token's marker.
 * - `<prefix>a:<digest>`: the text of a user agent, shared by every session that has it; it
 *   lives as long as the longest absolute lifetime of the sessions written with it.
 *
 * Every change to a user's sessions is one Lua script on the user's hash; validation is one
 * script (the session, following forward pointers, and optionally the cached user). Expired
 * sessions and old pointers are dropped lazily, by the scripts that create, list and revoke, on
 * the service's clock. Sessions written by nest-warden 0.1 (one key per session and a sorted-set
 * index) are not read: upgrading signs every user out once.
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
  /** Digest → when (Date.now()) this process wrote it, and until when the entry lives. */
  private readonly agentsWritten = new Map<string, { at: number; until: number }>();

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
    options: SessionWriteOptions & SessionClocks & { maxSessions: number; indexTtlMs: number },
  ): Promise<SessionRecord[]> {
    const [evicted] = await Promise.all([
      this.run('CREATE', ref.tag, [
        ref.idHash,
        encodeSessionRecord(record),
        ttl(options.ttlMs),
        options.maxSessions,
        ...purgeClock(options),
        record.userId,
      ]) as Promise<Buffer[]>,
      this.rememberUserAgent(record),
    ]);
    return this.withUserAgents(this.records(evicted, record.userId));
  }

  async get(ref: SessionRef): Promise<StoredSession | null> {
    const found = (await this.run('GET', ref.tag, [
      ref.idHash,
      this.prefetch ? this.keys.cachedUserPrefix(ref.tag) : '',
    ])) as [Buffer, Buffer, Buffer, Buffer, Buffer] | null;
    if (!found) return null;
    const record = this.decode(found[0], found[3].toString());
    if (!record) return null;
    const stored: StoredSession = { record, idHash: found[1].toString() };
    if (found[2].length) stored.graceUntil = Number(found[2].toString());
    if (this.prefetch) stored.user = decodeCachedUser(found[4].toString());
    return stored;
  }

  async touch(
    ref: SessionRef,
    record: SessionRecord,
    options: SessionWriteOptions,
  ): Promise<boolean> {
    const [touched] = await Promise.all([
      this.run('TOUCH', ref.tag, [ref.idHash, encodeSessionRecord(record), ttl(options.ttlMs)]),
      this.rememberUserAgent(record),
    ]);
    return touched === 1;
  }

  async rotate(
    from: SessionRef,
    toIdHash: string,
    record: SessionRecord,
    options: SessionRotateOptions,
  ): Promise<boolean> {
    const [moved] = await Promise.all([
      this.run(
        'ROTATE',
        from.tag,
        [
          from.idHash,
          toIdHash,
          encodeSessionRecord(record),
          ttl(options.ttlMs),
          Math.max(0, Math.round(options.graceMs)),
          `${toIdHash}|${Math.round(options.graceUntil)}`,
          options.spent ? JSON.stringify(options.spent) : '',
          options.now === undefined ? '' : Math.round(options.now),
        ],
        [this.spentKey(from)],
      ),
      this.rememberUserAgent(record),
    ]);
    return moved === 1;
  }

  async destroy(ref: SessionRef): Promise<boolean> {
    return (await this.run('DESTROY', ref.tag, [ref.idHash])) === 1;
  }

  async list(user: UserSessionsRef): Promise<StoredSession[]> {
    const flat = (await this.run('LIST', user.tag, purgeClock(user))) as Buffer[];
    const out: StoredSession[] = [];
    for (let i = 0; i < flat.length; i += 2) {
      const record = this.decode(flat[i + 1], user.userId);
      if (record) out.push({ record, idHash: flat[i].toString() });
    }
    // Oldest first; a stable sort keeps the hash's (insertion) order between equal times.
    out.sort((a, b) => a.record.createdAt - b.record.createdAt);
    await this.withUserAgents(out.map((s) => s.record));
    return out;
  }

  async revokeHandle(user: UserSessionsRef, handle: string): Promise<SessionRecord | null> {
    const bytes = fixedBase64url(handle, HANDLE_BYTES);
    if (!bytes) return null;
    const value = (await this.run('REVOKE_HANDLE', user.tag, [
      bytes,
      ...purgeClock(user),
    ])) as Buffer | null;
    const [record] = await this.withUserAgents(this.records(value ? [value] : [], user.userId));
    return record ?? null;
  }

  async revokeAll(user: UserSessionsRef, exceptHandle?: string): Promise<SessionRecord[]> {
    const keep = exceptHandle === undefined ? '' : fixedBase64url(exceptHandle, HANDLE_BYTES);
    const values = (await this.run('REVOKE_ALL', user.tag, [
      // A handle that cannot exist keeps nothing but must not mean "none": 8 bytes never stored.
      keep ?? Buffer.alloc(HANDLE_BYTES + 1),
      ...purgeClock(user),
    ])) as Buffer[];
    return this.withUserAgents(this.records(values, user.userId));
  }

  /** Per-request (bearer tokens): like {@link get}, the user agent's digest only. */
  async findByHandle(user: UserSessionsRef, handle: string): Promise<StoredSession | null> {
    const bytes = fixedBase64url(handle, HANDLE_BYTES);
    if (!bytes) return null;
    const found = (await this.run('FIND_HANDLE', user.tag, [
      bytes,
      this.prefetch ? this.keys.cachedUser(user.userId) : '',
    ])) as [Buffer, Buffer, Buffer, Buffer?] | null;
    if (!found) return null;
    const record = this.decode(found[0], found[2].toString());
    if (!record) return null;
    const stored: StoredSession = { record, idHash: found[1].toString() };
    if (this.prefetch) stored.user = decodeCachedUser(found[3]?.toString());
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

  /** Startup check: the client becomes ready and answers PING within 3 s. */
  override check(): Promise<void> {
    return checkRedis(this.redis, 'RedisSessionStore (AuthModule option sessionStore)');
  }

  /**
   * Writes the user agent's shared text when the record carries it (a new session, a changed
   * context), living at least as long as the session's absolute lifetime. Beside the session's
   * script, not in it: another key, in another Cluster slot.
   */
  private async rememberUserAgent(record: SessionRecord): Promise<void> {
    if (!record.userAgent || !record.userAgentDigest) return;
    const needed = Math.max(1, record.absoluteExpiresAt - record.lastSeenAt);
    const now = Date.now();
    const written = this.agentsWritten.get(record.userAgentDigest);
    // Written by this process within the slack, for long enough: it is there (a Redis that lost
    // it meanwhile costs at most the slack without the text in session lists).
    if (written && now - written.at < USER_AGENT_SLACK_MS && written.until >= now + needed) return;
    const ms = needed + USER_AGENT_SLACK_MS;
    await this.guard(
      this.scripts.run(
        'USER_AGENT',
        [this.keys.userAgent(record.userAgentDigest)],
        [record.userAgent, ttl(ms)],
      ),
    );
    if (this.agentsWritten.size >= USER_AGENTS_REMEMBERED) this.agentsWritten.clear();
    this.agentsWritten.set(record.userAgentDigest, { at: now, until: now + ms });
  }

  /** Fills in the user agents' texts from the shared dictionary: one batch of reads. */
  private async withUserAgents(records: SessionRecord[]): Promise<SessionRecord[]> {
    const digests = [...new Set(records.map((r) => r.userAgentDigest).filter((d) => d !== null))];
    if (digests.length === 0) {
      for (const record of records) record.userAgent = null;
      return records;
    }
    const texts = await this.guard(
      Promise.all(digests.map((digest) => this.redis.get(this.keys.userAgent(digest)))),
    );
    const byDigest = new Map(digests.map((digest, i) => [digest, texts[i]]));
    for (const record of records)
      record.userAgent = record.userAgentDigest
        ? (byDigest.get(record.userAgentDigest) ?? null)
        : null;
    return records;
  }

  private records(values: Buffer[], userId: string): SessionRecord[] {
    return values.map((value) => this.decode(value, userId)).filter((r) => r !== null);
  }

  /** A stored record, or null (logged) for bytes that are none: an unknown session, never a 500. */
  private decode(value: Buffer, userId: string): SessionRecord | null {
    try {
      return decodeSessionRecord(value, userId);
    } catch (error) {
      this.logger.warn(
        `RedisSessionStore: an unreadable session record was ignored (${(error as Error).message})`,
      );
      return null;
    }
  }

  /** Runs a script on the user's hash (plus `extraKeys` of the same slot), binary-safe. */
  private run(
    name: ScriptName,
    tag: string,
    args: (string | number | Buffer)[],
    extraKeys: string[] = [],
  ): Promise<unknown> {
    return this.guard(this.scripts.runBuffer(name, [this.keys.sessions(tag), ...extraKeys], args));
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

/** A TTL in whole ms, at least 1. */
function ttl(ms: number): number {
  return Math.max(1, Math.ceil(ms));
}

/** ARGV now and default idle timeout; without them nothing is old enough to purge. */
function purgeClock(clocks: SessionClocks): [number, number] {
  if (clocks.now === undefined) return [0, Number.MAX_SAFE_INTEGER];
  return [Math.round(clocks.now), Math.round(clocks.idleTimeoutMs ?? Number.MAX_SAFE_INTEGER)];
}
