import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** A mail the sink accepted, parsed. */
export interface ReceivedMail {
  /** The envelope's recipients (RCPT TO). */
  to: string[];
  /** The From header as written, e.g. `"Warden" <no-reply@example.com>`. */
  from: string;
  subject: string;
  text: string;
  html: string;
  /** The user that logged in (AUTH PLAIN/LOGIN), when one did. */
  user?: string;
}

/**
 * A real SMTP server for tests, on 127.0.0.1 and a free port: plain text (no STARTTLS), any login
 * accepted (authentication optional), every accepted mail parsed into `messages`.
 */
export class SmtpSink {
  /** What was accepted, oldest first. */
  readonly messages: ReceivedMail[] = [];
  /** Mails answered with 451 while refusing. */
  refusedCount = 0;
  private refusing = false;
  private readonly waiters = new Set<() => void>();

  private readonly server = new SMTPServer({
    secure: false,
    authOptional: true,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    closeTimeout: 1000,
    onAuth: (auth, _session, callback) => callback(null, { user: auth.username }),
    onMailFrom: (_address, _session, callback) => {
      if (!this.refusing) return callback();
      this.refusedCount += 1;
      callback(Object.assign(new Error('Try again later'), { responseCode: 451 }));
    },
    onData: (stream, session, callback) => {
      simpleParser(stream)
        .then((parsed) => {
          this.receive({
            to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
            from: parsed.from?.text ?? '',
            subject: parsed.subject ?? '',
            text: parsed.text ?? '',
            html: typeof parsed.html === 'string' ? parsed.html : '',
            user: typeof session.user === 'string' ? session.user : undefined,
          });
          callback();
        })
        .catch((error: Error) => callback(error));
    },
  });

  private constructor() {}

  /** Starts a sink on a free port. */
  static async start(): Promise<SmtpSink> {
    const sink = new SmtpSink();
    await new Promise<void>((resolve, reject) => {
      sink.server.once('error', reject);
      sink.server.listen(0, '127.0.0.1', () => resolve());
    });
    return sink;
  }

  /** `smtp://127.0.0.1:<port>`: no credentials needed (any are accepted). */
  get url(): string {
    return `smtp://127.0.0.1:${(this.server.server.address() as AddressInfo).port}`;
  }

  /** The first received mail that matches, now or once it arrives; rejects after `timeoutMs`. */
  waitFor(predicate: (mail: ReceivedMail) => boolean, timeoutMs = 5000): Promise<ReceivedMail> {
    return new Promise((resolve, reject) => {
      const look = () => {
        const mail = this.messages.find(predicate);
        if (!mail) return;
        this.waiters.delete(look);
        clearTimeout(timer);
        resolve(mail);
      };
      const timer = setTimeout(() => {
        this.waiters.delete(look);
        const subjects = this.messages.map((mail) => mail.subject).join(', ');
        reject(new Error(`no matching mail within ${timeoutMs} ms (received: ${subjects})`));
      }, timeoutMs);
      this.waiters.add(look);
      look();
    });
  }

  /** While on, answers every mail with 451 (a temporary failure: the sender should retry). */
  refuse(on: boolean): void {
    this.refusing = on;
  }

  /** Stops listening and closes the connections. */
  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private receive(mail: ReceivedMail): void {
    this.messages.push(mail);
    for (const look of [...this.waiters]) look();
  }
}
