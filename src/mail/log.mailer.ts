import { Logger } from '@nestjs/common';
import type { MailMessage } from './mail-message.js';
import { Mailer } from './mailer.js';

/** http(s) links in a plain-text body. */
const LINK = /https?:\/\/[^\s<>"')\]]+/g;

/**
 * Development {@link Mailer}: instead of sending, logs each mail's recipient, subject and the
 * links in its text (Nest `Logger`, context `WardenMail`), so a developer can follow a
 * verification or reset link from the console. The links carry live tokens: never use it in
 * production (it refuses nothing itself; the example app refuses it when NODE_ENV is
 * production).
 */
export class LogMailer extends Mailer {
  private readonly logger = new Logger('WardenMail');

  /** Logs the mail; never fails. */
  async send(message: MailMessage): Promise<void> {
    const links = message.text.match(LINK) ?? [];
    this.logger.log(
      `Mail to ${message.to}: "${message.subject}"${links.length ? ` ${links.join(' ')}` : ''}`,
    );
  }
}
