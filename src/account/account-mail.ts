import type { OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { MailMessage } from '../mail/mail-message.js';
import { SecurityEvents, WardenEvent } from '../core/security-events.js';
import { EmailTakenException } from '../errors/warden.exceptions.js';
import { MailOutbox } from '../mail/mail-outbox.js';
import type { MailContext, RenderedMail, SignInDetails } from '../mail/mail-templates.js';
import type { UserRecord } from '../users/user.record.js';
import { UsersService } from '../users/users.service.js';
import type { ResolvedAccountOptions } from './account.options.js';
import { WARDEN_ACCOUNT_OPTIONS } from './account.tokens.js';
import { AccountTokens } from './account-tokens.js';

/** Job kinds in the outbox, and what each payload holds (never a token or a rendered mail). */
interface AccountJobs {
  'verify-email': { userId: string };
  'password-reset': { email: string };
  'email-change': { userId: string; email: string; newEmail: string };
  'email-change-notice': { userId: string; email: string; newEmail: string };
  'password-changed': { userId: string };
  'new-sign-in': { userId: string } & SignInDetails;
  'registration-attempt': { email: string };
}

/**
 * The account mails: each request writes a job to the outbox (on the request path: one insert,
 * nothing sent); the outbox worker renders it when it sends, minting the token then, so a token
 * exists only as its hash in the store and in the mail itself. A job whose account is gone,
 * inactive or changed since sends nothing.
 */
/** The user id a job's payload names, if any (never its address). */
function jobUser(job: { payload: object }): { userId?: string } {
  const userId = (job.payload as { userId?: unknown }).userId;
  return typeof userId === 'string' ? { userId } : {};
}

@Injectable()
export class AccountMail implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('WardenMail');

  constructor(
    @Inject(WARDEN_ACCOUNT_OPTIONS) private readonly options: ResolvedAccountOptions,
    private readonly outbox: MailOutbox,
    private readonly users: UsersService,
    private readonly tokens: AccountTokens,
    private readonly events: SecurityEvents,
  ) {}

  /**
   * Queues a mail of `kind`; resolves once written (503 when the database is down) and reports
   * `warden.mail.queued` (with the user id when the payload names one, never an address).
   */
  async queue<K extends keyof AccountJobs>(kind: K, payload: AccountJobs[K]): Promise<void> {
    await this.outbox.enqueue(kind, { ...payload });
    this.events.emit(WardenEvent.MAIL_QUEUED, { reason: kind, ...jobUser({ payload }) });
  }

  onModuleInit(): void {
    const { templates, links, emailTokenTtlSeconds: emailTtl } = this.options;
    const resetTtl = this.options.passwordResetTtlSeconds;
    this.handle('verify-email', async ({ userId }) => {
      const user = await this.active(userId);
      if (!user || user.emailVerified) return null;
      const link = await this.link('verify-email', user, emailTtl, links.verifyEmail);
      return this.to(user.email, templates.verifyEmail(this.context(user), link));
    });
    this.handle('password-reset', async ({ email }) => {
      const found = await this.users.findByEmail(email);
      if (!found || !found.isActive) return null;
      const link = await this.link('password-reset', found, resetTtl, links.resetPassword);
      const minutes = Math.round(resetTtl / 60);
      return this.to(found.email, templates.passwordReset(this.context(found), link, minutes));
    });
    this.handle('email-change', async ({ userId, email, newEmail }) => {
      const user = await this.active(userId);
      if (!user || user.email !== email) return null;
      // One live confirmation at a time: an earlier request (a typo) dies with this one.
      await this.tokens.revoke(user.id, 'email-change');
      // Decided now, not on the request path, so the request cannot tell a taken address.
      if (!(await this.available(newEmail))) return null;
      const link = await this.link(
        'email-change',
        user,
        emailTtl,
        links.confirmEmailChange,
        newEmail,
      );
      return this.to(newEmail, templates.confirmEmailChange(this.context(user), link));
    });
    this.handle('email-change-notice', async ({ userId, email, newEmail }) => {
      const user = await this.active(userId);
      if (!user) return null;
      return this.to(email, templates.emailChangeRequested(this.context(user), newEmail));
    });
    this.handle('password-changed', async ({ userId }) => {
      const user = await this.active(userId);
      return user && this.to(user.email, templates.passwordChanged(this.context(user)));
    });
    this.handle('new-sign-in', async ({ userId, ip, userAgent, at }) => {
      const user = await this.active(userId);
      const details = { ip, userAgent, at };
      return user && this.to(user.email, templates.newSignIn(this.context(user), details));
    });
    this.handle('registration-attempt', async ({ email }) => {
      const owner = await this.users.findByEmail(email);
      if (!owner || !owner.isActive) return null;
      const link = owner.emailVerified
        ? null
        : await this.link('verify-email', owner, emailTtl, links.verifyEmail);
      return this.to(owner.email, templates.registrationAttempt(this.context(owner), link));
    });
    this.outbox.observe({
      sent: (job) => this.events.emit(WardenEvent.MAIL_SENT, { reason: job.kind, ...jobUser(job) }),
      gaveUp: (job) =>
        this.events.emit(WardenEvent.MAIL_GIVEN_UP, { reason: job.kind, ...jobUser(job) }),
    });
    this.outbox.start();
    // A wrong SMTP address or password shows at boot, without stopping it: mail waits meanwhile.
    this.options.mailer.check?.().catch((error: Error) => {
      this.logger.warn(`The mailer is not ready; mail waits in the outbox: ${error.message}`);
    });
  }

  async onApplicationShutdown(): Promise<void> {
    await this.outbox.stop();
    await this.options.mailer.close?.();
  }

  private handle<K extends keyof AccountJobs>(
    kind: K,
    render: (payload: AccountJobs[K]) => Promise<MailMessage | null>,
  ): void {
    this.outbox.register(kind, (payload) => render(payload as unknown as AccountJobs[K]));
  }

  private async active(userId: string): Promise<UserRecord | null> {
    const user = await this.users.findById(userId);
    return user?.isActive ? user : null;
  }

  private async link(
    purpose: 'verify-email' | 'password-reset' | 'email-change',
    user: UserRecord,
    ttlSeconds: number,
    path: string,
    newEmail: string | null = null,
  ): Promise<string> {
    const token = await this.tokens.mint(purpose, user, ttlSeconds, newEmail);
    return `${this.options.appUrl}${path}?token=${token}`;
  }

  /**
   * A user-chosen display name only goes to an address its owner has proven: otherwise anyone
   * could send text of their choosing through the app to an address they typed.
   */
  private context(user: UserRecord): MailContext {
    const displayName = user.emailVerified ? user.displayName : 'there';
    return { displayName, appName: this.options.appName };
  }

  private async available(email: string): Promise<boolean> {
    try {
      await this.users.assertEmailAvailable(email);
      return true;
    } catch (error) {
      if (error instanceof EmailTakenException) return false;
      throw error;
    }
  }

  private to(to: string, mail: RenderedMail): MailMessage {
    return { to, ...mail };
  }
}
