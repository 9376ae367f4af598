import type { BeforeApplicationShutdown } from '@nestjs/common';
import { Inject, Injectable, Optional } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import {
  EmailTakenException,
  PasswordChangeConflictException,
} from '../errors/warden.exceptions.js';
import { PasswordService } from '../passwords/password.service.js';
import { SecurityEvents, WardenEvent } from '../core/security-events.js';
import { assertEmailAllowed, emailSkeleton, normalizeEmail } from './email.js';
import { CachedUsers } from './cached-users.js';
import type { UserRecord } from './user.record.js';
import { UserRepository } from './user.repository.js';
import { LastLoginBatch } from './last-login-batch.js';

/** DI token: how long returning users' `lastLoginAt` writes gather before one write (ms; 0: none). */
export const WARDEN_LAST_LOGIN_BATCH_MS = 'WARDEN:LAST_LOGIN_BATCH_MS';

/** Input of {@link UsersService.register}. The email may be in any case or form. */
export interface RegisterUserInput {
  email: string;
  password: string;
  displayName?: string;
  roles?: string[];
}

/** A verified password change, not yet written: see {@link UsersService.preparePasswordChange}. */
export interface PreparedPasswordChange {
  /** The user as read before the change (its hash is the compare-and-set's expectation). */
  user: UserRecord;
  /** Argon2id hash of the new password. */
  newHash: string;
}

/**
 * Users: registration, credential checks, password change, roles, deactivation. Every write
 * that changes who may do what (password, roles, deactivation) bumps `authVersion`.
 */
@Injectable()
export class UsersService implements BeforeApplicationShutdown {
  private readonly lastLogins: LastLoginBatch | null;

  constructor(
    private readonly users: UserRepository,
    private readonly passwords: PasswordService,
    @Optional() private readonly events?: SecurityEvents,
    @Optional() private readonly cached?: CachedUsers,
    @Optional() @Inject(WARDEN_LAST_LOGIN_BATCH_MS) lastLoginBatchMs: number = 1000,
  ) {
    this.lastLogins = lastLoginBatchMs > 0 ? new LastLoginBatch(users, lastLoginBatchMs) : null;
  }

  /** Writes the `lastLoginAt` values still waiting (see {@link recordLogin}). */
  async beforeApplicationShutdown(): Promise<void> {
    await this.flushLogins();
  }

  /** Writes the batched `lastLoginAt` values now; resolves when written or a write failed. */
  async flushLogins(): Promise<void> {
    await this.lastLogins?.flush();
  }

  /**
   * Creates a user. Policy first (400), then Argon2id, then the existence check (409) and an
   * insert the unique index keeps race-free (409). The hash comes before the existence check so
   * that a taken email costs the same as a new one: the answer's timing does not tell them apart.
   */
  async register(input: RegisterUserInput): Promise<UserRecord> {
    const email = normalizeEmail(input.email);
    assertEmailAllowed(email);
    const displayName = input.displayName?.trim() || email.split('@')[0];
    await this.passwords.assertAcceptable(input.password, email, [displayName]);
    const passwordHash = await this.passwords.hash(input.password);
    const skeleton = await this.assertEmailAvailable(email);
    return this.users.create({
      id: randomUUID(),
      email,
      emailSkeleton: skeleton,
      displayName,
      passwordHash,
      roles: input.roles ?? ['user'],
    });
  }

  /**
   * For any address a user chooses (registration, email change): 400 `EMAIL_INVALID` for
   * invisible characters, 409 `EMAIL_TAKEN` when the address or a look-alike of it (same
   * confusable skeleton) belongs to an account. Returns the skeleton to store with the email.
   */
  async assertEmailAvailable(rawEmail: string): Promise<string> {
    const email = normalizeEmail(rawEmail);
    assertEmailAllowed(email);
    const skeleton = emailSkeleton(email);
    const [byEmail, bySkeleton] = await Promise.all([
      this.users.findByEmail(email),
      this.users.findByEmailSkeleton(skeleton),
    ]);
    if (byEmail || bySkeleton) throw new EmailTakenException();
    return skeleton;
  }

