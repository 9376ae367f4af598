import type { MailMessage } from './mail-message.js';

/**
 * Port: how mails leave the app. {@link SmtpMailer} sends them, {@link LogMailer} logs them
 * (development). Only the outbox's worker calls `send`, never a request handler: a slow or
 * failing mail server must not hold up a request.
 */
export abstract class Mailer {
  /**
   * Optional boot check (SMTP: connects and greets, bounded to about 3 s); throws a one-line
   * `Error` saying how to fix the configuration.
   */
  check?(): Promise<void>;

  /** Sends one mail; throws on any failure (the outbox retries it later). */
  abstract send(message: MailMessage): Promise<void>;

  /** Optional: closes connections (app shutdown). */
  close?(): Promise<void>;
}
