import type { MfaStore } from './mfa.store.js';

/**
 * TOTP multi-factor authentication (`AuthModule` option `mfa`): enrolment with recovery codes,
 * the MFA step of password logins, and step-up by code. Mounting it adds `/auth/mfa/*`,
 * `POST /auth/login/mfa` and (with tokens) `POST /auth/token/mfa`.
 */
export interface MfaOptions {
  /** Where factors and recovery-code hashes live: `new TypeOrmMfaStore(dataSource)`. */
  store: MfaStore;
  /**
   * Keys that encrypt TOTP secrets at rest (AES-256-GCM), newest first, each ≥ 32 characters:
   * the first encrypts, all decrypt, so a key rotates without re-enrolment.
   */
  encryptionKeys: string[];
  /** How long a password login waits for its code, in seconds. @default 300 */
  pendingTtlSeconds?: number;
  /** Codes a pending login may try before it ends. @default 5 */
  maxCodeAttempts?: number;
  /** The issuer shown by authenticator apps. @default 'nest-warden' */
  issuer?: string;
}

/** {@link MfaOptions} with every default applied. */
export type ResolvedMfaOptions = Required<MfaOptions>;

/** Applies defaults and checks values; a bad one is a boot error saying how to fix it. */
export function resolveMfaOptions(options: MfaOptions): ResolvedMfaOptions {
  if (!options.store) throw new Error('AuthModule option mfa.store is required');
  const resolved: ResolvedMfaOptions = {
    ...options,
    pendingTtlSeconds: options.pendingTtlSeconds ?? 300,
    maxCodeAttempts: options.maxCodeAttempts ?? 5,
    issuer: options.issuer ?? 'nest-warden',
  };
  for (const key of ['pendingTtlSeconds', 'maxCodeAttempts'] as const) {
    const value = resolved[key];
    if (!Number.isInteger(value) || value < 1) {
      throw new Error(`mfa.${key} must be a positive integer, got ${String(value)}`);
    }
  }
  return resolved;
}
