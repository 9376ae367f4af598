import { Injectable, Optional } from '@nestjs/common';
import { MfaLogins } from '../../mfa/mfa-logins.js';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-local';
import { InvalidCredentialsException } from '../../errors/warden.exceptions.js';
import type { CachedUser } from '../../users/user-cache.js';
import { toCachedUser } from '../../users/user-cache.js';
import { UsersService } from '../../users/users.service.js';
import { normalizeEmail } from '../../users/email.js';
import { SecurityEvents, WardenEvent } from '../../core/security-events.js';
import { LoginThrottle } from '../../security/login-throttle.js';
import { HttpContext } from '../../core/http-context.js';
import type { WardenRequest } from '../warden-request.js';

/** passport strategy name; prefixed because passport is a process-wide singleton. */
export const LOCAL_STRATEGY = 'warden-local';

/** Email + password through `UsersService.verifyCredentials` (dummy hash for unknown emails). */
@Injectable()
export class LocalStrategy extends PassportStrategy(Strategy, LOCAL_STRATEGY) {
  constructor(
    private readonly users: UsersService,
    private readonly events: SecurityEvents,
    private readonly throttle: LoginThrottle,
    private readonly http: HttpContext,
    @Optional() private readonly mfa?: MfaLogins,
  ) {
    super({
      usernameField: 'email',
      passwordField: 'password',
      session: false,
      passReqToCallback: true,
    });
  }

  /** The user (`request.user`, a cached snapshot: never the hash), or 401/429/503. */
  async validate(request: WardenRequest, email: string, password: string): Promise<CachedUser> {
    // Normalised once, here, for the throttle, the lookup and the event.
    const account = normalizeEmail(String(email));
    const ip = this.http.clientIp(request);
    // Counted before the password is checked (429 past the limits); given back when right or
    // when a backing service failed, so only wrong credentials count.
    // For a user with MFA the password is only half a login: the code's check settles the rest.
    const { result: user, knownClient } = await this.throttle.checkClient(
      account,
      ip,
      () => this.users.verifyCredentials(account, password),
      (found) => found.mfaEnabled && this.mfa !== undefined,
    );
    if (!user) {
      this.events.emit(WardenEvent.LOGIN_FAILED, {
        accountHash: this.throttle.accountHash(account),
        ip,
      });
      throw new InvalidCredentialsException();
    }
    // A first login is no news to its owner; a new client of a used account is.
    request.wardenReturningUser = user.lastLoginAt !== null;
    request.wardenNewClient = !knownClient && request.wardenReturningUser;
    return toCachedUser(user);
  }
}
