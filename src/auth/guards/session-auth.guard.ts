import type { CanActivate, ExecutionContext } from '@nestjs/common';
import { Inject, Injectable } from '@nestjs/common';
import { SecurityEvents, WardenEvent } from '../../core/security-events.js';
import type { AuthModuleOptions } from '../auth.module-definition.js';
import { AUTH_MODULE_OPTIONS } from '../auth.module-definition.js';
import { CsrfInvalidException, SessionInvalidException } from '../../errors/warden.exceptions.js';
import { csrfTokenMatches, sameOrigin, UNSAFE_METHODS } from '../../security/csrf.js';
import { SessionService } from '../../session/session.service.js';
import { userAgentDigest } from '../../session/session.record.js';
import { Authenticator } from '../../session/authenticator.js';
import { HttpContext } from '../../core/http-context.js';
import type { WardenRequest } from '../warden-request.js';

/**
 * Cookie authentication: the {@link Authenticator} decides whether the cookie's session and its
 * user are good; this guard reads the cookie, sends the rotated cookie when the renewal clock
 * turned, reports a change of IP or user agent (or ends the session, with `onContextChange:
 * 'reject'`), and on unsafe methods requires the session's CSRF token in `X-CSRF-Token` and a
 * same-origin request. Throws 401/403, never returns false. As a guard it marks the response
 * `Cache-Control: no-store` first.
 */
@Injectable()
export class SessionAuthGuard implements CanActivate {
  constructor(
    private readonly sessions: SessionService,
    private readonly authenticator: Authenticator,
    private readonly http: HttpContext,
    private readonly events: SecurityEvents,
    @Inject(AUTH_MODULE_OPTIONS) private readonly options: AuthModuleOptions,
  ) {}

  canActivate(context: ExecutionContext): Promise<boolean> {
    this.http.noStore(context);
    return this.authenticate(context);
  }

  /**
   * Authenticates the request by its session cookie, without touching `Cache-Control` (callers
   * that go on anonymously when this throws, like `CacheInterceptor`, decide that themselves).
   */
  async authenticate(context: ExecutionContext): Promise<true> {
    const request = this.http.request<WardenRequest>(context);
    // Already authenticated by another guard on this request (a global WardenAuthGuard plus @Auth()).
    if (request.wardenAuth && request.user) return true;
    const token = this.sessions.cookie.read(request.headers.cookie);
    if (!token) throw new SessionInvalidException();
    const result = await this.authenticator.cookie(token);
    if (typeof result === 'string') {
      this.http.setCookie(context, this.sessions.cookie.expire());
      throw new SessionInvalidException();
    }
    const { user } = result;
    const ip = this.http.clientIp(request);
    const userAgent = this.http.header(request, 'user-agent') ?? null;
    let session = result.session;
    // The store keeps a digest of the user agent per session (the text once per distinct agent).
    if (
      ip !== session.ip ||
      userAgentDigest(userAgent?.slice(0, 256)) !== session.userAgentDigest
    ) {
      this.events.emit(WardenEvent.SESSION_CONTEXT_CHANGED, {
        userId: user.id,
        sessionId: result.session.handle,
        ip,
        userAgent,
      });
      if (this.options.onContextChange === 'reject') {
        await this.sessions.destroySession(result.session);
        this.http.setCookie(context, this.sessions.cookie.expire());
        throw new SessionInvalidException();
      }
      // Reported once per change: the session now remembers the new context.
      session = await this.sessions.recordContext(session, { ip, userAgent });
    }
    if (result.rotatedToken) {
      this.http.setCookie(context, this.sessions.cookie.serialize(result.rotatedToken));
      this.events.emit(WardenEvent.SESSION_ROTATED, {
        userId: user.id,
        sessionId: result.session.handle,
        reason: 'renewal',
      });
    }
    if (UNSAFE_METHODS.has(request.method.toUpperCase())) {
      const given = this.http.header(request, 'x-csrf-token');
      if (!sameOrigin(request.headers) || !csrfTokenMatches(result.session, given)) {
        this.events.emit(WardenEvent.CSRF_REJECTED, {
          userId: user.id,
          sessionId: result.session.handle,
          ip,
        });
        throw new CsrfInvalidException();
      }
    }
    request.user = user;
    request.wardenSession = session;
    request.wardenAuth = 'session';
    return true;
  }
}
