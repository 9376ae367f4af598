import type { Mailer } from '../mail/mailer.js';
import type { MailOutboxOptions } from '../mail/mail-outbox.js';
import { MailTemplates } from '../mail/mail-templates.js';
import type { OutboxStore } from '../mail/outbox.store.js';
import type { AccountTokenStore } from './account-token.store.js';

/** Whether an address must be verified: `off` (no mail), `optional` (mail, login allowed), `required`. */
export type EmailVerificationMode = 'off' | 'optional' | 'required';

/** Mails that tell the owner of an account something happened; each can be turned off. */
export interface AccountNotices {
  /** After a password change or reset. @default true */
  passwordChanged?: boolean;
  /** To the old address, when a change of address is requested. @default true */
  emailChanged?: boolean;
  /** A sign-in from a client (IP) the account has not signed in from before. @default true */
  newSignIn?: boolean;
}

/**
 * Account lifecycle over mail (`AuthModule` option `account`): verification, password reset,
 * email change and notices. Mounting it adds the `/auth/email/*` and `/auth/password/forgot`,
 * `/auth/password/reset` routes.
 */
export interface AccountOptions {
  /** Public base URL of the app (no trailing slash needed): links are `<appUrl><path>?token=…`. */
  appUrl: string;
  /** How mails leave: `new SmtpMailer({ url, from })`, or `new LogMailer()` in development. */
  mailer: Mailer;
  /** The durable queue mails wait in: `new TypeOrmOutboxStore(dataSource)`. */
  outbox: OutboxStore;
  /** Where token hashes live: `new TypeOrmAccountTokenStore(dataSource)`. */
  tokens: AccountTokenStore;
  /** @default 'optional' */
  emailVerification?: EmailVerificationMode;
  /** Lifetime of verification and email-change tokens, in seconds. @default 86400 */
  emailTokenTtlSeconds?: number;
  /** Lifetime of password-reset tokens, in seconds. @default 1800 */
  passwordResetTtlSeconds?: number;
  /**
   * Paths of the pages the links open (your front end reads `token` from the query and POSTs
   * it). @default { verifyEmail: '/verify-email', resetPassword: '/reset-password',
   * confirmEmailChange: '/confirm-email-change' }
   */
  links?: { verifyEmail?: string; resetPassword?: string; confirmEmailChange?: string };
  /** The app's name in mails. @default 'nest-warden' */
  appName?: string;
  /** Your mails: a subclass of {@link MailTemplates}. @default new MailTemplates() */
  templates?: MailTemplates;
  notices?: AccountNotices;
  /** `forgot` limits: per normalised email and per client IP within `windowSeconds`. */
  forgotThrottle?: { maxPerEmail?: number; maxPerIp?: number; windowSeconds?: number };
  /** At most one verification resend per user per this many seconds. @default 60 */
  resendIntervalSeconds?: number;
  /** Delivery: polling, lease, retries and backoff of the outbox worker. */
  delivery?: MailOutboxOptions;
}

/** {@link AccountOptions} with every default applied. */
export interface ResolvedAccountOptions extends AccountOptions {
  emailVerification: EmailVerificationMode;
  emailTokenTtlSeconds: number;
  passwordResetTtlSeconds: number;
  links: Required<NonNullable<AccountOptions['links']>>;
  appName: string;
  templates: MailTemplates;
  notices: Required<AccountNotices>;
  forgotThrottle: { maxPerEmail: number; maxPerIp: number; windowSeconds: number };
  resendIntervalSeconds: number;
}

/** Applies defaults and checks values; a bad one is a boot error saying how to fix it. */
export function resolveAccountOptions(
  options: AccountOptions,
  defaultWindowSeconds: number,
): ResolvedAccountOptions {
  for (const key of ['appUrl', 'mailer', 'outbox', 'tokens'] as const) {
    if (!options[key]) throw new Error(`AuthModule option account.${key} is required`);
  }
  let appUrl: URL | undefined;
  try {
    appUrl = new URL(options.appUrl);
  } catch {
    // reported below
  }
  if (!appUrl || !/^https?:$/.test(appUrl.protocol) || appUrl.search || appUrl.hash) {
    throw new Error(
      `account.appUrl must be an absolute http(s) URL without query or fragment, got "${options.appUrl}"`,
    );
  }
  const mode = options.emailVerification ?? 'optional';
  if (!['off', 'optional', 'required'].includes(mode)) {
    throw new Error(`account.emailVerification must be off, optional or required, got "${mode}"`);
  }
  const resolved: ResolvedAccountOptions = {
    ...options,
    appUrl: appUrl.toString().replace(/\/+$/, ''),
    emailVerification: mode,
    emailTokenTtlSeconds: options.emailTokenTtlSeconds ?? 86_400,
    passwordResetTtlSeconds: options.passwordResetTtlSeconds ?? 1800,
    links: {
      verifyEmail: options.links?.verifyEmail ?? '/verify-email',
      resetPassword: options.links?.resetPassword ?? '/reset-password',
      confirmEmailChange: options.links?.confirmEmailChange ?? '/confirm-email-change',
    },
    appName: options.appName ?? 'nest-warden',
    templates: options.templates ?? new MailTemplates(),
    notices: {
      passwordChanged: options.notices?.passwordChanged ?? true,
      emailChanged: options.notices?.emailChanged ?? true,
      newSignIn: options.notices?.newSignIn ?? true,
    },
    forgotThrottle: {
      maxPerEmail: options.forgotThrottle?.maxPerEmail ?? 5,
      maxPerIp: options.forgotThrottle?.maxPerIp ?? 50,
      windowSeconds: options.forgotThrottle?.windowSeconds ?? defaultWindowSeconds,
    },
    resendIntervalSeconds: options.resendIntervalSeconds ?? 60,
  };
  for (const [name, path] of Object.entries(resolved.links)) {
    if (!/^\/[^?#\s]*$/.test(path)) {
      throw new Error(
        `account.links.${name} must be a path starting with / (no query), got "${path}"`,
      );
    }
  }
  const numbers = {
    emailTokenTtlSeconds: resolved.emailTokenTtlSeconds,
    passwordResetTtlSeconds: resolved.passwordResetTtlSeconds,
    'forgotThrottle.maxPerEmail': resolved.forgotThrottle.maxPerEmail,
    'forgotThrottle.maxPerIp': resolved.forgotThrottle.maxPerIp,
    'forgotThrottle.windowSeconds': resolved.forgotThrottle.windowSeconds,
    resendIntervalSeconds: resolved.resendIntervalSeconds,
  };
  for (const [key, value] of Object.entries(numbers)) {
    if (!Number.isInteger(value) || value < 1) {
      throw new Error(`account.${key} must be a positive integer, got ${String(value)}`);
    }
  }
  return resolved;
}
