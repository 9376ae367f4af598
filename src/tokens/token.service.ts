import { Inject, Injectable } from '@nestjs/common';
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import { WARDEN_CLOCK } from '../core/clock.js';
import { SecurityEvents, WardenEvent } from '../core/security-events.js';
import type { Authenticated } from '../session/authenticator.js';
import { Authenticator } from '../session/authenticator.js';
import type { SessionContext } from '../session/session.service.js';
import { SessionService } from '../session/session.service.js';
import type { SessionRecord, SessionRef } from '../session/session.record.js';
import type { CachedUser } from '../users/user-cache.js';
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
 * Access tokens carry the session's public handle and are accepted only while it lives. Whether a
 * token is still good is decided by the {@link Authenticator}.
 */
@Injectable()
export class TokenService {
  constructor(
    private readonly sessions: SessionService,
    private readonly authenticator: Authenticator,
    private readonly access: AccessTokenService,
    private readonly events: SecurityEvents,
    @Inject(WARDEN_TOKEN_OPTIONS) private readonly lifetimes: TokenLifetimes,
    @Inject(WARDEN_CLOCK) private readonly clock: Clock,
  ) {}

  /** A new token session for a user who just proved their credentials. */
  async issue(
    user: CachedUser,
    context: SessionContext,
  ): Promise<{ pair: TokenPair; session: SessionRecord; evicted: SessionRecord[] }> {
    const { token, session, evicted } = await this.sessions.create(user, context, undefined, {
      kind: 'token',
      absoluteTimeoutSeconds: this.lifetimes.refreshTtlSeconds,
      idleTimeoutSeconds: this.lifetimes.refreshTtlSeconds,
    });
    return { pair: await this.pair(user.id, session.handle, token), session, evicted };
  }

  /**
   * Rotates a refresh token. Null (→ 401) for anything but the current token of a live family
   * whose user is still active at the same authVersion; a spent token also revokes the family
   * (see {@link TokenLifetimes.graceMs}).
   */
  async refresh(refreshToken: string): Promise<TokenPair | null> {
    const found = await this.authenticator.refreshToken(refreshToken);
    if (typeof found === 'string') return this.rejected('invalid');
    if ('spent' in found) return this.spent(found.spent);
    const { session, user } = found;
    const now = this.clock.now();
    const successor = await this.sessions.rotateSpent(found.ref, session, (next) => ({
      userId: user.id,
      handle: session.handle,
      spentAt: now,
      ...(this.lifetimes.graceMs > 0 ? { successor: this.seal(next) } : {}),
    }));
    if (!successor) return this.spent(found.ref); // a parallel refresh with the same token won
    this.events.emit(WardenEvent.SESSION_ROTATED, {
      userId: user.id,
      sessionId: session.handle,
      reason: 'refresh',
    });
    this.events.emit(WardenEvent.TOKEN_REFRESHED, {
      userId: user.id,
      sessionId: session.handle,
      reason: 'rotation',
    });
    return this.pair(user.id, session.handle, successor);
  }

  /** Revokes the family of a refresh token (current or spent). True if one was revoked. */
  async revoke(refreshToken: string): Promise<boolean> {
    const found = await this.sessions.lookup(refreshToken);
    if (!found) return false;
    const { ref, stored } = found;
    const family =
      stored?.record.kind === 'token' && stored.idHash === ref.idHash
        ? stored.record
        : await this.sessions.spentMarker(ref);
    return family ? this.revokeFamily(family, 'token-revoke') : false;
  }

  /** The live session and user behind a valid access token, or null. */
  async authenticate(accessToken: string): Promise<Authenticated | null> {
    const claims = this.access.verifyNow(accessToken);
    return claims ? this.authenticator.accessToken(claims) : null;
  }

  /**
   * A spent (or unknown) refresh token. Within the grace window a duplicate of the immediately
   * previous token gets its successor while that is current; anything else spent revokes the
   * family.
   */
  private async spent(ref: SessionRef): Promise<TokenPair | null> {
    const marker = await this.sessions.spentMarker(ref);
    if (!marker) return this.rejected('invalid');
    if (marker.successor && this.clock.now() - marker.spentAt <= this.lifetimes.graceMs) {
      // Grace: the same successor, but only while it is the family's current token and the
      // Authenticator still accepts it (live, not expired, user active at its authVersion).
      const successor = this.unseal(marker.successor);
      const current = successor ? await this.authenticator.refreshToken(successor) : 'malformed';
      if (successor && typeof current !== 'string' && !('spent' in current)) {
        this.events.emit(WardenEvent.TOKEN_REFRESHED, {
          userId: marker.userId,
          sessionId: marker.handle,
          reason: 'grace',
        });
        return this.pair(marker.userId, marker.handle, successor);
      }
    }
    await this.revokeFamily(marker, 'refresh-reuse');
    return this.rejected('reuse', marker);
  }

  /** Reports a refused refresh (→ 401). */
  private rejected(reason: 'invalid' | 'reuse', family?: { userId: string; handle: string }): null {
    const fields = family ? { userId: family.userId, sessionId: family.handle } : {};
    this.events.emit(WardenEvent.TOKEN_REFRESH_REJECTED, { ...fields, reason });
    return null;
  }

  /** Ends a token family (its session) and reports it. True if it was live. */
  private async revokeFamily(
    family: { userId: string; handle: string },
    reason: 'token-revoke' | 'refresh-reuse',
  ): Promise<boolean> {
    const revoked = await this.sessions.revoke(family.userId, family.handle);
    if (revoked) {
      this.events.emit(WardenEvent.SESSION_REVOKED, {
        userId: family.userId,
        sessionId: family.handle,
        reason,
      });
    }
    return revoked !== null;
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
