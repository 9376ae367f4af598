import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';

/**
 * A password login waiting for its second factor: who, at which `authVersion`, from which
 * client, until when. It authenticates nothing; only `POST /auth/login/mfa` (or
 * `/auth/token/mfa`) reads it.
 */
export interface PendingMfa {
  userId: string;
  authVersion: number;
  /** Random id of this pending login: the key of its wrong-code counter and its single use. */
  nonce: string;
  /** Milliseconds since the epoch. */
  expiresAt: number;
  /** The client that started it: the code must come from the same IP and user agent. */
  ip: string | null;
  userAgentHash: string;
  /** `cookie` (pending cookie) or `token` (`mfaToken` in a body). */
  kind: 'cookie' | 'token';
  rememberMe: boolean;
  /** The password step came from a client the account had not signed in from (the notice). */
  newClient: boolean;
}

const PREFIX = 'm1.';

/** SHA-256 prefix of a user agent, as a pending login stores it. */
export function userAgentHash(userAgent: string | null): string {
  return createHash('sha256')
    .update(userAgent ?? '')
    .digest('base64url')
    .slice(0, 16);
}

/**
 * Seals pending MFA logins into opaque values (AES-256-GCM under a key derived from each session
 * secret: the first seals, all open, so secrets rotate as for cookies). Nothing is stored until
 * a code is tried: a flood of pending logins cannot fill a store or evict real sessions, and the
 * wrong-code counter and single use live in the attempt store under the pending login's nonce.
 */
export class PendingMfaTokens {
  private readonly keys: Buffer[];

  constructor(secrets: string[]) {
    if (secrets.length === 0) throw new Error('PendingMfaTokens needs at least one secret');
    this.keys = secrets.map((secret) =>
      Buffer.from(hkdfSync('sha256', secret, '', 'nest-warden mfa pending v1', 32)),
    );
  }

  /** A new nonce for a pending login. */
  static newNonce(): string {
    return randomBytes(16).toString('base64url');
  }

  seal(pending: PendingMfa): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.keys[0]!, iv);
    const body = Buffer.concat([cipher.update(JSON.stringify(pending), 'utf8'), cipher.final()]);
    return PREFIX + Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
  }

  /** The pending login, or null for anything malformed, forged or expired at `now`. */
  open(value: unknown, now: number): PendingMfa | null {
    if (typeof value !== 'string' || !value.startsWith(PREFIX) || value.length > 1024) return null;
    const raw = Buffer.from(value.slice(PREFIX.length), 'base64url');
    if (raw.length < 12 + 16 + 2) return null;
    const iv = raw.subarray(0, 12);
    const tag = raw.subarray(raw.length - 16);
    const body = raw.subarray(12, raw.length - 16);
    for (const key of this.keys) {
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, iv);
        decipher.setAuthTag(tag);
        const plain = Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
        const pending = JSON.parse(plain) as PendingMfa;
        return pending.expiresAt > now ? pending : null;
      } catch {
        // Not this key (or tampered): try the next.
      }
    }
    return null;
  }
}
