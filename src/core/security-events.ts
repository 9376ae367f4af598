import { Injectable, Logger, Optional } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';

/** Names of nest-warden's security events (also the `@OnEvent()` names). */
export const WardenEvent = {
  LOGIN_SUCCEEDED: 'warden.login.succeeded',
  LOGIN_FAILED: 'warden.login.failed',
  LOGIN_THROTTLED: 'warden.login.throttled',
  LOGIN_LOCKED: 'warden.login.locked',
  LOGIN_UNLOCKED: 'warden.login.unlocked',
  SESSION_CREATED: 'warden.session.created',
  SESSION_ROTATED: 'warden.session.rotated',
  SESSION_REVOKED: 'warden.session.revoked',
  SESSION_EXPIRED: 'warden.session.expired',
  SESSION_EVICTED: 'warden.session.evicted',
  SESSION_CONTEXT_CHANGED: 'warden.session.context-changed',
  /** A refresh token was exchanged for a new pair; `reason`: `rotation` or `grace`. */
  TOKEN_REFRESHED: 'warden.token.refreshed',
  /**
   * A refresh was refused; `reason`: `invalid` (unknown, expired, malformed, user gone) or `reuse`
   * (a spent token presented again: its family is revoked).
   */
  TOKEN_REFRESH_REJECTED: 'warden.token.refresh-rejected',
  PASSWORD_CHANGED: 'warden.password.changed',
  PASSWORD_REHASHED: 'warden.password.rehashed',
  PASSWORD_RESET_REQUESTED: 'warden.password.reset-requested',
  PASSWORD_RESET: 'warden.password.reset',
  EMAIL_VERIFIED: 'warden.email.verified',
  EMAIL_CHANGE_REQUESTED: 'warden.email.change-requested',
  EMAIL_CHANGED: 'warden.email.changed',
  REAUTH_SUCCEEDED: 'warden.reauth.succeeded',
  REAUTH_FAILED: 'warden.reauth.failed',
  MAIL_QUEUED: 'warden.mail.queued',
  MAIL_SENT: 'warden.mail.sent',
  MAIL_GIVEN_UP: 'warden.mail.given-up',
  LOGIN_MFA_REQUIRED: 'warden.login.mfa-required',
  MFA_ENROLLED: 'warden.mfa.enrolled',
  MFA_DISABLED: 'warden.mfa.disabled',
  MFA_FAILED: 'warden.mfa.failed',
  MFA_RECOVERY_CODE_USED: 'warden.mfa.recovery-code-used',
  MFA_RECOVERY_CODES_REGENERATED: 'warden.mfa.recovery-codes-regenerated',
  PASSKEY_REGISTERED: 'warden.passkey.registered',
  PASSKEY_REMOVED: 'warden.passkey.removed',
  PASSKEY_CLONED: 'warden.passkey.cloned',
  ADMIN_ACTION: 'warden.admin.action',
  CSRF_REJECTED: 'warden.csrf.rejected',
} as const;

/** One of the {@link WardenEvent} names. */
export type WardenEventName = (typeof WardenEvent)[keyof typeof WardenEvent];

/**
 * A security event. Carries identifiers an auditor needs and nothing an attacker could use:
 * never a password, hash, session id, token or cookie. `sessionId` is the public handle.
 */
export interface SecurityEvent {
  type: WardenEventName;
  /** ISO time. */
  at: string;
  userId?: string;
  /** Public session handle (what `GET /auth/sessions` calls `id`). */
  sessionId?: string;
  ip?: string | null;
  userAgent?: string | null;
  /**
   * Why: `idle`, `absolute`, `logout`, `revoked`, `password-change`, `password-reset`, `cap`,
   * `renewal`, ...; for `warden.mail.queued` the mail's kind (`verify-email`, `password-reset`, ...).
   */
  reason?: string;
  /** SHA-256 prefix of the normalised email of a failed login (never the email itself). */
  accountHash?: string;
  /** `warden.mfa.recovery-code-used`: how many recovery codes the user has left. */
  remaining?: number;
  /** Administration: the admin who acted (user id). */
  actorId?: string;
  /** Administration: what was done (`roles`, `deactivate`, `sign-out`, `unlock`, `mfa-reset`, ...). */
  action?: string;
  /** Administration: `success` or `refused`. */
  result?: 'success' | 'refused';
}

/** Receives every security event as it is emitted (audit log, metrics). Must not throw or block. */
export type SecurityEventListener = (event: SecurityEvent) => void;

/** Log lines per event type and second before {@link SecurityEvents} summarises the rest. */
export const SECURITY_LOG_LINES_PER_SECOND = 100;

interface LogWindow {
  /** Start of the one-second window, ms since the epoch. */
  start: number;
  logged: number;
  suppressed: number;
  timer?: ReturnType<typeof setTimeout>;
}

/**
 * Emits security events through `@nestjs/event-emitter` (when the app imports
 * `EventEmitterModule.forRoot()`), to every subscriber (audit log, metrics), and writes each as
 * one JSON log line (logger `WardenSecurity`). Listeners and the emitter get every event; the log
 * gets at most {@link SECURITY_LOG_LINES_PER_SECOND} lines of one type per second, then one
 * `warden.log.suppressed` line with the count when the second is over: a flood of rejected
 * requests (bad CSRF tokens, failed logins) must not cost a log write each, nor drown the log.
 */
@Injectable()
export class SecurityEvents {
  private readonly logger = new Logger('WardenSecurity');

  private readonly listeners: SecurityEventListener[] = [];

  private readonly windows = new Map<WardenEventName, LogWindow>();

  constructor(@Optional() private readonly emitter?: EventEmitter2) {}

  emit(type: WardenEventName, fields: Omit<SecurityEvent, 'type' | 'at'> = {}): void {
    const now = Date.now();
    const event: SecurityEvent = { type, at: new Date(now).toISOString(), ...fields };
    if (this.admitLogLine(type, now)) this.logger.log(JSON.stringify(event));
    this.emitter?.emit(type, event);
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.logger.error(`A security event listener failed: ${(error as Error).message}`);
      }
    }
  }

  /** True while this second's log lines of `type` are under the cap; counts the rest. */
  private admitLogLine(type: WardenEventName, now: number): boolean {
    let window = this.windows.get(type);
    if (!window || now - window.start >= 1000) {
      if (window) this.flushSuppressed(type, window);
      window = { start: now, logged: 0, suppressed: 0 };
      this.windows.set(type, window);
    }
    if (window.logged < SECURITY_LOG_LINES_PER_SECOND) {
      window.logged++;
      return true;
    }
    if (window.suppressed++ === 0) {
      const open = window;
      open.timer = setTimeout(() => this.flushSuppressed(type, open), 1000 - (now - open.start));
      open.timer.unref?.();
    }
    return false;
  }

  private flushSuppressed(type: WardenEventName, window: LogWindow): void {
    if (window.timer) clearTimeout(window.timer);
    window.timer = undefined;
    if (window.suppressed === 0) return;
    this.logger.warn(
      JSON.stringify({
        type: 'warden.log.suppressed',
        at: new Date(window.start + 1000).toISOString(),
        event: type,
        suppressed: window.suppressed,
      }),
    );
    window.suppressed = 0;
  }

  /** Calls `listener` with every event from now on (the audit sink, the metrics). */
  subscribe(listener: SecurityEventListener): void {
    this.listeners.push(listener);
  }
}
