import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import type { PasskeyAssertion } from '../passkeys/passkey.service.js';
import { PasskeyService } from '../passkeys/passkey.service.js';
import type { Clock } from '../core/clock.js';
import { WARDEN_CLOCK } from '../core/clock.js';
import { SecurityEvents, WardenEvent } from '../core/security-events.js';
import { AttemptStore } from '../security/attempt.store.js';
import { LoginThrottle } from '../security/login-throttle.js';
import { counterDigest } from '../security/window-limit.js';
import { MfaSecretCipher } from './mfa-secret-cipher.js';
import { MfaStore } from './mfa.store.js';
import type { ResolvedMfaOptions } from './mfa.options.js';
import { WARDEN_MFA_OPTIONS } from './mfa.tokens.js';
import { hashRecoveryCode, normalizeRecoveryCode } from './recovery-codes.js';
import { matchTotp } from './totp.js';

/** A second-factor proof: a TOTP code, a recovery code, or a passkey assertion (exactly one). */
export type MfaProof =
  | { code: string; recoveryCode?: undefined; passkey?: undefined }
  | { recoveryCode: string; code?: undefined; passkey?: undefined }
  | { passkey: PasskeyAssertion; code?: undefined; recoveryCode?: undefined };

/** A TOTP step stays claimed this long: past the ±1 window in which its code is accepted. */
const REPLAY_TTL_MS = 4 * 30_000;

/**
 * Checks second-factor proofs. A TOTP code matches the user's secret within ±1 step and is then
 * claimed for its step in the attempt store (atomic, shared by every instance): a replay is
 * refused. A recovery code is deleted as it is used (of parallel uses one wins). Every check of
 * a signed-in or half-signed-in user counts on the account's login throttle like a password.
 */
@Injectable()
export class MfaCodes {
  private readonly logger = new Logger('WardenMfa');

  constructor(
    @Inject(WARDEN_MFA_OPTIONS) private readonly options: ResolvedMfaOptions,
    private readonly store: MfaStore,
    private readonly cipher: MfaSecretCipher,
    private readonly attempts: AttemptStore,
    private readonly throttle: LoginThrottle,
    private readonly events: SecurityEvents,
    @Inject(WARDEN_CLOCK) private readonly clock: Clock,
    @Optional() private readonly passkeys?: PasskeyService,
  ) {}

  /**
   * Checks `proof` for the user as one counted credential attempt (429 past the throttle's
   * limits). False (and `warden.mfa.failed`) when wrong or replayed.
   */
  async verify(
    user: { id: string; email: string },
    proof: MfaProof,
    ip: string | null,
    purpose: 'second-factor' | 'reauth' = 'second-factor',
  ): Promise<boolean> {
    if (proof.passkey !== undefined) {
      // Counted by the passkey check itself, on the same throttle.
      const verified = this.passkeys
        ? await this.passkeys.verify(proof.passkey, purpose, user, ip)
        : null;
      if (!verified) this.events.emit(WardenEvent.MFA_FAILED, { userId: user.id, ip });
      return verified !== null;
    }
    const ok = await this.throttle.check(user.email, ip, async () =>
      (await this.matches(user.id, proof)) ? true : null,
    );
    if (!ok) this.events.emit(WardenEvent.MFA_FAILED, { userId: user.id, ip });
    return ok === true;
  }

  /** A TOTP code against a given (pending) encrypted secret, with the replay claim. Uncounted. */
  async matchesSecret(userId: string, encryptedSecret: string, code: string): Promise<boolean> {
    const secret = this.decrypt(userId, encryptedSecret);
    if (secret === null) return false;
    const step = matchTotp(secret, code, this.clock.now());
    if (step === null) return false;
    return this.attempts.claimOnce(
      `m{u:${counterDigest(userId)}}:t:${step}`,
      REPLAY_TTL_MS,
      this.clock.now(),
    );
  }

  private async matches(userId: string, proof: MfaProof): Promise<boolean> {
    if (proof.passkey !== undefined) return false; // verified apart, above
    if (proof.recoveryCode !== undefined) {
      const normalized = normalizeRecoveryCode(proof.recoveryCode);
      if (!normalized) return false;
      const remaining = await this.store.useRecoveryCode(userId, hashRecoveryCode(normalized));
      if (remaining === null) return false;
      this.events.emit(WardenEvent.MFA_RECOVERY_CODE_USED, { userId, remaining });
      return true;
    }
    const factor = await this.store.getTotp(userId);
    if (!factor?.secret) return false;
    return this.matchesSecret(userId, factor.secret, proof.code);
  }

  private decrypt(userId: string, encrypted: string): string | null {
    try {
      return this.cipher.decrypt(encrypted, userId);
    } catch (error) {
      // A key removed from mfa.encryptionKeys too early: say so, never what the value was.
      this.logger.error(
        `The TOTP secret of user ${userId} cannot be decrypted with the configured keys (${this.options.encryptionKeys.length}): ${(error as Error).message}`,
      );
      return null;
    }
  }
}
