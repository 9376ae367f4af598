/** What an account token is for; a token of one purpose is worthless for another. */
export type AccountTokenPurpose = 'verify-email' | 'password-reset' | 'email-change';

/**
 * A mailed single-use token as stored: only the SHA-256 of the token itself, and what it is
 * bound to. Times are milliseconds since the epoch.
 */
export interface AccountTokenRecord {
  /** SHA-256 (hex) of the token; the token itself is never stored. */
  tokenHash: string;
  purpose: AccountTokenPurpose;
  userId: string;
  /** The account's email when the token was issued: the token dies if it changes. */
  email: string;
  /** `email-change`: the address to move to (where the token was sent). */
  newEmail: string | null;
  /** The account's `authVersion` when issued: a reset token dies when it moves on. */
  authVersion: number;
  expiresAt: number;
  createdAt: number;
}

/**
 * Port: where account tokens (verification, reset, email change) live. Shipped:
 * `TypeOrmAccountTokenStore` (PostgreSQL, SQLite: survives restarts, shared by every instance)
 * and `MemoryAccountTokenStore`. Both pass `test/contracts/account-token-store`. Failures of the
 * backing store throw `WardenUnavailableException` (503).
 */
export abstract class AccountTokenStore {
  /** Optional boot check: the table exists. Throws a one-line `Error` saying how to fix it. */
  check?(): Promise<void>;
  /** Stores a token; also forgets tokens that expired before `record.createdAt`. */
  abstract insert(record: AccountTokenRecord): Promise<void>;
  /** The token with this hash and purpose, unexpired at `now`, without using it; or null. */
  abstract find(
    tokenHash: string,
    purpose: AccountTokenPurpose,
    now: number,
  ): Promise<AccountTokenRecord | null>;
  /**
   * Uses the token: deletes it and returns it, in one atomic step, when it has this purpose and
   * is unexpired at `now`; else null. Of two parallel uses exactly one gets the record.
   */
  abstract consume(
    tokenHash: string,
    purpose: AccountTokenPurpose,
    now: number,
  ): Promise<AccountTokenRecord | null>;
  /** Deletes the user's tokens of this purpose (a new address, a finished reset). */
  abstract deleteForUser(userId: string, purpose: AccountTokenPurpose): Promise<void>;
}
