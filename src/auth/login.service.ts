import { Injectable, Logger, Optional } from '@nestjs/common';
import { WardenUnavailableException } from '../errors/warden.exceptions.js';
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
import type { MfaProof } from '../mfa/mfa-codes.js';
import { MfaLogins } from '../mfa/mfa-logins.js';

/** A completed cookie login's body. */
export interface LoginBody {
  user: UserResponseDto;
  csrfToken: string;
}

/** A cookie login's outcome: the `Set-Cookie` value (session or pending) and the response body. */
export interface CookieLogin {
  setCookie: string;
  /** The session's user and CSRF token, or `{ mfaRequired: true }` with a pending cookie. */
  body: LoginBody | { mfaRequired: true };
}

/** A token login that waits for its second factor: send `mfaToken` with a code to `/auth/token/mfa`. */
export interface MfaTokenChallenge {
  mfaRequired: true;
  mfaToken: string;
}

/**
 * What happens once a user proved who they are, whatever the way in (password, the MFA step, a
 * passkey later): the email-verification rule (403 `EMAIL_NOT_VERIFIED` when required), the MFA
 * step for a user with MFA (a pending login instead of a session), then a NEW session or token
 * pair, `lastLoginAt`, the events, the sessions evicted past the cap, the new-client notice.
 * Every login path ends here.
 */
@Injectable()
export class LoginService {
  private readonly logger = new Logger('WardenLogin');

  constructor(
    private readonly sessions: SessionService,
    private readonly users: UsersService,
    private readonly events: SecurityEvents,
    private readonly http: HttpContext,
    @Optional() private readonly tokens?: TokenService,
    @Optional() private readonly account?: AccountService,
    @Optional() private readonly mfa?: MfaLogins,
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
    if (user.mfaEnabled) {
      const mfa = this.mfaOrFail();
      const pending = this.pending(user, request, 'cookie', options.rememberMe);
      return {
        setCookie: mfa.cookie.serialize(pending, mfa.ttlSeconds),
        body: { mfaRequired: true },
      };
    }
    return this.cookieSession(user, request, options);
  }

  /**
   * `POST /auth/login/mfa`: the pending cookie's login completed with a code. Returns the new
   * session (as {@link cookieLogin}) and the `Set-Cookie` value that expires the pending cookie.
   */
  async completeCookieMfa(
    request: WardenRequest,
    proof: MfaProof,
  ): Promise<CookieLogin & { body: LoginBody; expirePending: string }> {
    const mfa = this.mfaOrFail();
    const value = mfa.cookie.read(request.headers.cookie);
    const { user, pending } = await mfa.complete(
      value,
      proof,
      this.http.clientContext(request),
      'cookie',
    );
    request.wardenNewClient = pending.newClient;
    const login = await this.cookieSession(user, request, { rememberMe: pending.rememberMe });
    return { ...login, expirePending: mfa.cookie.expire() };
  }

  /**
   * A passwordless login with a passkey (already verified: `PasskeyService.verify`): a NEW
   * session; the passkey satisfies MFA, so there is no second step.
   */
  async passkeyLogin(
    user: CachedUser,
    request: WardenRequest,
  ): Promise<CookieLogin & { body: LoginBody }> {
    this.account?.assertMayLogIn(user);
    return this.cookieSession(user, request, {});
  }

  /** The new session behind a cookie login whose every step is done. */
  private async cookieSession(
    user: CachedUser,
    request: WardenRequest,
    options: { rememberMe?: boolean },
  ): Promise<CookieLogin & { body: LoginBody }> {
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

  /**
   * A token session: an access token and a refresh token (needs `tokens` configured), or, for a
   * user with MFA, the challenge to complete with {@link completeTokenMfa}.
   */
  async tokenLogin(
    user: CachedUser,
    request: WardenRequest,
  ): Promise<TokenPair | MfaTokenChallenge> {
    this.account?.assertMayLogIn(user);
    if (user.mfaEnabled) {
      return { mfaRequired: true, mfaToken: this.pending(user, request, 'token') };
    }
    return this.tokenSession(user, request);
  }

  /** `POST /auth/token/mfa`: the challenge's login completed with a code. */
  async completeTokenMfa(
    mfaToken: string,
    proof: MfaProof,
    request: WardenRequest,
  ): Promise<TokenPair> {
    const mfa = this.mfaOrFail();
    const context = this.http.clientContext(request);
    const { user, pending } = await mfa.complete(mfaToken, proof, context, 'token');
    request.wardenNewClient = pending.newClient;
    return this.tokenSession(user, request);
  }

  private async tokenSession(user: CachedUser, request: WardenRequest): Promise<TokenPair> {
    if (!this.tokens) throw new Error('nest-warden: tokenLogin needs AuthModule `tokens`');
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

  /** A pending MFA login for a user whose password was right. */
  private pending(
    user: CachedUser,
    request: WardenRequest,
    kind: 'cookie' | 'token',
    rememberMe?: boolean,
  ): string {
    const mfa = this.mfaOrFail();
    const context = this.http.clientContext(request);
    this.events.emit(WardenEvent.LOGIN_MFA_REQUIRED, { userId: user.id, ...context });
    return mfa.start(user, context, kind, { rememberMe, newClient: request.wardenNewClient });
  }

  /**
   * The MFA step; a user with MFA on and the feature not mounted fails closed (503, and an error
   * in the log), never a login on the password alone.
   */
  private mfaOrFail(): MfaLogins {
    if (!this.mfa) {
      this.logger.error(
        "A user with MFA on tried to sign in but AuthModule has no `mfa` option: mount it (or reset the user's MFA)",
      );
      throw new WardenUnavailableException('Multi-factor authentication is not available');
    }
    return this.mfa;
  }

  private async completed(
    user: CachedUser,
    session: SessionRecord,
    evicted: SessionRecord[],
    request: WardenRequest,
    kind?: 'token',
  ): Promise<void> {
    // A returning user's time joins a batch (UsersModule lastLoginBatchMs); a first login is
    // written now.
    await this.users.recordLogin(user.id, new Date(), {
      returning: request.wardenReturningUser === true,
    });
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
        userAgent: session.userAgent ?? null,
      });
    }
  }
}
