import { Injectable } from '@nestjs/common';
import { SecurityEvents, WardenEvent } from '../core/security-events.js';
import { InvalidPasswordException, SessionInvalidException } from '../errors/warden.exceptions.js';
import { LoginThrottle } from '../security/login-throttle.js';
import type { ActiveSession } from '../session/session.service.js';
import { SessionService } from '../session/session.service.js';
import type { CachedUser } from '../users/user-cache.js';
import { UsersService } from '../users/users.service.js';

/**
 * `POST /auth/reauth` (step-up): the signed-in user proves their password again, counted like a
 * login attempt, and the session becomes "recently authenticated" for `reauthMaxAgeSeconds`. A
 * cookie session moves to a new id (a privilege step), a token session keeps its refresh token.
 */
@Injectable()
export class ReauthService {
  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionService,
    private readonly throttle: LoginThrottle,
    private readonly events: SecurityEvents,
  ) {}

  /**
   * Checks the password and marks the session. Returns the new cookie value for a cookie
   * session, null for a token session. 401 `INVALID_PASSWORD` when wrong; 429 past the limits.
   */
  async withPassword(
    user: CachedUser,
    session: ActiveSession,
    password: string,
    ip: string | null,
  ): Promise<string | null> {
    const verified = await this.throttle.check(user.email, ip, () =>
      this.users.verifyPassword(user.id, password),
    );
    const fields = { userId: user.id, sessionId: session.handle, ip };
    if (!verified) {
      this.events.emit(WardenEvent.REAUTH_FAILED, fields);
      throw new InvalidPasswordException();
    }
    let token: string | null = null;
    if (session.kind === 'token') {
      await this.sessions.reauthenticated(session);
    } else {
      const rotated = await this.sessions.rotate(session, {}, { reauthenticated: true });
      if (!rotated) throw new SessionInvalidException();
      token = rotated.token;
    }
    this.events.emit(WardenEvent.REAUTH_SUCCEEDED, fields);
    return token;
  }
}
