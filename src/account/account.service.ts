import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Clock } from '../core/clock.js';
import { WARDEN_CLOCK } from '../core/clock.js';
import { SecurityEvents, WardenEvent } from '../core/security-events.js';
import {
  EmailNotVerifiedException,
  EmailTakenException,
  TokenInvalidException,
  TooManyAttemptsException,
} from '../errors/warden.exceptions.js';
import { AttemptStore } from '../security/attempt.store.js';
import { LoginThrottle } from '../security/login-throttle.js';
import { consumeWithinWindow, counterDigest } from '../security/window-limit.js';
import { SessionService } from '../session/session.service.js';
import { assertEmailAllowed, normalizeEmail } from '../users/email.js';
import type { CachedUser } from '../users/user-cache.js';
import type { UserRecord } from '../users/user.record.js';
import { UsersService } from '../users/users.service.js';
import { AccountMail } from './account-mail.js';
import { AccountTokens } from './account-tokens.js';
import type { ResolvedAccountOptions } from './account.options.js';
import { WARDEN_ACCOUNT_OPTIONS } from './account.tokens.js';

/**
 * The account lifecycle: email verification, password reset, email change, and the notices
 * around logins and password changes. Every mail goes through the outbox ({@link AccountMail});
 * every token is single use and bound to the account state it was issued for.
 */
@Injectable()
export class AccountService {
  private readonly logger = new Logger('WardenAccount');

  constructor(
    @Inject(WARDEN_ACCOUNT_OPTIONS) readonly options: ResolvedAccountOptions,
    private readonly mail: AccountMail,
    private readonly tokens: AccountTokens,
    private readonly users: UsersService,
    private readonly sessions: SessionService,
    private readonly throttle: LoginThrottle,
    private readonly attempts: AttemptStore,
    private readonly events: SecurityEvents,
    @Inject(WARDEN_CLOCK) private readonly clock: Clock,
  ) {}

  /** Registration answers 202 for new and taken addresses alike (`emailVerification: 'required'`). */
  get hidesTakenEmails(): boolean {
    return this.options.emailVerification === 'required';
  }

  /** A new account: its verification mail (unless verification is off). */
  async registered(user: UserRecord): Promise<void> {
    if (this.options.emailVerification === 'off') return;
    await this.mail.queue('verify-email', { userId: user.id });
  }

  /**
   * A registration in `required` mode, for a new and a taken address alike: counted per address
   * (invisibly), and for a taken one its owner hears of it (with a fresh link if unverified), at
   * most `maxPerEmail` times per window so that nobody can flood an inbox through the app.
   */
  async registrationAttempted(email: string, taken: boolean): Promise<void> {
    const normalized = normalizeEmail(email);
    const { maxPerEmail, windowSeconds } = this.options.forgotThrottle;
    try {
      await consumeWithinWindow(
        this.attempts,
        this.clock,
        { key: `n{a:${counterDigest(normalized)}}:n`, limit: maxPerEmail, windowSeconds },
        'Too many registration notices',
      );
    } catch (error) {
      if (error instanceof TooManyAttemptsException) return; // dropped, never a tell-tale 429
      throw error;
    }
    if (taken) await this.mail.queue('registration-attempt', { email: normalized });
  }

  /** Refuses a login of an unverified address when verification is required (403, no session). */
  assertMayLogIn(user: Pick<CachedUser, 'id' | 'emailVerified'>): void {
    if (this.options.emailVerification === 'required' && !user.emailVerified) {
      this.events.emit(WardenEvent.LOGIN_FAILED, { userId: user.id, reason: 'email-not-verified' });
      throw new EmailNotVerifiedException();
    }
  }

  /** `POST /auth/email/verify`. */
  async verifyEmail(token: string): Promise<void> {
    const record = await this.tokens.use(token, 'verify-email');
    const user = record && (await this.users.findById(record.userId));
    if (!record || !user?.isActive || user.email !== record.email)
      throw new TokenInvalidException();
    if (!user.emailVerified) await this.users.markEmailVerified(user.id);
    this.events.emit(WardenEvent.EMAIL_VERIFIED, { userId: user.id });
  }

  /** `POST /auth/email/verify/resend`: one per `resendIntervalSeconds` per user. */
  async resendVerification(user: CachedUser): Promise<void> {
    await consumeWithinWindow(
      this.attempts,
      this.clock,
      {
        key: `v{u:${counterDigest(user.id)}}:n`,
        limit: 1,
        windowSeconds: this.options.resendIntervalSeconds,
      },
      'A verification mail was sent a moment ago; try again later',
    );
    if (user.emailVerified || this.options.emailVerification === 'off') return;
    await this.mail.queue('verify-email', { userId: user.id });
  }

  /**
   * `POST /auth/password/forgot`: the same work for every address, known or not (two counters,
   * one outbox insert); whether a mail goes out is decided later by the worker.
   */
  async forgotPassword(rawEmail: string, ip: string | null): Promise<void> {
    const email = normalizeEmail(rawEmail);
    const { maxPerEmail, maxPerIp, windowSeconds } = this.options.forgotThrottle;
    const message = 'Too many password reset requests; try again later';
    await consumeWithinWindow(
      this.attempts,
      this.clock,
      { key: `f{i:${counterDigest(ip ?? 'unknown')}}:n`, limit: maxPerIp, windowSeconds },
      message,
    );
    await consumeWithinWindow(
      this.attempts,
      this.clock,
      { key: `f{a:${counterDigest(email)}}:n`, limit: maxPerEmail, windowSeconds },
      message,
    );
    await this.mail.queue('password-reset', { email });
    this.events.emit(WardenEvent.PASSWORD_RESET_REQUESTED, {
      accountHash: this.throttle.accountHash(email),
      ip,
    });
  }