  /** The user with this id, or null. */
  findById(id: string): Promise<UserRecord | null> {
    return this.users.findById(id);
  }

  /** The user with this email (normalised here), or null. */
  findByEmail(email: string): Promise<UserRecord | null> {
    return this.users.findByEmail(normalizeEmail(email ?? ''));
  }

  /**
   * Users oldest first; with `emailPrefix` (normalised here) only those whose email starts with
   * it, literally, ordered by email. `limit` is capped at 500.
   */
  list(
    options: { limit?: number; offset?: number; emailPrefix?: string } = {},
  ): Promise<UserRecord[]> {
    const limit = Math.min(Math.max(options.limit ?? 100, 1), 500);
    const prefix = options.emailPrefix ? normalizeEmail(options.emailPrefix) : undefined;
    return this.users.list({
      limit,
      offset: Math.max(options.offset ?? 0, 0),
      ...(prefix ? { emailPrefix: prefix } : {}),
    });
  }

  /**
   * The active user whose password this is, or null. Unknown emails cost the same Argon2 work
   * as a wrong password. A valid hash made with outdated parameters is rewritten, by
   * compare-and-set so that a concurrent password change always wins.
   */
  async verifyCredentials(email: string, password: string): Promise<UserRecord | null> {
    const user = await this.findByEmail(email);
    if (!user) return this.passwords.verifyDummy(password).then(() => null);
    const { valid, needsRehash } = await this.passwords.verify(user.passwordHash, password);
    if (!valid || !user.isActive) return null;
    if (needsRehash) {
      const rehashed = await this.passwords.hash(password);
      const written = await this.users.replacePasswordHash(user.id, user.passwordHash, rehashed);
      if (written) this.events?.emit(WardenEvent.PASSWORD_REHASHED, { userId: user.id });
    }
    return user;
  }

  /**
   * Changes a password after checking the current one. Returns the updated user, or null when
   * the current password is wrong. Bumps `authVersion`, which ends every older session. Throws
   * `PasswordChangeConflictException` (409) when another change landed first.
   */
  async changePassword(
    id: string,
    currentPassword: string,
    newPassword: string,
  ): Promise<UserRecord | null> {
    const prepared = await this.preparePasswordChange(id, currentPassword, newPassword);
    if (!prepared) return null;
    const updated = await this.commitPasswordChange(prepared);
    if (!updated) throw new PasswordChangeConflictException();
    return updated;
  }

  /**
   * The first half of a password change: policy (400), the current password, the new hash.
   * Null when the current password is wrong or the user is gone or inactive. With
   * `expectedAuthVersion` (what the caller's session was issued at), a user changed since
   * throws `PasswordChangeConflictException` before any password is checked.
   */
  async preparePasswordChange(
    id: string,
    currentPassword: string,
    newPassword: string,
    expectedAuthVersion?: number,
  ): Promise<PreparedPasswordChange | null> {
    const user = await this.users.findById(id);
    if (!user || !user.isActive) return null;
    if (expectedAuthVersion !== undefined && user.authVersion !== expectedAuthVersion)
      throw new PasswordChangeConflictException();
    await this.passwords.assertAcceptable(newPassword, user.email, [user.displayName]);
    const { valid } = await this.passwords.verify(user.passwordHash, currentPassword);
    if (!valid) return null;
    return { user, newHash: await this.passwords.hash(newPassword) };
  }

  /**
   * A password reset's first half, for a user already identified (by a reset token): the policy
   * (400) and the new hash. Commit it with {@link commitPasswordChange}.
   */
  async prepareNewPassword(user: UserRecord, newPassword: string): Promise<PreparedPasswordChange> {
    await this.passwords.assertAcceptable(newPassword, user.email, [user.displayName]);
    return { user, newHash: await this.passwords.hash(newPassword) };
  }

