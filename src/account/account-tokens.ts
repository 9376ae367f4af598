import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import type {
  AccountTokenPurpose,
  AccountTokenRecord,
  AccountTokenStore,
} from './account-token.store.js';

/** 256 random bits, base64url: 43 characters. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** SHA-256 (hex) of a token: all the store ever sees. */
export function hashAccountToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * Mints and redeems mailed single-use tokens: 256 random bits, URL-safe; only their SHA-256 is
 * stored, with the purpose, the account's email and authVersion they are bound to, and an
 * expiry. A value that is not token-shaped never reaches the store.
 */
export class AccountTokens {
  constructor(
    private readonly store: AccountTokenStore,
    private readonly clock: Clock,
  ) {}

  /** A new token for `user`, valid `ttlSeconds`. */
  async mint(
    purpose: AccountTokenPurpose,
    user: { id: string; email: string; authVersion: number },
    ttlSeconds: number,
    newEmail: string | null = null,
  ): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    const now = this.clock.now();
    await this.store.insert({
      tokenHash: hashAccountToken(token),
      purpose,
      userId: user.id,
      email: user.email,
      newEmail,
      authVersion: user.authVersion,
      expiresAt: now + ttlSeconds * 1000,
      createdAt: now,
    });
    return token;
  }

  /** The live token's record without using it (to check a request before spending it). */
  peek(token: unknown, purpose: AccountTokenPurpose): Promise<AccountTokenRecord | null> {
    if (typeof token !== 'string' || !TOKEN_SHAPE.test(token)) return Promise.resolve(null);
    return this.store.find(hashAccountToken(token), purpose, this.clock.now());
  }

  /** Uses the token (atomically: of parallel uses one wins). Its record, or null. */
  use(token: unknown, purpose: AccountTokenPurpose): Promise<AccountTokenRecord | null> {
    if (typeof token !== 'string' || !TOKEN_SHAPE.test(token)) return Promise.resolve(null);
    return this.store.consume(hashAccountToken(token), purpose, this.clock.now());
  }

  /** Forgets the user's tokens of this purpose. */
  revoke(userId: string, purpose: AccountTokenPurpose): Promise<void> {
    return this.store.deleteForUser(userId, purpose);
  }
}
