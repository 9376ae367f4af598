import { Inject, Injectable, Optional } from '@nestjs/common';
import { CachedUsers } from '../users/cached-users.js';
import type { CachedUser } from '../users/user-cache.js';
import type { Clock } from '../core/clock.js';
import { WARDEN_CLOCK } from '../core/clock.js';
import { SecurityEvents, WardenEvent } from '../core/security-events.js';
import type { ActiveSession } from './session.service.js';
import { SessionService } from './session.service.js';
import type { SessionRecord, SessionRef, StoredSession } from './session.record.js';

/** A credential that checks out: the live session, its active user, maybe a rotated cookie. */
export interface Authenticated {
  session: ActiveSession;
  user: CachedUser;
  /** The cookie's new value when the renewal clock rotated it: send it back. */
  rotatedToken?: string;
}

/** Why a credential was refused. */
export type AuthFailure =
  'malformed' | 'unknown' | 'idle' | 'absolute' | 'inactive' | 'stale-auth' | 'wrong-kind';

/** A refresh token checked out, ready to rotate. */
export interface Refreshable {
  ref: SessionRef;
  session: SessionRecord;
  user: CachedUser;
}

/**
 * The one authority on "is this credential valid, and for which user?" (lucia's
 * `validateSession`): a session cookie, verified access-token claims or a refresh token go in, the
 * live session and its user come out. Expiry is `SessionService`'s (idle, absolute); the user
 * must exist, be active and be at the session's `authVersion`. A session that fails is destroyed
 * here and reported (`warden.session.expired`, `warden.session.revoked`), so guards and the token
 * service only read the credential and answer.
 */
@Injectable()
export class Authenticator {
  constructor(
    private readonly sessions: SessionService,
    private readonly users: CachedUsers,
    @Inject(WARDEN_CLOCK) private readonly clock: Clock,
    @Optional() private readonly events?: SecurityEvents,
  ) {}

  /** A session cookie's value (never a refresh token). */
  async cookie(token: string): Promise<Authenticated | AuthFailure> {
    const result = await this.sessions.validate(token);
    if (!result.ok) {
      if (result.reason === 'idle' || result.reason === 'absolute') {
        this.events?.emit(WardenEvent.SESSION_EXPIRED, { reason: result.reason });
      }
      return result.reason;
    }
    const found = this.user(result.session.userId, result.user);
    const user = found instanceof Promise ? await found : found;
    const refused = refusal(result.session, user);
    if (refused) return this.refuse(result.session, user, refused);
    return { session: result.session, user: user!, rotatedToken: result.rotatedToken };
  }

  /** Verified access-token claims: the token session `sid` of user `sub`, while it lives. */
  async accessToken(claims: { sub: string; sid: string }): Promise<Authenticated | null> {
    const stored = await this.sessions.findByHandle(claims.sub, claims.sid);
    if (!stored || stored.record.userId !== claims.sub) return null;
    const found = await this.tokenSession(this.sessions.userRef(claims.sub).tag, stored);
    return typeof found === 'string' ? null : found;
  }

  /**
   * A refresh token: its live token session and user, `{ spent }` when the id is no longer live
   * (rotated away, revoked or expired: the caller decides whether that is reuse), or a failure.
   * One store read, the user coming with it.
   */
  async refreshToken(token: string): Promise<Refreshable | { spent: SessionRef } | AuthFailure> {
    const found = await this.sessions.lookup(token);
    if (!found) return 'malformed';
    const { ref, stored } = found;
    if (!stored || stored.idHash !== ref.idHash) return { spent: ref };
    const result = await this.tokenSession(ref.tag, stored);
    if (typeof result === 'string') return result;
    return { ref, session: stored.record, user: result.user };
  }

  private async tokenSession(
    tag: string,
    stored: StoredSession,
  ): Promise<Authenticated | AuthFailure> {
    if (stored.record.kind !== 'token') return 'wrong-kind'; // a cookie session is no token
    const session: ActiveSession = { ...stored.record, ref: { tag, idHash: stored.idHash } };
    const expired = this.sessions.expiry(stored.record, this.clock.now());
    if (expired) {
      await this.sessions.destroySession(session);
      this.events?.emit(WardenEvent.SESSION_EXPIRED, { reason: expired });
      return expired;
    }
    const found = this.user(stored.record.userId, stored.user);
    const user = found instanceof Promise ? await found : found;
    const refused = refusal(session, user);
    return refused ? this.refuse(session, user, refused) : { session, user: user! };
  }

  /**
   * The session's user: the snapshot the store read with the session when it is this user's (no
   * further call, and no promise to wait for), else through {@link CachedUsers.load}.
   */
  private user(
    userId: string,
    prefetched: CachedUser | null | undefined,
  ): CachedUser | null | Promise<CachedUser | null> {
    return userId && prefetched?.id === userId ? prefetched : this.users.load(userId, prefetched);
  }

  /** Ends a session whose user failed {@link refusal}, and reports it. */
  private async refuse<R extends 'inactive' | 'stale-auth'>(
    session: ActiveSession,
    user: CachedUser | null,
    refused: R,
  ): Promise<R> {
    await this.sessions.destroySession(session);
    this.events?.emit(WardenEvent.SESSION_REVOKED, {
      userId: session.userId,
      sessionId: session.handle,
      reason: user?.isActive === false ? 'deactivated' : 'auth-version',
    });
    return refused;
  }
}

/** The user must exist, be active and be at the session's authVersion; else why not. */
function refusal(
  session: ActiveSession,
  user: CachedUser | null,
): 'inactive' | 'stale-auth' | null {
  if (!user || !user.isActive) return 'inactive';
  return user.authVersion !== session.authVersion ? 'stale-auth' : null;
}
