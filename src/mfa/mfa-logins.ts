import { Inject, Injectable } from '@nestjs/common';
import type { Clock } from '../core/clock.js';
import { WARDEN_CLOCK } from '../core/clock.js';
import { MfaInvalidException, TooManyAttemptsException } from '../errors/warden.exceptions.js';
import { AttemptStore } from '../security/attempt.store.js';
import { consumeWithinWindow } from '../security/window-limit.js';
import { SessionCookieCodec } from '../session/session-cookie.js';
import type { ResolvedSessionOptions } from '../session/session.options.js';
import { WARDEN_SESSION_OPTIONS } from '../session/session.tokens.js';
import type { CachedUser } from '../users/user-cache.js';
import { toCachedUser } from '../users/user-cache.js';
import { UsersService } from '../users/users.service.js';
import type { MfaProof } from './mfa-codes.js';
import { MfaCodes } from './mfa-codes.js';
import type { PendingMfa } from './mfa-pending.js';
import { PendingMfaTokens, userAgentHash } from './mfa-pending.js';
import type { ResolvedMfaOptions } from './mfa.options.js';
import { WARDEN_MFA_OPTIONS } from './mfa.tokens.js';

/** Where a request comes from, as a pending login is bound to it. */
export interface ClientContext {
  ip: string | null;
  userAgent: string | null;
}

/**
 * The MFA step of a password login. A right password for a user with MFA yields a pending login
 * (a sealed value: the `mfa` cookie, or `mfaToken`) that authenticates nothing; a code from the
 * same client within `pendingTtlSeconds` completes it, once. A pending login allows
 * `maxCodeAttempts` codes (counted in the attempt store, shared by every instance), and each
 * wrong one also counts on the account's login throttle.
 */
@Injectable()
export class MfaLogins {
  /** The pending login's cookie: `mfa` (`__Host-mfa` when secure), never the session cookie. */
  readonly cookie: SessionCookieCodec;
  private readonly tokens: PendingMfaTokens;

  constructor(
    @Inject(WARDEN_MFA_OPTIONS) private readonly options: ResolvedMfaOptions,
    @Inject(WARDEN_SESSION_OPTIONS) sessionOptions: ResolvedSessionOptions,
    private readonly codes: MfaCodes,
    private readonly users: UsersService,
    private readonly attempts: AttemptStore,
    @Inject(WARDEN_CLOCK) private readonly clock: Clock,
  ) {
    this.cookie = new SessionCookieCodec(
      sessionOptions.secrets,
      sessionOptions.cookieSecure,
      'mfa',
    );
    this.tokens = new PendingMfaTokens(sessionOptions.secrets);
  }

  /** Seconds a pending login lives (the pending cookie's Max-Age). */
  get ttlSeconds(): number {
    return this.options.pendingTtlSeconds;
  }

  /** A pending login for `user` from `client`. */
  start(
    user: Pick<CachedUser, 'id' | 'authVersion'>,
    client: ClientContext,
    kind: PendingMfa['kind'],
    extra: { rememberMe?: boolean; newClient?: boolean } = {},
  ): string {
    return this.tokens.seal({
      userId: user.id,
      authVersion: user.authVersion,
      nonce: PendingMfaTokens.newNonce(),
      expiresAt: this.clock.now() + this.options.pendingTtlSeconds * 1000,
      ip: client.ip,
      userAgentHash: userAgentHash(client.userAgent),
      kind,
      rememberMe: extra.rememberMe ?? false,
      newClient: extra.newClient ?? false,
    });
  }

  /**
   * The pending login a value stands for, from this client, without trying anything (the passkey
   * options of the MFA step); 401 `MFA_INVALID` otherwise.
   */
  peek(value: string | undefined, client: ClientContext, kind: PendingMfa['kind']): PendingMfa {
    const pending = this.tokens.open(value, this.clock.now());
    if (
      !pending ||
      pending.kind !== kind ||
      pending.ip !== client.ip ||
      pending.userAgentHash !== userAgentHash(client.userAgent)
    ) {
      throw new MfaInvalidException();
    }
    return pending;
  }

  /**
   * Completes a pending login with a code: the user (ready for `LoginService`) and the pending
   * login. 401 `MFA_INVALID` for a missing, forged, expired, used or other client's pending
   * login, a wrong code, or the attempt past `maxCodeAttempts`; 429 once the account throttle
   * trips; 503 when the attempt store is down (never a pass).
   */
  async complete(
    value: string | undefined,
    proof: MfaProof,
    client: ClientContext,
    kind: PendingMfa['kind'],
  ): Promise<{ user: CachedUser; pending: PendingMfa }> {
    const pending = this.peek(value, client, kind);
    await this.countAttempt(pending);
    const user = await this.users.findById(pending.userId);
    if (!user?.isActive || !user.mfaEnabled || user.authVersion !== pending.authVersion) {
      throw new MfaInvalidException();
    }
    if (!(await this.codes.verify(user, proof, client.ip))) throw new MfaInvalidException();
    // Single use: a second request with the same pending login (and another valid code) fails.
    const first = await this.attempts.claimOnce(
      `m{p:${pending.nonce}}:done`,
      this.options.pendingTtlSeconds * 1000,
      this.clock.now(),
    );
    if (!first) throw new MfaInvalidException();
    return { user: toCachedUser(user), pending };
  }

  /** One more code tried on this pending login; past `maxCodeAttempts` it is over (401). */
  private async countAttempt(pending: PendingMfa): Promise<void> {
    try {
      await consumeWithinWindow(
        this.attempts,
        this.clock,
        {
          key: `m{p:${pending.nonce}}:n`,
          limit: this.options.maxCodeAttempts,
          windowSeconds: this.options.pendingTtlSeconds,
        },
        'Too many codes for this login',
      );
    } catch (error) {
      if (error instanceof TooManyAttemptsException) throw new MfaInvalidException();
      throw error;
    }
  }
}
