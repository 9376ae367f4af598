import { createTransport } from 'nodemailer';
import type { SMTPPoolSentMessageInfo, Transporter } from 'nodemailer';
import { STARTUP_CHECK_TIMEOUT_MS, withTimeout } from '../core/redis-calls.js';
import type { MailMessage } from './mail-message.js';
import { Mailer } from './mailer.js';

/** Options of {@link SmtpMailer}. */
export interface SmtpMailerOptions {
  /**
   * The mail server: `smtp://user:pass@host:port` (STARTTLS when the server offers it) or
   * `smtps://user:pass@host:port` (TLS from the start). Percent-encode special characters of
   * the user and password. Never logged, nor put in an error message.
   */
  url: string;
  /** The `From` of every mail, e.g. `"Example" <no-reply@example.com>`. */
  from: string;
  /** Connection, greeting and socket (inactivity) timeouts, in ms. @default 10000 */
  timeoutMs?: number;
}

/** The error codes of nodemailer that mean the server refused the user or password. */
const AUTH_FAILURES = new Set(['EAUTH', 'ENOAUTH']);

/**
 * {@link Mailer} over SMTP (nodemailer, pooled connections): each mail goes out as text and
 * HTML with the configured `From`. nodemailer's own logging stays off, so neither credentials
 * nor mail contents reach the logs.
 */
export class SmtpMailer extends Mailer {
  private readonly transport: Transporter<SMTPPoolSentMessageInfo>;
  /** `smtp://host:port`: the server, without credentials, for error messages. */
  private readonly server: string;

  constructor(options: SmtpMailerOptions) {
    super();
    let url: URL;
    try {
      url = new URL(options.url);
    } catch {
      throw new Error('SmtpMailer: url is not a URL: give smtp://user:pass@host:port or smtps://…');
    }
    if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') {
      throw new Error(
        `SmtpMailer: url must start with smtp:// or smtps:// (got ${url.protocol}//): give smtp://user:pass@host:port`,
      );
    }
    if (!options.from?.trim()) {
      throw new Error(
        'SmtpMailer: from is empty: give the From address, e.g. no-reply@example.com',
      );
    }
    const port = url.port || (url.protocol === 'smtps:' ? '465' : '587');
    this.server = `${url.protocol}//${url.hostname}:${port}`;
    const timeoutMs = options.timeoutMs ?? 10_000;
    this.transport = createTransport(
      {
        pool: true,
        url: options.url,
        connectionTimeout: timeoutMs,
        greetingTimeout: timeoutMs,
        socketTimeout: timeoutMs,
        logger: false,
        debug: false,
      },
      { from: options.from },
    );
  }

  /**
   * Boot check: connects, greets and logs in (when the URL has credentials), within 3 s; throws
   * a one-line `Error` naming the server (never the credentials) and what to check.
   */
  override async check(): Promise<void> {
    try {
      await withTimeout(this.transport.verify(), STARTUP_CHECK_TIMEOUT_MS, 'SMTP check');
    } catch (error) {
      const { code, message } = error as Error & { code?: string };
      const fix = AUTH_FAILURES.has(code ?? '')
        ? 'check the user and password in the SMTP URL (percent-encoded)'
        : 'check the host and port of the SMTP URL, smtp:// (STARTTLS) or smtps:// (TLS), and that the server is running';
      throw new Error(
        `SmtpMailer: the mail server at ${this.server} failed the check (${oneLine(message)}): ${fix}`,
        { cause: error },
      );
    }
  }

  /** Sends one mail; rejects with nodemailer's error (refused, timed out, unreachable…). */
  async send(message: MailMessage): Promise<void> {
    const { to, subject, text, html } = message;
    await this.transport.sendMail({ to, subject, text, html });
  }

  /** Closes the pooled connections. */
  override async close(): Promise<void> {
    this.transport.close();
  }
}

/** An error message on one line, at most 200 characters. */
function oneLine(message: string): string {
  return message.replace(/\s+/g, ' ').trim().slice(0, 200);
}
