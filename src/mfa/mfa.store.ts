/**
 * A user's TOTP factor as stored: secrets are ciphertexts (`MfaSecretCipher`), never plain.
 * Times are milliseconds since the epoch.
 */
export interface TotpFactor {
  /** The active secret's ciphertext: set once a setup was confirmed; null while MFA is off. */
  secret: string | null;
  /** The ciphertext of a secret set up but not yet confirmed with a code, or null. */
  pending: string | null;
  /** When the active secret was confirmed, or null. */
  enabledAt: number | null;
}

/**
 * Port: where TOTP secrets and recovery-code hashes live. Shipped: `TypeOrmMfaStore`
 * (PostgreSQL, SQLite: survives restarts, shared by every instance) and `MemoryMfaStore`. Both
 * pass `test/contracts/mfa-store`. Failures of the backing store throw
 * `WardenUnavailableException` (503).
 */
export abstract class MfaStore {
  /** Optional boot check: the tables exist. Throws a one-line `Error` saying how to fix it. */
  check?(): Promise<void>;
  /** The user's TOTP factor, or null when the user never started a setup. */
  abstract getTotp(userId: string): Promise<TotpFactor | null>;
  /** Stores a pending (unconfirmed) secret, replacing any pending one; the active secret stays. */
  abstract setPendingTotp(userId: string, ciphertext: string, now: number): Promise<void>;
  /**
   * Moves the pending secret to active (`enabledAt = now`) only while pending still equals
   * `expectedPending`: atomic, of two parallel calls one wins. True when it moved.
   */
  abstract activateTotp(userId: string, expectedPending: string, now: number): Promise<boolean>;
  /** Forgets the active and pending secret (MFA off): `getTotp` then gives null. */
  abstract removeTotp(userId: string): Promise<void>;
  /**
   * Replaces the user's recovery codes (SHA-256 hex hashes) with `hashes` in one step: the old
   * set dies. Of parallel replacements one set survives whole.
   */
  abstract replaceRecoveryCodes(userId: string, hashes: string[]): Promise<void>;
  /**
   * Uses one code: deletes it when present, atomically (of parallel uses exactly one succeeds).
   * Returns how many remain, or null when the code was not there.
   */
  abstract useRecoveryCode(userId: string, hash: string): Promise<number | null>;
  /** How many unused recovery codes the user has. */
  abstract countRecoveryCodes(userId: string): Promise<number>;
  /** Deletes the user's recovery codes. */
  abstract deleteRecoveryCodes(userId: string): Promise<void>;
}
