import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-local';
import { InvalidCredentialsException } from '../../errors/warden.exceptions.js';
import type { UserRecord } from '../../users/user.record.js';
import { UsersService } from '../../users/users.service.js';
import { normalizeEmail } from '../../users/email.js';
import { SecurityEvents, WardenEvent } from '../../core/security-events.js';
import { createHash } from 'node:crypto';
import { LoginThrottle } from '../../security/login-throttle.js';
import { HttpContext } from '../../core/http-context.js';
import type { WardenRequest } from '../../core/http-context.js';

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
  ) {
    super({
      usernameField: 'email',
      passwordField: 'password',
      session: false,
      passReqToCallback: true,
    });
  }

  async validate(request: WardenRequest, email: string, password: string): Promise<UserRecord> {
    // Counted before the password is checked (429 past the limits); given back when right or
    // when a backing service failed, so only wrong credentials count.
    const ip = this.http.clientIp(request);
    const user = await this.throttle.check(email, ip, () =>
      this.users.verifyCredentials(email, password),
    );
    if (!user) {
      const accountHash = createHash('sha256')
        .update(normalizeEmail(email))
        .digest('hex')
        .slice(0, 16);
      this.events.emit(WardenEvent.LOGIN_FAILED, { accountHash, ip });
      throw new InvalidCredentialsException();
    }
    return user;
  }
}
