import { Inject, Injectable } from '@nestjs/common';
import type { Clock } from '../core/clock.js';
import { WARDEN_CLOCK } from '../core/clock.js';
import { SecurityEvents, WardenEvent } from '../core/security-events.js';
import {
  MfaAlreadyEnabledException,
  MfaInvalidException,
  SessionInvalidException,
} from '../errors/warden.exceptions.js';
import type { ActiveSession } from '../session/session.service.js';
import { SessionService } from '../session/session.service.js';
import type { CachedUser } from '../users/user-cache.js';
import { UsersService } from '../users/users.service.js';
import type { MfaProof } from './mfa-codes.js';
import { MfaCodes } from './mfa-codes.js';
import { MfaSecretCipher } from './mfa-secret-cipher.js';
import { MfaStore } from './mfa.store.js';
import type { ResolvedMfaOptions } from './mfa.options.js';
import { WARDEN_MFA_OPTIONS } from './mfa.tokens.js';
import {
  generateRecoveryCodes,
  hashRecoveryCode,
  normalizeRecoveryCode,
} from './recovery-codes.js';
import { generateTotpSecret, totpQrSvg, totpUri } from './totp.js';
import { LoginThrottle } from '../security/login-throttle.js';

/** What `POST /auth/mfa/totp/setup` answers: the only time the secret leaves the server. */
export interface TotpSetup {
  secret: string;
  otpauthUrl: string;
  /** The `otpauthUrl` as an SVG QR code, for a setup page to show. */
  qrCodeSvg: string;
}

/** A change of the second factor: what to answer, and the caller's new cookie value if any. */
export interface MfaChange<T> {
  result: T;
  /** The caller's cookie session moved to a new id: send it (null for a bearer caller). */
  rotatedToken: string | null;
}

/**
 * Enrolment and removal of TOTP with recovery codes. Turning MFA on or off ends every other
 * session and refresh token of the user and moves the caller's cookie session to a new id (no
 * grace); the secret is encrypted at rest and leaves the server once, in the setup answer.
 */
@Injectable()
export class MfaService {
  constructor(
    @Inject(WARDEN_MFA_OPTIONS) private readonly options: ResolvedMfaOptions,
    private readonly store: MfaStore,
    private readonly cipher: MfaSecretCipher,
    private readonly codes: MfaCodes,
    private readonly users: UsersService,
    private readonly sessions: SessionService,
    private readonly throttle: LoginThrottle,
    private readonly events: SecurityEvents,
    @Inject(WARDEN_CLOCK) private readonly clock: Clock,
  ) {}

  /**
   * A new pending secret (replacing a pending one); MFA is on only once it is confirmed. 409
   * `MFA_ALREADY_ENABLED` while it is on: replacing the factor needs the factor (disable first).
   */
  async setup(user: CachedUser): Promise<TotpSetup> {
    if (user.mfaEnabled) throw new MfaAlreadyEnabledException();
    const secret = generateTotpSecret();
    await this.store.setPendingTotp(
      user.id,
      this.cipher.encrypt(secret, user.id),
      this.clock.now(),
    );
    const otpauthUrl = totpUri({ secret, issuer: this.options.issuer, account: user.email });
    return { secret, otpauthUrl, qrCodeSvg: await totpQrSvg(otpauthUrl) };
  }

  /**
   * Confirms the pending secret with a code from it (counted like a password): MFA is on, ten
   * new recovery codes (shown once), every other session ends. 401 `MFA_INVALID` when wrong or
   * when nothing is pending.
   */
  async confirm(
    user: CachedUser,
    session: ActiveSession | undefined,
    code: string,
    ip: string | null,
  ): Promise<MfaChange<string[]>> {
    if (user.mfaEnabled) throw new MfaAlreadyEnabledException();
    const factor = await this.store.getTotp(user.id);
    const pending = factor?.pending;
    const matched = await this.throttle.check(user.email, ip, async () =>
      pending && (await this.codes.matchesSecret(user.id, pending, code)) ? true : null,
    );
    if (!matched || !pending) {
      this.events.emit(WardenEvent.MFA_FAILED, { userId: user.id, ip });
      throw new MfaInvalidException();
    }
    if (!(await this.store.activateTotp(user.id, pending, this.clock.now()))) {
      throw new MfaInvalidException(); // another confirmation or setup won
    }
    const recoveryCodes = await this.newRecoveryCodes(user.id);
    await this.users.setMfaEnabled(user.id, true);
    const rotatedToken = await this.secureSessions(user.id, session, 'mfa-enabled');
    this.events.emit(WardenEvent.MFA_ENROLLED, { userId: user.id });
    return { result: recoveryCodes, rotatedToken };
  }

  /** Ten new recovery codes; the previous set dies. */
  async regenerateRecoveryCodes(user: CachedUser): Promise<string[]> {
    if (!user.mfaEnabled) throw new MfaInvalidException();
    const codes = await this.newRecoveryCodes(user.id);
    this.events.emit(WardenEvent.MFA_RECOVERY_CODES_REGENERATED, { userId: user.id });
    return codes;
  }

  /**
   * Turns MFA off after a TOTP or recovery code (counted like a password); every other session
   * ends. 401 `MFA_INVALID` when wrong.
   */
  async disable(
    user: CachedUser,
    session: ActiveSession | undefined,
    proof: MfaProof,
    ip: string | null,
  ): Promise<MfaChange<void>> {
    if (!user.mfaEnabled || !(await this.codes.verify(user, proof, ip))) {
      throw new MfaInvalidException();
    }
    await this.store.removeTotp(user.id);
    await this.store.deleteRecoveryCodes(user.id);
    await this.users.setMfaEnabled(user.id, false);
    const rotatedToken = await this.secureSessions(user.id, session, 'mfa-disabled');
    this.events.emit(WardenEvent.MFA_DISABLED, { userId: user.id });
    return { result: undefined, rotatedToken };
  }

  /**
   * An administrator's reset for a user who lost their device: MFA off, secret and recovery
   * codes gone, every session and refresh token of the user ended.
   */
  async reset(userId: string): Promise<void> {
    await this.store.removeTotp(userId);
    await this.store.deleteRecoveryCodes(userId);
    await this.users.setMfaEnabled(userId, false);
    await this.secureSessions(userId, undefined, 'mfa-reset');
  }

  private async newRecoveryCodes(userId: string): Promise<string[]> {
    const codes = generateRecoveryCodes();
    const hashes = codes.map((code) => hashRecoveryCode(normalizeRecoveryCode(code)!));
    await this.store.replaceRecoveryCodes(userId, hashes);
    return codes;
  }

  /** Every other session and refresh token ends; a cookie caller's session takes a new id. */
  private async secureSessions(
    userId: string,
    session: ActiveSession | undefined,
    reason: string,
  ): Promise<string | null> {
    let rotatedToken: string | null = null;
    let keep = session?.handle;
    if (session && session.kind !== 'token') {
      const rotated = await this.sessions.rotate(session, {}, { reauthenticated: true });
      if (!rotated) throw new SessionInvalidException();
      rotatedToken = rotated.token;
      keep = rotated.session.handle;
    }
    for (const old of await this.sessions.revokeAll(userId, { except: keep })) {
      this.events.emit(WardenEvent.SESSION_REVOKED, { userId, sessionId: old.handle, reason });
    }
    return rotatedToken;
  }
}
