import type { NewUserRecord, UserPatch, UserRecord } from './user.record.js';

/**
 * Port: where users live. Shipped adapters: `TypeOrmUserRepository` (PostgreSQL, SQLite) and
 * `MemoryUserRepository` (tests, demos). Every adapter passes `test/contracts/user-repository`.
 *
 * Failures of the backing store throw `WardenUnavailableException` (503), never a raw driver
 * error; a duplicate email or email skeleton throws `EmailTakenException` (409).
 */
export abstract class UserRepository {
  /**
   * Optional startup check, run once by `UsersModule` at boot (unless `startupCheck: false`):
   * resolves when users can be read (the table exists and is up to date), else throws a
   * one-line `Error` that says how to fix the configuration. Bounded to a few seconds.
   */
  check?(): Promise<void>;

  /** The user with this id, or null. An empty or missing id returns null, never a first row. */
  abstract findById(id: string): Promise<UserRecord | null>;
  /** The user with this normalised email, or null. An empty email returns null. */
  abstract findByEmail(email: string): Promise<UserRecord | null>;
  /** The user whose email has this confusable skeleton, or null. An empty one returns null. */
  abstract findByEmailSkeleton(emailSkeleton: string): Promise<UserRecord | null>;
  /**
   * Inserts a user; `EmailTakenException` if the email or its skeleton exists, atomically
   * (unique indexes).
   */
  abstract create(user: NewUserRecord): Promise<UserRecord>;
  /** Applies a patch and returns the updated user, or null when no such user. */
  abstract update(id: string, patch: UserPatch): Promise<UserRecord | null>;
  /**
   * Compare-and-set of the password hash: writes `newHash` only while the stored hash is still
   * `expectedHash`, so a rehash never overwrites a concurrent password change. Returns whether
   * it wrote.
   */
  abstract replacePasswordHash(
    id: string,
    expectedHash: string,
    newHash: string,
    options?: { bumpAuthVersion?: boolean },
  ): Promise<boolean>;
  /**
   * Users ordered by creation, oldest first; with `emailPrefix`, only those whose (normalised)
   * email starts with it, literally (no wildcards), ordered by email, through an index.
   */
  abstract list(options: {
    limit: number;
    offset: number;
    emailPrefix?: string;
  }): Promise<UserRecord[]>;
  /**
   * Sets `lastLoginAt` (nothing else; `authVersion` unchanged), once per login. The default goes
   * through `update`; an adapter may override it with a write that reads nothing back.
   */
  async recordLogin(id: string, at: Date): Promise<void> {
    await this.update(id, { lastLoginAt: at });
  }

  /**
   * {@link recordLogin} for several users at once (the batched writes of returning users'
   * logins), each id once. The default calls `recordLogin` for each, one after the other; an
   * adapter may override it with one statement for all.
   */
  async recordLogins(logins: ReadonlyArray<{ id: string; at: Date }>): Promise<void> {
    for (const { id, at } of logins) await this.recordLogin(id, at);
  }
}
