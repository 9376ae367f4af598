import { Injectable, Optional } from '@nestjs/common';
import type { MfaProof } from '../mfa/mfa-codes.js';
import { MfaCodes } from '../mfa/mfa-codes.js';
import type { PasskeyAssertion } from '../passkeys/passkey.service.js';
import { PasskeyService } from '../passkeys/passkey.service.js';
import { SecurityEvents, WardenEvent } from '../core/security-events.js';
import {
  InvalidPasswordException,
  MfaInvalidException,
  PasskeyInvalidException,
  SessionInvalidException,
} from '../errors/warden.exceptions.js';
import { LoginThrottle } from '../security/login-throttle.js';
import type { ActiveSession } from '../session/session.service.js';
import { SessionService } from '../session/session.service.js';
import type { CachedUser } from '../users/user-cache.js';
import { UsersService } from '../users/users.service.js';

/**
 * `POST /auth/reauth` (step-up): the signed-in user proves their password (or, with MFA, a
 * code) again, counted like a login attempt, and the session becomes "recently authenticated" for `reauthMaxAgeSeconds`. A
 * cookie session moves to a new id (a privilege step), a token session keeps its refresh token.
 */
@Injectable()
export class ReauthService {
  constructor(
    private readonly users: UsersService,
    private readonly sessions: SessionService,
    private readonly throttle: LoginThrottle,
    private readonly events: SecurityEvents,
    @Optional() private readonly codes?: MfaCodes,
    @Optional() private readonly passkeys?: PasskeyService,
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
    if (!verified) {
      this.events.emit(WardenEvent.REAUTH_FAILED, {
        userId: user.id,
        sessionId: session.handle,
        ip,
      });
      throw new InvalidPasswordException();
    }
    return this.mark(user, session, ip);
  }

  /**
   * Checks a second-factor code (TOTP, or a recovery code) of a user with MFA, counted like a
   * password, and marks the session. 401 `MFA_INVALID` when wrong or without MFA.
   */
  async withCode(
    user: CachedUser,
    session: ActiveSession,
    proof: MfaProof,
    ip: string | null,
  ): Promise<string | null> {
    if (!this.codes || !user.mfaEnabled || !(await this.codes.verify(user, proof, ip, 'reauth'))) {
      this.events.emit(WardenEvent.REAUTH_FAILED, {
        userId: user.id,
        sessionId: session.handle,
        ip,
      });
      throw new MfaInvalidException();
    }
    return this.mark(user, session, ip);
  }

  /**
   * Checks an assertion of one of the user's passkeys (counted like a password) and marks the
   * session. 401 `PASSKEY_INVALID` when it does not verify.
   */
  async withPasskey(
    user: CachedUser,
    session: ActiveSession,
    assertion: PasskeyAssertion,
    ip: string | null,
  ): Promise<string | null> {
    if (!this.passkeys || !(await this.passkeys.verify(assertion, 'reauth', user, ip))) {
      this.events.emit(WardenEvent.REAUTH_FAILED, {
        userId: user.id,
        sessionId: session.handle,
        ip,
      });
      throw new PasskeyInvalidException();
    }
    return this.mark(user, session, ip);
  }

  private async mark(
    user: CachedUser,
    session: ActiveSession,
    ip: string | null,
  ): Promise<string | null> {
    const fields = { userId: user.id, sessionId: session.handle, ip };
    let token: string | null = null;
    if (session.kind === 'token') {
      if (!(await this.sessions.reauthenticated(session))) throw new SessionInvalidException();
    } else {
      const rotated = await this.sessions.rotate(session, {}, { reauthenticated: true });
      if (!rotated) throw new SessionInvalidException();
      token = rotated.token;
    }
    this.events.emit(WardenEvent.REAUTH_SUCCEEDED, fields);
    return token;
  }
}
