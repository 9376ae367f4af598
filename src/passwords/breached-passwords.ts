import { Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';

/**
 * Asks a k-anonymity range API (the Pwned Passwords protocol) whether a password appears in
 * known data breaches: only the first 5 hex digits of its SHA-1 leave the process
 * (`GET <url>/range/<prefix>`); the answer lists `SUFFIX:COUNT` lines, compared here.
 * Fails open: a timeout, an HTTP error or a malformed answer logs a warning (never the
 * password, its hash or the prefix) and counts as "not listed", so an outage of the API
 * never blocks sign-ups.
 */
export class BreachedPasswords {
  private readonly logger = new Logger('Warden');
  private readonly base: string;

  constructor(
    url: string,
    private readonly timeoutMs = 1000,
  ) {
    this.base = url.replace(/\/+$/, '');
  }

  /** Whether the range API lists the password (count > 0); false when the check fails. */
  async isBreached(password: string): Promise<boolean> {
    const sha1 = createHash('sha1').update(password, 'utf8').digest('hex').toUpperCase();
    const prefix = sha1.slice(0, 5);
    const suffix = sha1.slice(5);
    try {
      const response = await fetch(`${this.base}/range/${prefix}`, {
        headers: { 'Add-Padding': 'true' },
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const body = await response.text();
      return body.split('\n').some((line) => {
        const [candidate, count] = line.trim().split(':');
        return candidate?.toUpperCase() === suffix && Number(count) > 0;
      });
    } catch (error) {
      const reason =
        error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')
          ? `no answer within ${this.timeoutMs} ms`
          : error instanceof Error && error.message.startsWith('HTTP ')
            ? error.message
            : // Not the message: a network error's may carry the URL, and with it the prefix.
              `${error instanceof Error ? error.name : 'unknown'} error`;
      this.logger.warn(
        `Breached-password check skipped (${reason}); the password was accepted unchecked`,
      );
      return false;
    }
  }
}
