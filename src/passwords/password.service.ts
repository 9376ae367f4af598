import { Inject, Injectable, Logger } from '@nestjs/common';
import * as argon2 from 'argon2';
import { randomBytes } from 'node:crypto';
import { WardenErrorCode } from '../errors/error-codes.js';
import { WardenUnavailableException } from '../errors/warden.exceptions.js';
import { Bulkhead, BulkheadRejectedError } from './bulkhead.js';
import { assertPasswordPolicy, normalizePassword } from './password-policy.js';
import { BreachedPasswords } from './breached-passwords.js';
import { PasswordPolicyException } from '../errors/warden.exceptions.js';
import type { ResolvedPasswordOptions } from './password.options.js';
import { WARDEN_PASSWORD_OPTIONS } from './password.tokens.js';

/** Outcome of {@link PasswordService.verify}. */
export interface PasswordVerification {
  /** The password matches the hash. */
  valid: boolean;
  /** The hash was made with other parameters than the configured ones: rewrite it. */
  needsRehash: boolean;
}

/**
 * Argon2id hashing with tunable cost, a password policy, and a bulkhead: at most
 * `maxConcurrent` hashes in flight, a bounded queue with a deadline, and a 503
 * (`HASHING_BUSY`, `Retry-After`) past either, so a login flood can neither saturate the CPU
 * and the libuv threadpool nor grow memory without bound.
 */
@Injectable()
export class PasswordService {
  private readonly logger = new Logger('Warden');
  private readonly bulkhead: Bulkhead;
  private dummyHash?: Promise<string>;
  private readonly breached: BreachedPasswords | null;

  constructor(@Inject(WARDEN_PASSWORD_OPTIONS) readonly options: ResolvedPasswordOptions) {
    this.bulkhead = new Bulkhead(options.maxConcurrent, options.maxQueued, options.queueDeadlineMs);
    this.breached = options.breachedPasswordsUrl
      ? new BreachedPasswords(options.breachedPasswordsUrl, options.breachedPasswordsTimeoutMs)
      : null;
  }

  /**
   * Throws `PasswordPolicyException` (400) if the password breaks the policy (length, common,
   * the email, zxcvbn strength with the email and `userInputs` as known words). Synchronous.
   */
  assertPolicy(password: string, email?: string, userInputs: string[] = []): void {
    assertPasswordPolicy(password, this.options, email, userInputs);
  }

  /**
   * The whole check of a NEW password (register, change, reset): the policy, then, when
   * configured, the breached-password range API. Never on login.
   */
  async assertAcceptable(password: string, email?: string, userInputs: string[] = []) {
    this.assertPolicy(password, email, userInputs);
    if (this.breached && (await this.breached.isBreached(password))) {
      throw new PasswordPolicyException(
        'Password appears in a known data breach: choose another one that you use nowhere else',
      );
    }
  }

  /** Argon2id PHC string of the NFKC-normalised password, 16-byte random salt. */
  hash(password: string): Promise<string> {
    return this.limited(() =>
      argon2.hash(normalizePassword(password), { ...this.argonOptions(), salt: randomBytes(16) }),
    );
  }

  /** Verifies in constant time (argon2) and says whether the hash should be upgraded. */
  async verify(hash: string, password: string): Promise<PasswordVerification> {
    const valid = await this.limited(async () => {
      try {
        return await argon2.verify(hash, normalizePassword(password));
      } catch {
        this.logger.warn('Stored password hash could not be parsed; treating as a mismatch');
        return false;
      }
    });
    return { valid, needsRehash: valid && argon2.needsRehash(hash, this.argonOptions()) };
  }

  /**
   * Spends the same work as a real verification, against a hash of a random secret made with
   * the configured parameters, so that an unknown account answers in the same time as a
   * wrong password. Always resolves `false`.
   */
  async verifyDummy(password: string): Promise<false> {
    this.dummyHash ??= this.hash(`warden-dummy-${process.hrtime.bigint()}-${Math.random()}`);
    const hash = await this.dummyHash.catch((error: unknown) => {
      this.dummyHash = undefined;
      throw error;
    });
    await this.verify(hash, password);
    return false;
  }

  /**
   * Hashes in flight and waiting now, and hashes refused (503 `HASHING_BUSY`) since start, for
   * metrics.
   */
  get load(): { active: number; waiting: number; rejected: number } {
    const { active, waiting, rejected } = this.bulkhead;
    return { active, waiting, rejected };
  }

  private argonOptions() {
    return {
      type: argon2.argon2id,
      memoryCost: this.options.memoryCostKib,
      timeCost: this.options.timeCost,
      parallelism: this.options.parallelism,
    } as const;
  }

  private async limited<T>(task: () => Promise<T>): Promise<T> {
    try {
      return await this.bulkhead.run(task);
    } catch (error) {
      if (error instanceof BulkheadRejectedError) {
        throw new WardenUnavailableException('Too many password operations; retry shortly', {
          code: WardenErrorCode.HASHING_BUSY,
          retryAfterSeconds: 2,
        });
      }
      throw error;
    }
  }
}
