import { Injectable, Optional } from '@nestjs/common';
import { AccountService } from '../account/account.service.js';
import {
  InvalidPasswordException,
  PasswordChangeConflictException,
  SessionInvalidException,
} from '../errors/warden.exceptions.js';
import type { CachedUser } from '../users/user-cache.js';
import { LoginThrottle } from '../security/login-throttle.js';
import { SecurityEvents, WardenEvent } from '../core/security-events.js';
import type { ActiveSession } from '../session/session.service.js';
import { SessionService } from '../session/session.service.js';
import type { UserRecord } from '../users/user.record.js';
import { UsersService } from '../users/users.service.js';

/**
 * `POST /auth/password`: a counted check of the current password, then the change, every other
 * session and refresh token revoked, and the caller's cookie session moved to a new id.
 */
@Injectable()
export class PasswordChangeService {
  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionService,
    private readonly throttle: LoginThrottle,
    private readonly events: SecurityEvents,
    @Optional() private readonly account?: AccountService,
  ) {}

  /**
   * Changes the caller's password. Returns the new session cookie value for a cookie caller,
   * null for a bearer caller (whose token family ends with the others). 401 `INVALID_PASSWORD`
   * for a wrong current password (counted like a failed login), 409 when another change of the
   * account landed first (not counted), 400 for the policy.
   */
  async change(
    user: CachedUser,
    session: ActiveSession | undefined,
    passwords: { currentPassword: string; newPassword: string },
    ip: string | null,
  ): Promise<string | null> {
    const prepared = await this.throttle.check(user.email, ip, () =>
      this.users.preparePasswordChange(
        user.id,
        passwords.currentPassword,
        passwords.newPassword,
        session?.authVersion ?? user.authVersion,
      ),
    );
    if (!prepared) throw new InvalidPasswordException();
    const keep = session && session.kind !== 'token' ? session : undefined;
    // The caller's session moves to a new id carrying the authVersion the change will set BEFORE
    // the change lands: its old id dies at once (no grace), and no request running beside this
    // one can find the session stale and end it.
    let rotated = keep
      ? await this.sessions.rotate(
          keep,
          { authVersion: prepared.user.authVersion + 1 },
          { reauthenticated: true },
        )
      : null;
    if (keep && !rotated) throw new SessionInvalidException(); // ended, or another change won
    let updated: UserRecord | null;
    try {
      updated = await this.users.commitPasswordChange(prepared);
    } catch (error) {
      // A backing service failed: nothing changed, so the old cookie must work again.
      if (keep && rotated) await this.sessions.restore(rotated.session, keep).catch(() => false);
      throw error;
    }
    if (!updated) {
      if (rotated) await this.sessions.destroySession(rotated.session);
      throw new PasswordChangeConflictException();
    }
    if (rotated && rotated.session.authVersion !== updated.authVersion) {
      // Another write to the user (roles, ...) landed in between: carry its version too.
      rotated = await this.sessions.rotate(rotated.session, { authVersion: updated.authVersion });
    }
    const revoked = await this.sessions.revokeAll(user.id, { except: rotated?.session.handle });
    for (const old of revoked) {
      this.events.emit(WardenEvent.SESSION_REVOKED, {
        userId: user.id,
        sessionId: old.handle,
        reason: 'password-change',
      });
    }
    await this.account?.passwordChanged(user.id);
    if (!rotated) return null;
    this.events.emit(WardenEvent.SESSION_ROTATED, {
      userId: user.id,
      sessionId: rotated.session.handle,
      reason: 'password-change',
    });
    return rotated.token;
  }
}
