import {
  assertSecretsLength,
  assertSecretsPresent,
  GENERATE_SECRET,
} from '../core/option-checks.js';

/** Options of access tokens (JWT). */
export interface AccessTokenOptions {
  /** `HS256` (shared secrets) or `ES256` (P-256 key pairs, public keys at a JWKS). @default 'HS256' */
  algorithm?: 'HS256' | 'ES256';
  /** HS256 secrets, newest first: the first signs, all verify (by `kid`). Each ≥ 32 chars. */
  secrets?: string[];
  /** ES256 private keys (PEM), newest first: the first signs, all verify (by `kid`). */
  privateKeys?: string[];
  /** `iss` claim, checked on verification. @default 'nest-warden' */
  issuer?: string;
  /** `aud` claim, checked on verification. @default 'nest-warden' */
  audience?: string;
  /** Lifetime in seconds. @default 900 */
  ttlSeconds?: number;
  /** Clock leeway on `exp`/`iat` in seconds, at most 60. @default 30 */
  clockToleranceSeconds?: number;
}

/** {@link AccessTokenOptions} with every default applied. */
export type ResolvedAccessTokenOptions = Required<AccessTokenOptions>;

/** Applies defaults; a plain `Error` at boot for unusable settings. */
export function resolveAccessTokenOptions(options: AccessTokenOptions): ResolvedAccessTokenOptions {
  const resolved: ResolvedAccessTokenOptions = {
    algorithm: options.algorithm ?? 'HS256',
    secrets: options.secrets ?? [],
    privateKeys: options.privateKeys ?? [],
    issuer: options.issuer ?? 'nest-warden',
    audience: options.audience ?? 'nest-warden',
    ttlSeconds: options.ttlSeconds ?? 900,
    clockToleranceSeconds: options.clockToleranceSeconds ?? 30,
  };
  if (resolved.algorithm === 'ES256') {
    assertSecretsPresent(
      'tokens.privateKeys',
      options.privateKeys,
      'ES256 needs at least one P-256 private key in PEM, newest first, e.g. privateKeys: [process.env.JWT_PRIVATE_KEY] with JWT_PRIVATE_KEY set (generate one with `openssl ecparam -name prime256v1 -genkey -noout | openssl pkcs8 -topk8 -nocrypt`)',
    );
  } else if (resolved.algorithm === 'HS256') {
    assertSecretsPresent(
      'tokens.secrets',
      options.secrets,
      `HS256 needs at least one random secret of 32+ characters, newest first, e.g. secrets: [process.env.JWT_SECRET] with JWT_SECRET set (generate one with ${GENERATE_SECRET}), or algorithm: 'ES256' with privateKeys`,
    );
    assertSecretsLength('tokens.secrets', resolved.secrets, 32);
  } else {
    throw new Error(
      `Access token algorithm must be HS256 or ES256, got ${String(resolved.algorithm)}`,
    );
  }
  if (!Number.isInteger(resolved.ttlSeconds) || resolved.ttlSeconds < 1) {
    throw new Error('Access token ttlSeconds must be a positive integer: tokens always expire');
  }
  if (resolved.clockToleranceSeconds < 0 || resolved.clockToleranceSeconds > 60) {
    throw new Error('Access token clockToleranceSeconds must be between 0 and 60');
  }
  return resolved;
}
