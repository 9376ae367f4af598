import { Inject, Injectable } from '@nestjs/common';
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import type { Clock } from '../session/clock.js';
import { WARDEN_CLOCK } from '../session/clock.js';
import { SessionCookieCodec } from '../session/session-cookie.js';
import type { SessionContext, ActiveSession } from '../session/session.service.js';
import { SessionService } from '../session/session.service.js';
import type { SessionRef } from '../session/session.record.js';
import { SessionStore } from '../session/session.store.js';
import { SecurityEvents, WardenEvent } from '../security/security-events.js';
import type { UserRecord } from '../users/user.record.js';
import type { CachedUser } from '../cache/user-cache.js';
import { CachedUsers } from '../cache/cached-users.js';
import { AccessTokenService } from './access-token.service.js';
import { WARDEN_TOKEN_OPTIONS } from './tokens.tokens.js';

/** Token settings beyond the access token's own. */
export interface TokenLifetimes {
  /** Refresh token (and token session) lifetime in seconds. @default 1209600 (14 days) */
  refreshTtlSeconds: number;
  /**
   * Refresh grace window in ms (0 = off, at most 10 s): within it, a duplicate of the immediately
   * previous refresh token, while its successor is still current, gets the same successor. Any
   * other presentation of a spent token revokes the family, however soon after it was spent.
   */
  graceMs: number;
}

/** `POST /auth/token` and `/auth/token/refresh` answer. */
export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
}

/**
 * Access and refresh tokens bound to server sessions. A token login creates a session (kind
 * `token`) whose secret id IS the refresh token: opaque, 256 random bits plus the signed,
 * encrypted slot locator, stored only as a hash. Every refresh rotates it atomically; the spent
 * one is remembered for the family's lifetime, and presenting it again revokes the family.
 * Access tokens carry the session's public handle and are accepted only while it lives.
 */
@Injectable()
export class TokenService {
  constructor(
    private readonly sessions: SessionService,
    private readonly store: SessionStore,
    private readonly access: AccessTokenService,
    private readonly users: CachedUsers,
    private readonly events: SecurityEvents,
    @Inject(WARDEN_TOKEN_OPTIONS) private readonly lifetimes: TokenLifetimes,
    @Inject(WARDEN_CLOCK) private readonly clock: Clock,
  ) {}

  /** A new token session for a user who just proved their credentials. */
  async issue(user: UserRecord, context: SessionContext): Promise<TokenPair> {
    const { token, session, evicted } = await this.sessions.create(user, context, undefined, {
      kind: 'token',
      absoluteTimeoutSeconds: this.lifetimes.refreshTtlSeconds,
      idleTimeoutSeconds: this.lifetimes.refreshTtlSeconds,
    });
    const fields = {
      userId: user.id,
      sessionId: session.handle,
      ip: session.ip,
      userAgent: session.userAgent,
    };
    this.events.emit(WardenEvent.SESSION_CREATED, { ...fields, reason: 'token' });
    for (const old of evicted) {
      this.events.emit(WardenEvent.SESSION_EVICTED, {
        userId: user.id,
        sessionId: old.handle,
        reason: 'cap',
      });
    }
    return this.pair(user.id, session.handle, token);
  }

  /**
   * Rotates a refresh token. Null (→ 401) for anything but the current token of a live family
   * whose user is still active at the same authVersion; a replayed spent token also revokes
   * the whole family.
   */
  async refresh(refreshToken: string): Promise<TokenPair | null> {
    const payload = this.sessions.cookie.decode(refreshToken);
    if (!payload) return null;
    const ref: SessionRef = { tag: payload.tag, idHash: SessionCookieCodec.hashId(payload.id) };
    const now = this.clock.now();
    const stored = await this.store.get(ref);
    if (!stored || stored.idHash !== ref.idHash) return this.spent(ref, now);
    const { record } = stored;
    if (record.kind !== 'token') return null; // a session cookie is no refresh token
    const user = await this.users.load(record.userId);
    if (
      this.sessions.expiry(record, now) ||
      !user ||
      !user.isActive ||
      user.authVersion !== record.authVersion
    ) {
      await this.store.destroy(ref, record);
      return null;
    }
    const id = SessionCookieCodec.newId();
    const next = { ...record, lastSeenAt: now, renewedAt: now };
    const successor = this.sessions.cookie.encode({ id, tag: ref.tag });
    // The spent marker is written in the same step as the rotation, so a parallel request with
    // the same token that loses the race finds it.
    const moved = await this.store.rotate(ref, SessionCookieCodec.hashId(id), next, {
      ttlMs: this.sessions.storeTtlMs(next, now),
      graceMs: 0,
      graceUntil: now,
      spent: {
        userId: record.userId,
        handle: record.handle,
        spentAt: now,
        ...(this.lifetimes.graceMs > 0 ? { successor: this.seal(successor) } : {}),
      },
    });
    if (!moved) return this.spent(ref, now); // a parallel refresh with the same token won
    this.events.emit(WardenEvent.SESSION_ROTATED, {
      userId: record.userId,
      sessionId: record.handle,
      reason: 'refresh',
    });
    return this.pair(record.userId, record.handle, successor);
  }