  /**
   * `POST /auth/password/reset`. The token is checked, then the policy (a refusal leaves it
   * unspent), then spent and the password set by compare-and-set: a password changed in between
   * kills it. Every session and refresh token of the user ends; the account's lock is lifted.
   */
  async resetPassword(token: string, newPassword: string): Promise<void> {
    const found = await this.tokens.peek(token, 'password-reset');
    const user = found && (await this.users.findById(found.userId));
    const bound = (u: UserRecord | null): u is UserRecord =>
      !!u &&
      !!found &&
      u.isActive &&
      u.email === found.email &&
      u.authVersion === found.authVersion;
    if (!bound(user)) throw new TokenInvalidException();
    const prepared = await this.users.prepareNewPassword(user, newPassword);
    if (!(await this.tokens.use(token, 'password-reset'))) throw new TokenInvalidException();
    const updated = await this.users.commitPasswordChange(prepared);
    if (!updated) throw new TokenInvalidException();
    if (!updated.emailVerified) await this.users.markEmailVerified(user.id);
    await this.tokens.revoke(user.id, 'password-reset');
    await this.tokens.revoke(user.id, 'email-change');
    const revoked = await this.sessions.revokeAll(user.id);
    for (const old of revoked) {
      this.events.emit(WardenEvent.SESSION_REVOKED, {
        userId: user.id,
        sessionId: old.handle,
        reason: 'password-reset',
      });
    }
    await this.throttle.unlock(user.email);
    this.events.emit(WardenEvent.PASSWORD_RESET, { userId: user.id });
    await this.passwordChanged(user.id);
  }

  /**
   * `POST /auth/email/change`: a notice to the old address and a confirmation link to the new
   * one. The same work whatever the new address: whether it is taken (or looks like a taken one)
   * is decided by the worker, which then sends it nothing and nothing changes.
   */
  async requestEmailChange(user: CachedUser, rawEmail: string): Promise<void> {
    const newEmail = normalizeEmail(rawEmail);
    assertEmailAllowed(newEmail);
    await consumeWithinWindow(
      this.attempts,
      this.clock,
      {
        key: `e{u:${counterDigest(user.id)}}:n`,
        limit: this.options.forgotThrottle.maxPerEmail,
        windowSeconds: this.options.forgotThrottle.windowSeconds,
      },
      'Too many email change requests; try again later',
    );
    if (newEmail === user.email) return;
    const job = { userId: user.id, email: user.email, newEmail };
    // The notice first: a confirmation never goes out without it.
    if (this.options.notices.emailChanged) await this.mail.queue('email-change-notice', job);
    await this.mail.queue('email-change', job);
    this.events.emit(WardenEvent.EMAIL_CHANGE_REQUESTED, { userId: user.id });
  }

  /** `POST /auth/email/change/confirm`: the address changes now, verified. */
  async confirmEmailChange(token: string): Promise<void> {
    const record = await this.tokens.use(token, 'email-change');
    const user = record && (await this.users.findById(record.userId));
    // Bound to the address and the authVersion it was issued at: a password change or reset
    // since (the owner's answer to the notice) kills it.
    if (
      !record?.newEmail ||
      !user?.isActive ||
      user.email !== record.email ||
      user.authVersion !== record.authVersion
    ) {
      throw new TokenInvalidException();
    }
    let moved: UserRecord | null;
    try {
      moved = await this.users.changeEmail(user.id, record.newEmail, record.email);
    } catch (error) {
      if (error instanceof EmailTakenException) throw new TokenInvalidException();
      throw error;
    }
    if (!moved) throw new TokenInvalidException(); // another confirmation moved it first
    await this.tokens.revoke(user.id, 'email-change');
    this.events.emit(WardenEvent.EMAIL_CHANGED, { userId: user.id });
  }

  /**
   * The password changed (change or reset): a pending email change dies (the owner may be
   * answering its notice), and the notice goes out unless turned off.
   */
  async passwordChanged(userId: string): Promise<void> {
    await this.tokens.revoke(userId, 'email-change');
    if (this.options.notices.passwordChanged) {
      await this.notify(() => this.mail.queue('password-changed', { userId }));
    }
  }

  /** A login from a client the account had not used: the notice, unless turned off. */
  async signedInFromNewClient(
    userId: string,
    context: { ip: string | null; userAgent: string | null },
  ): Promise<void> {
    if (!this.options.notices.newSignIn) return;
    const at = new Date(this.clock.now()).toISOString();
    await this.notify(() => this.mail.queue('new-sign-in', { userId, ...context, at }));
  }

  /** A notice that cannot be queued is logged; the change it reports has already happened. */
  private async notify(queue: () => Promise<void>): Promise<void> {
    try {
      await queue();
    } catch (error) {
      this.logger.error(`A notice mail could not be queued: ${(error as Error).message}`);
    }
  }
}
