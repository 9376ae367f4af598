import type { CanActivate, ExecutionContext } from '@nestjs/common';
import { Injectable } from '@nestjs/common';
import { CsrfInvalidException, SessionInvalidException } from '../../errors/warden.exceptions.js';
import { csrfTokenMatches, sameOrigin, UNSAFE_METHODS } from '../../security/csrf.js';
import { SessionService } from '../../session/session.service.js';
import { UsersService } from '../../users/users.service.js';
import { HttpContext } from '../http-context.js';

/**
 * Cookie authentication: a valid session whose user is active and whose authVersion is current;
 * sends the rotated cookie when the renewal clock turned; on unsafe methods requires the
 * session's CSRF token in `X-CSRF-Token` and a same-origin request. Throws 401/403, never
 * returns false.
 */
@Injectable()
export class SessionAuthGuard implements CanActivate {
  constructor(
    private readonly sessions: SessionService,
    private readonly users: UsersService,
    private readonly http: HttpContext,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = this.http.request(context);
    const token = this.sessions.cookie.read(request.headers.cookie);
    if (!token) throw new SessionInvalidException();
    const result = await this.sessions.validate(token);
    if (!result.ok) {
      this.http.setCookie(context, this.sessions.cookie.expire());
      throw new SessionInvalidException();
    }
    const user = await this.users.findById(result.session.userId);
    if (!user || !user.isActive || user.authVersion !== result.session.authVersion) {
      await this.sessions.destroySession(result.session);
      this.http.setCookie(context, this.sessions.cookie.expire());
      throw new SessionInvalidException();
    }
    if (result.rotatedToken) {
      this.http.setCookie(context, this.sessions.cookie.serialize(result.rotatedToken));
    }
    if (UNSAFE_METHODS.has(request.method.toUpperCase())) {
      const given = this.http.header(request, 'x-csrf-token');
      if (!sameOrigin(request.headers) || !csrfTokenMatches(result.session, given)) {
        throw new CsrfInvalidException();
      }
    }
    request.user = user;
    request.wardenSession = result.session;
    request.wardenAuth = 'session';
    return true;
  }
}