  /**
   * The active user with this id whose password this is, or null (step-up). A missing user
   * costs the same Argon2 work as a wrong password.
   */
  async verifyPassword(id: string, password: string): Promise<UserRecord | null> {
    const user = await this.users.findById(id);
    if (!user) return this.passwords.verifyDummy(password).then(() => null);
    const { valid } = await this.passwords.verify(user.passwordHash, password);
    return valid && user.isActive ? user : null;
  }

  /** Turns the user's multi-factor flag on or off (the factor itself lives in the MFA store). */
  setMfaEnabled(id: string, enabled: boolean): Promise<UserRecord | null> {
    return this.written(id, this.users.update(id, { mfaEnabled: enabled }));
  }

  /** Marks the user's address verified. */
  markEmailVerified(id: string): Promise<UserRecord | null> {
    return this.written(id, this.users.update(id, { emailVerified: true }));
  }

  /**
   * Moves the user to a new address, verified (its owner followed a link sent to it), while the
   * stored address is still `fromEmail` (null otherwise: another change landed first). 409
   * `EMAIL_TAKEN` when the new address, or a look-alike, belongs to an account by now.
   */
  changeEmail(id: string, newEmail: string, fromEmail: string): Promise<UserRecord | null> {
    const email = normalizeEmail(newEmail);
    assertEmailAllowed(email);
    const patch = { email, emailSkeleton: emailSkeleton(email), emailVerified: true };
    return this.written(id, this.users.update(id, { ...patch, ifEmail: fromEmail }));
  }

  /**
   * The second half: compare-and-set of the hash (bumping `authVersion`). The updated user, or
   * null when another change landed since the first half.
   */
  async commitPasswordChange(prepared: PreparedPasswordChange): Promise<UserRecord | null> {
    const { user, newHash } = prepared;
    const written = await this.users.replacePasswordHash(user.id, user.passwordHash, newHash, {
      bumpAuthVersion: true,
    });
    if (!written) return null;
    await this.cached?.invalidate(user.id);
    this.events?.emit(WardenEvent.PASSWORD_CHANGED, { userId: user.id });
    // The change has landed: a failing read-back must not look like a failed change.
    const landed = { ...user, passwordHash: newHash, authVersion: user.authVersion + 1 };
    return (await this.users.findById(user.id).catch(() => landed)) ?? landed;
  }

  /** Replaces the user's roles and bumps `authVersion`. */
  setRoles(id: string, roles: string[]): Promise<UserRecord | null> {
    return this.written(
      id,
      this.users.update(id, { roles: [...new Set(roles)], bumpAuthVersion: true }),
    );
  }

  /** Deactivates the user (no login, every session ends) and bumps `authVersion`. */
  deactivate(id: string): Promise<UserRecord | null> {
    return this.written(id, this.users.update(id, { isActive: false, bumpAuthVersion: true }));
  }

  /** Activates a deactivated user again (sessions ended by the deactivation stay ended). */
  activate(id: string): Promise<UserRecord | null> {
    return this.written(id, this.users.update(id, { isActive: true, bumpAuthVersion: true }));
  }

  /** Invalidates the cached user once a write has landed, in the same code path. */
  private async written(id: string, write: Promise<UserRecord | null>): Promise<UserRecord | null> {
    const user = await write;
    await this.cached?.invalidate(id);
    return user;
  }

  /**
   * Records a successful login time (not cached: no invalidation). With `returning` (the user's
   * `lastLoginAt` was already set when the login read it), the write joins a batch written within
   * `lastLoginBatchMs` (one UPDATE for many logins) instead of one UPDATE now: only the time moves,
   * and whether a user ever logged in (the new-client notice's test) is never in doubt, since a
   * first login is written at once.
   */
  recordLogin(
    id: string,
    at: Date = new Date(),
    options: { returning?: boolean } = {},
  ): Promise<void> {
    if (options.returning && this.lastLogins) {
      this.lastLogins.add(id, at);
      return Promise.resolve();
    }
    return this.users.recordLogin(id, at);
  }
}
