/**
 * Stable, machine-readable error codes carried in the `code` field of every error body
 * nest-warden produces. Codes are public API: they never change meaning once released.
 */
export const WardenErrorCode = {
  /** 400: the password breaks the policy (length, common password). */
  PASSWORD_POLICY: 'PASSWORD_POLICY',
  /**
   * 400: the body is malformed: not JSON, unknown or missing fields, wrong types, nested too
   * deeply.
   */
  VALIDATION_FAILED: 'VALIDATION_FAILED',
  /** 400: the email holds an invisible, default-ignorable or bidi-control character. */
  EMAIL_INVALID: 'EMAIL_INVALID',
  /** 409: an account with this (normalised) email, or one that looks like it, already exists. */
  EMAIL_TAKEN: 'EMAIL_TAKEN',
  /**
   * 413: the request body is larger than `AuthModule`'s `maxBodyBytes` (16384 by default) or the
   * body parser's own limit.
   */
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  /** 415: the request body is not `application/json`. */
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  /** 404: `GET /.well-known/jwks.json` with symmetric (HS256) access tokens: no public key. */
  JWKS_UNAVAILABLE: 'JWKS_UNAVAILABLE',
  /** 401: unknown email, wrong password or deactivated user: one answer for all. */
  INVALID_CREDENTIALS: 'INVALID_CREDENTIALS',
  /** 401: no session, or a bad, expired or revoked one. */
  SESSION_INVALID: 'SESSION_INVALID',
  /** 403: signed in, but without a required role. */
  FORBIDDEN_ROLE: 'FORBIDDEN_ROLE',
  /** 404: no such session among the caller's. */
  SESSION_NOT_FOUND: 'SESSION_NOT_FOUND',
  /** 401: the current password given to a password change is wrong. */
  INVALID_PASSWORD: 'INVALID_PASSWORD',
  /** 409: another password change of the account landed first; this one changed nothing. */
  PASSWORD_CHANGE_CONFLICT: 'PASSWORD_CHANGE_CONFLICT',
  /** 403: missing or wrong `X-CSRF-Token`, or a cross-site request. */
  CSRF_INVALID: 'CSRF_INVALID',
  /** 429: too many failed credential attempts for this account or client; see Retry-After. */
  TOO_MANY_ATTEMPTS: 'TOO_MANY_ATTEMPTS',
  /**
   * 429: too many failed passwords on this account without a success; password login needs a
   * reset or an administrator's unlock (clients known to the account are spared).
   */
  ACCOUNT_LOCKED: 'ACCOUNT_LOCKED',
  /**
   * 400: an account token (verification, reset, email change) is unknown, used, expired, of
   * another purpose, or no longer matches the account (password or address changed since).
   */
  TOKEN_INVALID: 'TOKEN_INVALID',
  /** 403: the password is right but the address is not verified yet (`emailVerification: 'required'`). */
  EMAIL_NOT_VERIFIED: 'EMAIL_NOT_VERIFIED',
  /** 401: a wrong, replayed or used MFA code (TOTP or recovery code), or no pending MFA login. */
  MFA_INVALID: 'MFA_INVALID',
  /**
   * 400 (registration) or 401 (login, second factor, step-up): the passkey response does not
   * verify: wrong origin or RP ID, a used or foreign challenge, an unknown or deleted passkey, a
   * bad signature, or a signature counter that went back (a cloned authenticator).
   */
  PASSKEY_INVALID: 'PASSKEY_INVALID',
  /** 404: no such passkey among the caller's. */
  PASSKEY_NOT_FOUND: 'PASSKEY_NOT_FOUND',
  /** 403: an administrator may not remove its own admin role or deactivate itself. */
  SELF_LOCKOUT: 'SELF_LOCKOUT',
  /** 404: no such user. */
  USER_NOT_FOUND: 'USER_NOT_FOUND',
  /**
   * 409: TOTP is already on: a new secret would replace the factor without proving it; turn it
   * off first (`POST /auth/mfa/disable` with a code or a recovery code), then set up again.
   */
  MFA_ALREADY_ENABLED: 'MFA_ALREADY_ENABLED',
  /** 403: the route needs a user with multi-factor authentication on. */
  MFA_REQUIRED: 'MFA_REQUIRED',
  /** 403: the operation needs a recent password (or MFA, passkey) step: `POST /auth/reauth`. */
  REAUTH_REQUIRED: 'REAUTH_REQUIRED',
  /** 503: a backing service (database, Redis) failed or timed out. */
  SERVICE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  /** 503: the password-hashing queue is full or its wait deadline passed. */
  HASHING_BUSY: 'HASHING_BUSY',
} as const;

/** One of the values of {@link WardenErrorCode}. */
export type WardenErrorCode = (typeof WardenErrorCode)[keyof typeof WardenErrorCode];
