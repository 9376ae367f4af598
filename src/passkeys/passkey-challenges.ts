import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

/** What a WebAuthn challenge is for. */
export type PasskeyPurpose = 'register' | 'login' | 'second-factor' | 'reauth';

const PURPOSES: PasskeyPurpose[] = ['register', 'login', 'second-factor', 'reauth'];

/** A challenge as issued: its single-use nonce, purpose, user (none for a login) and expiry. */
export interface PasskeyChallenge {
  nonce: string;
  purpose: PasskeyPurpose;
  userId: string | null;
  expiresAt: number;
}

const MAC_BYTES = 16;

/**
 * WebAuthn challenges that carry their own state: 16 random bytes (the nonce), the purpose, the
 * user, the expiry, and an HMAC under a key derived from each session secret (the first signs,
 * all verify). Any instance can check a challenge another issued, with nothing stored; the
 * nonce is claimed in the attempt store once a response verifies, so each works once.
 */
export class PasskeyChallenges {
  private readonly keys: Buffer[];

  constructor(secrets: string[]) {
    this.keys = secrets.map((secret) =>
      Buffer.from(hkdfSync('sha256', secret, '', 'nest-warden passkey challenge v1', 32)),
    );
  }

  /** A new challenge, base64url (what goes into the options and comes back in clientDataJSON). */
  issue(purpose: PasskeyPurpose, userId: string | null, expiresAt: number): string {
    const body = Buffer.from(
      JSON.stringify({
        n: randomBytes(16).toString('base64url'),
        p: purpose,
        u: userId,
        e: expiresAt,
      }),
    );
    return Buffer.concat([body, this.mac(this.keys[0]!, body)]).toString('base64url');
  }

  /** The challenge's state, or null when forged, malformed or expired at `now`. */
  open(challenge: string, now: number): PasskeyChallenge | null {
    if (typeof challenge !== 'string' || challenge.length > 512) return null;
    const raw = Buffer.from(challenge, 'base64url');
    if (raw.length <= MAC_BYTES) return null;
    const body = raw.subarray(0, raw.length - MAC_BYTES);
    const given = raw.subarray(raw.length - MAC_BYTES);
    if (!this.keys.some((key) => timingSafeEqual(given, this.mac(key, body)))) return null;
    try {
      const state = JSON.parse(body.toString('utf8')) as {
        n: string;
        p: string;
        u: string | null;
        e: number;
      };
      if (!PURPOSES.includes(state.p as PasskeyPurpose) || !(state.e > now)) return null;
      return {
        nonce: state.n,
        purpose: state.p as PasskeyPurpose,
        userId: state.u,
        expiresAt: state.e,
      };
    } catch {
      return null;
    }
  }

  private mac(key: Buffer, body: Buffer): Buffer {
    return createHmac('sha256', key).update(body).digest().subarray(0, MAC_BYTES);
  }
}
