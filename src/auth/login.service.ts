import { Injectable, Optional } from '@nestjs/common';
import { SecurityEvents, WardenEvent } from '../core/security-events.js';
import { HttpContext } from '../core/http-context.js';
import type { WardenRequest } from './warden-request.js';
import { csrfTokenFor } from '../security/csrf.js';
import type { SessionRecord } from '../session/session.record.js';
import type { ActiveSession } from '../session/session.service.js';
import { SessionService } from '../session/session.service.js';
import type { TokenPair } from '../tokens/token.service.js';
import { TokenService } from '../tokens/token.service.js';
import { toUserResponse } from '../users/user-response.dto.js';
import type { UserResponseDto } from '../users/user-response.dto.js';
import type { CachedUser } from '../users/user-cache.js';
import { UsersService } from '../users/users.service.js';
import { AccountService } from '../account/account.service.js';

/** A cookie login's outcome: the `Set-Cookie` value and the response body. */
export interface CookieLogin {
  setCookie: string;
  body: { user: UserResponseDto; csrfToken: string };
}

/**
 * What happens once a user proved who they are, whatever the way in (password today; an MFA
 * step or a passkey later): the email-verification rule (403 `EMAIL_NOT_VERIFIED` when
 * required), a NEW session or token pair, `lastLoginAt`, the events, the sessions evicted past
 * the cap, the new-client notice. Every login path ends here.
 */
@Injectable()
export class LoginService {
  constructor(
    private readonly sessions: SessionService,
    private readonly users: UsersService,
    private readonly events: SecurityEvents,
    private readonly http: HttpContext,
    @Optional() private readonly tokens?: TokenService,
    @Optional() private readonly account?: AccountService,
  ) {}

  /**
   * A cookie session: the session the request carried is destroyed (no fixation) and a new one
   * made. `rememberMe` makes the cookie persistent (absolute lifetime) instead of a browser
   * session cookie.
   */
  async cookieLogin(
    user: CachedUser,
    request: WardenRequest,
    options: { rememberMe?: boolean } = {},
  ): Promise<CookieLogin> {
    this.account?.assertMayLogIn(user);
    const previous = this.sessions.cookie.read(request.headers.cookie);
    const context = this.http.clientContext(request);
    const { token, session, evicted } = await this.sessions.create(user, context, previous);
    await this.completed(user, session, evicted, request);
    const maxAge = options.rememberMe ? this.sessions.options.absoluteTimeoutSeconds : undefined;
    return {
      setCookie: this.sessions.cookie.serialize(token, maxAge),
      body: { user: toUserResponse(user), csrfToken: csrfTokenFor(session) },
    };
  }

  /** A token session: an access token and a refresh token (needs `tokens` configured). */
  async tokenLogin(user: CachedUser, request: WardenRequest): Promise<TokenPair> {
    if (!this.tokens) throw new Error('nest-warden: tokenLogin needs AuthModule `tokens`');
    this.account?.assertMayLogIn(user);
    const { pair, session, evicted } = await this.tokens.issue(
      user,
      this.http.clientContext(request),
    );
    await this.completed(user, session, evicted, request, 'token');
    return pair;
  }

  /** Ends the session (logout). Returns the `Set-Cookie` value that expires the cookie. */
  async logout(session: ActiveSession): Promise<string> {
    await this.sessions.destroySession(session);
    this.events.emit(WardenEvent.SESSION_REVOKED, {
      userId: session.userId,
      sessionId: session.handle,
      reason: 'logout',
    });
    return this.sessions.cookie.expire();
  }

  private async completed(
    user: CachedUser,
    session: SessionRecord,
    evicted: SessionRecord[],
    request: WardenRequest,
    kind?: 'token',
  ): Promise<void> {
    await this.users.recordLogin(user.id);
    const fields = { userId: user.id, ip: session.ip, userAgent: session.userAgent };
    const reason = kind ? { reason: kind } : {};
    this.events.emit(WardenEvent.LOGIN_SUCCEEDED, { ...fields, ...reason });
    this.events.emit(WardenEvent.SESSION_CREATED, {
      ...fields,
      sessionId: session.handle,
      ...reason,
    });
    for (const old of evicted) {
      this.events.emit(WardenEvent.SESSION_EVICTED, {
        userId: user.id,
        sessionId: old.handle,
        reason: 'cap',
      });
    }
    if (request.wardenNewClient) {
      await this.account?.signedInFromNewClient(user.id, {
        ip: session.ip,
        userAgent: session.userAgent,
      });
    }
  }
}
