import { Inject, Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import type { CachedUser } from '../users/user-cache.js';
import type { Clock } from '../core/clock.js';
import { WARDEN_CLOCK } from '../core/clock.js';
import { userTag } from '../core/redis-keys.js';
import { SessionCookieCodec } from './session-cookie.js';
import type { ResolvedSessionOptions } from './session.options.js';
import type {
  SessionRecord,
  SessionRef,
  StoredSession,
  UserSessionsRef,
} from './session.record.js';
import { userAgentDigest } from './session.record.js';
import type { SpentMarker } from './session.store.js';
import { SessionStore } from './session.store.js';
import { WARDEN_SESSION_OPTIONS } from './session.tokens.js';

/** Store TTLs outlive the service's own expiry checks by this much. */
const TTL_SLACK_MS = 5000;

/** Where a request comes from, kept with the session for the user's session list. */
export interface SessionContext {
  ip?: string | null;
  userAgent?: string | null;
}

/** A live session as the app sees it. `ref` locates it in the store; keep it server-side. */
export interface ActiveSession extends SessionRecord {
  ref: SessionRef;
}

/** Outcome of {@link SessionService.validate}. */
export type SessionValidation =
  | {
      ok: true;
      session: ActiveSession;
      rotatedToken?: string;
      /** The user's cached snapshot, when the store read it with the session (`CachedUsers`). */
      user?: CachedUser | null;
    }
  | { ok: false; reason: 'malformed' | 'unknown' | 'idle' | 'absolute' | 'stale-auth' };

/** Thrown when the app-data bag would exceed `maxDataBytes`. */
export class SessionDataTooLargeError extends Error {
  constructor(bytes: number, max: number) {
    super(`Session data is ${bytes} bytes; the cap is ${max}`);
    this.name = 'SessionDataTooLargeError';
  }
}

/**
 * Server-side sessions: signed opaque cookies, ids rotated at login, on a renewal clock and on
 * privilege changes, idle and absolute timeouts on an injectable clock, and a per-user index to
 * list and revoke sessions.
 */
@Injectable()
export class SessionService {
  /** Cookie name, encoding and `Set-Cookie` values. */
  readonly cookie: SessionCookieCodec;

  constructor(
    private readonly store: SessionStore,
    @Inject(WARDEN_SESSION_OPTIONS) readonly options: ResolvedSessionOptions,
    @Inject(WARDEN_CLOCK) private readonly clock: Clock,
  ) {
    this.cookie = new SessionCookieCodec(options.secrets, options.cookieSecure);
  }

  /**
   * Starts a fresh session for a user who just proved their credentials. Any session the request
   * carried is destroyed first (no fixation). Returns the cookie value and the evicted sessions
   * (over `maxSessionsPerUser`).
   */
  async create(
    user: { id: string; authVersion: number },
    context: SessionContext = {},
    previousToken?: string,
    lifetime: { kind?: 'token'; absoluteTimeoutSeconds?: number; idleTimeoutSeconds?: number } = {},
  ): Promise<{ token: string; session: ActiveSession; evicted: SessionRecord[] }> {
    if (previousToken) await this.destroy(previousToken);
    const now = this.clock.now();
    const id = SessionCookieCodec.newId();
    const ref: SessionRef = { tag: userTag(user.id), idHash: SessionCookieCodec.hashId(id) };
    const userAgent = context.userAgent?.slice(0, 256) ?? null;
    const record: SessionRecord = {
      v: 1,
      // 64 random bits: a public name among the user's own sessions, never a credential.
      handle: randomBytes(8).toString('base64url'),
      userId: user.id,
      authVersion: user.authVersion,
      createdAt: now,
      lastSeenAt: now,
      authTime: now,
      renewedAt: now,
      absoluteExpiresAt:
        now + (lifetime.absoluteTimeoutSeconds ?? this.options.absoluteTimeoutSeconds) * 1000,
      ip: context.ip?.slice(0, 64) ?? null,
      userAgent,
      userAgentDigest: userAgentDigest(userAgent),
      csrfSecret: randomBytes(16).toString('base64url'),
      data: {},
      ...(lifetime.kind ? { kind: lifetime.kind } : {}),
      ...(lifetime.idleTimeoutSeconds ? { idleTimeoutSeconds: lifetime.idleTimeoutSeconds } : {}),
    };
    const evicted = await this.store.create(ref, record, {
      ttlMs: this.ttlMs(record, now),
      maxSessions: this.options.maxSessionsPerUser,
      indexTtlMs: record.absoluteExpiresAt - now,
      now,
      idleTimeoutMs: this.options.idleTimeoutSeconds * 1000,
    });
    return {
      token: this.cookie.encode({ id, tag: ref.tag }),
      session: { ...record, ref },
      evicted,
    };
  }

  /**
   * Checks a cookie value: signature first (no store call for a bad one), then the store, the
   * idle and absolute clocks and, when `authVersion` is given, the user's current authVersion.
   * Rotates the id when the renewal clock says so (`rotatedToken`: send it as the new cookie)
   * and records activity at most once per `touchIntervalSeconds`.
   */
  async validate(token: string | undefined, authVersion?: number): Promise<SessionValidation> {
    // lookup(), inlined: one async step fewer on every authenticated request.
    const payload = this.cookie.decode(token);
    if (!payload) return { ok: false, reason: 'malformed' };
    const ref: SessionRef = { tag: payload.tag, idHash: SessionCookieCodec.hashId(payload.id) };
    const stored = await this.store.get(ref);
    if (!stored) return { ok: false, reason: 'unknown' };
    const { record } = stored;
    if (record.kind === 'token') return { ok: false, reason: 'unknown' }; // a refresh token is no cookie
    const current: SessionRef = { tag: ref.tag, idHash: stored.idHash };
    const now = this.clock.now();
    const expired = this.expiry(record, now, authVersion);
    if (expired) {
      await this.store.destroy(current, record);
      return { ok: false, reason: expired };
    }
    const session: ActiveSession = { ...record, lastSeenAt: now, ref: current };
    // Reached through a rotation's forward pointer: honoured for the grace window only, and the
    // client already has the new cookie.
    if (stored.idHash !== ref.idHash) {
      if (stored.graceUntil === undefined || now > stored.graceUntil)
        return { ok: false, reason: 'unknown' };
      return { ok: true, session, user: stored.user };
    }
    if (now - record.renewedAt >= this.options.renewalIntervalSeconds * 1000) {
      const rotated = await this.rotateRecord(
        current,
        { ...record, lastSeenAt: now },
        now,
        this.options.rotationGraceSeconds,
      );
      if (rotated) {
        return {
          ok: true,
          session: rotated.session,
          rotatedToken: rotated.token,
          user: stored.user,
        };
      }
      return { ok: true, session, user: stored.user }; // another request rotated it first
    }
    if (now - record.lastSeenAt >= this.options.touchIntervalSeconds * 1000) {
      const { ref: _ref, ...touched } = session;
      await this.store.touch(current, touched, { ttlMs: this.ttlMs(touched, now) });
    }
    return { ok: true, session, user: stored.user };
  }

  /**
   * Gives the session a new id now, for a security change (password, MFA, roles, reset): the old
   * id dies at once, whatever `rotationGraceSeconds` (only the periodic renewal keeps a grace).
   * Null if the session is gone or was rotated by another request first.
   */
  async rotate(
    session: ActiveSession,
    changes: Partial<Pick<SessionRecord, 'authVersion'>> = {},
    options: { reauthenticated?: boolean } = {},
  ): Promise<{ token: string; session: ActiveSession } | null> {
    const { ref, ...record } = session;
    const now = this.clock.now();
    const authTime = options.reauthenticated ? now : record.authTime;
    const next = { ...record, ...changes, authTime, lastSeenAt: now };
    return this.rotateRecord(ref, next, now, 0);
  }

  /**
   * Undoes a {@link rotate} whose change then failed: moves the session back to the id and record
   * it had before (the client never received the new id). False if it is no longer live.
   */
  restore(rotated: ActiveSession, original: ActiveSession): Promise<boolean> {
    const { ref, ...record } = original;
    const now = this.clock.now();
    return this.store.rotate(rotated.ref, ref.idHash, record, {
      ttlMs: this.ttlMs(record, now),
      graceMs: 0,
      graceUntil: now,
      now,
    });
  }

  /**
   * The stored session a cookie value or refresh token points at (its signature checked first: no
   * store call for a bad one). Null for a malformed or forged value; `stored` null for an unknown
   * (expired, revoked or spent) id.
   */
  async lookup(
    token: string | undefined,
  ): Promise<{ ref: SessionRef; stored: StoredSession | null } | null> {
    const payload = this.cookie.decode(token);
    if (!payload) return null;
    const ref: SessionRef = { tag: payload.tag, idHash: SessionCookieCodec.hashId(payload.id) };
    return { ref, stored: await this.store.get(ref) };
  }

  /** The user's live session with this public handle (and the prefetched user), or null. */
  findByHandle(userId: string, handle: string): Promise<StoredSession | null> {
    return this.store.findByHandle(this.userRef(userId), handle);
  }

  /**
   * Rotates a token session (a refresh): the successor id takes the session over and `from` is
   * marked spent in the same step, so a duplicate that loses the race finds the marker. Returns
   * the successor's token, or null if `from` was no longer live.
   */
  async rotateSpent(
    from: SessionRef,
    record: SessionRecord,
    marker: (successor: string) => SpentMarker,
  ): Promise<string | null> {
    const now = this.clock.now();
    const id = SessionCookieCodec.newId();
    const successor = this.cookie.encode({ id, tag: from.tag });
    const next = { ...record, lastSeenAt: now, renewedAt: now };
    const moved = await this.store.rotate(from, SessionCookieCodec.hashId(id), next, {
      ttlMs: this.ttlMs(next, now),
      graceMs: 0,
      graceUntil: now,
      now,
      spent: marker(successor),
    });
    return moved ? successor : null;
  }

  /** What is remembered of a spent id (a rotated refresh token), or null. */
  spentMarker(ref: SessionRef): Promise<SpentMarker | null> {
    return this.store.getSpent(ref);
  }

  /** Destroys the session behind a cookie value (logout). True if one was destroyed. */
  async destroy(token: string | undefined): Promise<boolean> {
    const found = await this.lookup(token);
    if (!found?.stored) return false;
    const { ref, stored } = found;
    return this.store.destroy({ tag: ref.tag, idHash: stored.idHash }, stored.record);
  }

  /** Destroys a session the app already holds. */
  destroySession(session: ActiveSession): Promise<boolean> {
    const { ref, ...record } = session;
    return this.store.destroy(ref, record);
  }

  /** The user's live sessions, oldest first (expired ones are dropped on the way). */
  async list(userId: string): Promise<SessionRecord[]> {
    const now = this.clock.now();
    const user = this.userRef(userId);
    const live: SessionRecord[] = [];
    for (const { record, idHash } of await this.store.list(user)) {
      if (this.expiry(record, now)) await this.store.destroy({ tag: user.tag, idHash }, record);
      else live.push(record);
    }
    return live;
  }

  /** Revokes the user's session with this public handle. The record, or null if none. */
  revoke(userId: string, handle: string): Promise<SessionRecord | null> {
    return this.store.revokeHandle(this.userRef(userId), handle);
  }

  /** Revokes every session of the user, except the one with handle `except`. */
  revokeAll(userId: string, options: { except?: string } = {}): Promise<SessionRecord[]> {
    return this.store.revokeAll(this.userRef(userId), options.except);
  }

  /**
   * Records where the session is now used from (client IP and user agent), so that a change is
   * reported once rather than on every request that follows it.
   */
  async recordContext(
    session: ActiveSession,
    context: { ip: string | null; userAgent: string | null },
  ): Promise<ActiveSession> {
    const { ref, ...record } = session;
    const userAgent = context.userAgent?.slice(0, 256) ?? null;
    const updated = {
      ...record,
      ip: context.ip,
      userAgent,
      userAgentDigest: userAgentDigest(userAgent),
    };
    await this.store.touch(ref, updated, { ttlMs: this.ttlMs(updated, this.clock.now()) });
    return { ...updated, ref };
  }

  /**
   * Records a credential step (`POST /auth/reauth`) on a session that keeps its id: a token
   * session, whose id is the client's refresh token. A cookie session takes a new id instead,
   * through {@link rotate} with `reauthenticated`. Null when the session is gone by now.
   */
  async reauthenticated(session: ActiveSession): Promise<ActiveSession | null> {
    const { ref, ...record } = session;
    const now = this.clock.now();
    const updated = { ...record, authTime: now, lastSeenAt: now };
    const written = await this.store.touch(ref, updated, { ttlMs: this.ttlMs(updated, now) });
    return written === false ? null : { ...updated, ref };
  }

  /** Replaces the app-data bag; `SessionDataTooLargeError` past `maxDataBytes`, never truncated. */
  async setData(session: ActiveSession, data: Record<string, unknown>): Promise<ActiveSession> {
    const bytes = Buffer.byteLength(JSON.stringify(data));
    if (bytes > this.options.maxDataBytes)
      throw new SessionDataTooLargeError(bytes, this.options.maxDataBytes);
    const { ref, ...record } = session;
    const updated = {
      ...record,
      data: JSON.parse(JSON.stringify(data)) as Record<string, unknown>,
    };
    await this.store.touch(ref, updated, { ttlMs: this.ttlMs(updated, this.clock.now()) });
    return { ...updated, ref };
  }

  private async rotateRecord(
    from: SessionRef,
    record: SessionRecord,
    now: number,
    graceSeconds: number,
  ): Promise<{ token: string; session: ActiveSession } | null> {
    const id = SessionCookieCodec.newId();
    const idHash = SessionCookieCodec.hashId(id);
    const next: SessionRecord = { ...record, renewedAt: now };
    const moved = await this.store.rotate(from, idHash, next, {
      ttlMs: this.ttlMs(next, now),
      graceMs: graceSeconds * 1000,
      graceUntil: now + graceSeconds * 1000,
      now,
    });
    if (!moved) return null;
    return {
      token: this.cookie.encode({ id, tag: from.tag }),
      session: { ...next, ref: { tag: from.tag, idHash } },
    };
  }

  /** Why a stored session is no longer valid at `now`, or null if it is. */
  expiry(
    record: SessionRecord,
    now: number = this.clock.now(),
    authVersion?: number,
  ): 'idle' | 'absolute' | 'stale-auth' | null {
    if (now >= record.absoluteExpiresAt) return 'absolute';
    if (now - record.lastSeenAt >= this.idleMs(record)) return 'idle';
    if (authVersion !== undefined && record.authVersion !== authVersion) return 'stale-auth';
    return null;
  }

  /**
   * Key TTL: the smaller of the idle timeout and what is left of the absolute lifetime, plus a
   * few seconds so that this service's clock, not the store's eviction, decides expiry (and can
   * say which clock ran out). The store's TTL is the garbage collector.
   */
  private ttlMs(record: SessionRecord, now: number): number {
    const remaining = Math.min(this.idleMs(record), record.absoluteExpiresAt - now);
    return Math.max(1, remaining) + TTL_SLACK_MS;
  }

  private idleMs(record: SessionRecord): number {
    return (record.idleTimeoutSeconds ?? this.options.idleTimeoutSeconds) * 1000;
  }

  /** The store location of a user's sessions, with the clocks the store purges by. */
  userRef(userId: string): UserSessionsRef {
    return {
      tag: userTag(userId),
      userId,
      now: this.clock.now(),
      idleTimeoutMs: this.options.idleTimeoutSeconds * 1000,
    };
  }
}