  /** Revokes the family of a refresh token (current or spent). True if one was revoked. */
  async revoke(refreshToken: string): Promise<boolean> {
    const payload = this.sessions.cookie.decode(refreshToken);
    if (!payload) return false;
    const ref: SessionRef = { tag: payload.tag, idHash: SessionCookieCodec.hashId(payload.id) };
    const stored = await this.store.get(ref);
    if (stored?.record.kind === 'token' && stored.idHash === ref.idHash) {
      await this.store.destroy(ref, stored.record);
      this.events.emit(WardenEvent.SESSION_REVOKED, {
        userId: stored.record.userId,
        sessionId: stored.record.handle,
        reason: 'token-revoke',
      });
      return true;
    }
    const spent = await this.store.getSpent(ref);
    if (!spent) return false;
    return (await this.sessions.revoke(spent.userId, spent.handle)) !== null;
  }

  /** The live session behind a valid access token, or null. */
  async authenticate(
    accessToken: string,
  ): Promise<{ session: ActiveSession; user: CachedUser } | null> {
    const claims = await this.access.verify(accessToken);
    if (!claims) return null;
    const user = this.sessions.userRef(claims.sub);
    const stored = await this.store.findByHandle(user, claims.sid);
    if (!stored || stored.record.kind !== 'token' || stored.record.userId !== claims.sub)
      return null;
    if (this.sessions.expiry(stored.record)) return null;
    const found = await this.users.load(claims.sub, stored.user);
    if (!found || !found.isActive || found.authVersion !== stored.record.authVersion) return null;
    return {
      session: { ...stored.record, ref: { tag: user.tag, idHash: stored.idHash } },
      user: found,
    };
  }

  /**
   * A spent (or unknown) refresh token. Within the grace window a duplicate of the immediately
   * previous token gets its successor while that is current; anything else spent revokes the
   * family.
   */
  private async spent(ref: SessionRef, now: number): Promise<TokenPair | null> {
    const marker = await this.store.getSpent(ref);
    if (!marker) return null;
    if (marker.successor && now - marker.spentAt <= this.lifetimes.graceMs) {
      // Grace: the same successor, but only while it is still the family's current token.
      const successor = this.unseal(marker.successor);
      const payload = successor ? this.sessions.cookie.decode(successor) : null;
      if (successor && payload) {
        const idHash = SessionCookieCodec.hashId(payload.id);
        const live = await this.store.get({ tag: payload.tag, idHash });
        if (live && live.idHash === idHash)
          return this.pair(marker.userId, marker.handle, successor);
      }
    }
    const revoked = await this.sessions.revoke(marker.userId, marker.handle);
    if (revoked) {
      this.events.emit(WardenEvent.SESSION_REVOKED, {
        userId: marker.userId,
        sessionId: marker.handle,
        reason: 'refresh-reuse',
      });
    }
    return null;
  }

  /** AES-256-GCM under a key derived from the newest session secret. */
  private seal(value: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.sealKey(), iv);
    const data = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), data]).toString('base64url');
  }

  private unseal(sealed: string): string | null {
    try {
      const raw = Buffer.from(sealed, 'base64url');
      const decipher = createDecipheriv('aes-256-gcm', this.sealKey(), raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    } catch {
      return null;
    }
  }

  private sealKey(): Buffer {
    return createHmac('sha256', this.sessions.options.secrets[0])
      .update('nest-warden refresh grace v1')
      .digest();
  }

  private async pair(userId: string, handle: string, refreshToken: string): Promise<TokenPair> {
    const { token, expiresIn } = await this.access.sign({ userId, sessionHandle: handle });
    return { accessToken: token, refreshToken, tokenType: 'Bearer', expiresIn };
  }
}
