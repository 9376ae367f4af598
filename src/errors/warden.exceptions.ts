import {
  NotFoundException as NestNotFoundException,
  ForbiddenException as NestForbiddenException,
  UnauthorizedException as NestUnauthorizedException,
  ConflictException as NestConflictException,
  BadRequestException as NestBadRequestException,
  ServiceUnavailableException as NestServiceUnavailableException,
  UnsupportedMediaTypeException as NestUnsupportedMediaTypeException,
  PayloadTooLargeException as NestPayloadTooLargeException,
  HttpException as NestHttpException,
} from '@nestjs/common';
import { WardenErrorCode } from './error-codes.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type ExceptionClass = abstract new (...args: any[]) => NestHttpException;

/**
 * `Base` whose instances skip V8's stack capture. Every nest-warden error is an expected answer
 * (bad input, no session, a throttle, a backing service down), never a bug: a stack trace would
 * never be printed (Nest logs stacks for 500s only), yet capturing one costs ~30 µs, a large share
 * of what a rejected request costs (bench/results.md, "Rejections"). Instances are still
 * `instanceof` Nest's class, so host apps' filters see `BadRequestException` and so on.
 */
function withoutStack<T extends ExceptionClass>(Base: T): T {
  abstract class Quiet extends Base {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    constructor(...args: any[]) {
      const limit = Error.stackTraceLimit;
      Error.stackTraceLimit = 0;
      try {
        super(...args);
      } finally {
        Error.stackTraceLimit = limit;
      }
    }
  }
  return Quiet;
}

const NotFoundException = withoutStack(NestNotFoundException);
const ForbiddenException = withoutStack(NestForbiddenException);
const UnauthorizedException = withoutStack(NestUnauthorizedException);
const ConflictException = withoutStack(NestConflictException);
const BadRequestException = withoutStack(NestBadRequestException);
const ServiceUnavailableException = withoutStack(NestServiceUnavailableException);
const UnsupportedMediaTypeException = withoutStack(NestUnsupportedMediaTypeException);
const PayloadTooLargeException = withoutStack(NestPayloadTooLargeException);
const HttpException = withoutStack(NestHttpException);

/** The JSON body of every nest-warden error: Nest's shape plus a stable `code`. */
export interface WardenErrorBody {
  statusCode: number;
  message: string;
  error: string;
  code: WardenErrorCode;
}

function body(statusCode: number, error: string, code: WardenErrorCode, message: string) {
  return { statusCode, message, error, code } satisfies WardenErrorBody;
}

/**
 * 400 `VALIDATION_FAILED`: unknown or missing fields, wrong types, or a body nested too deeply.
 * `message` lists what is wrong (Nest's validation messages), never a submitted value.
 */
export class ValidationFailedException extends BadRequestException {
  constructor(message: string | string[]) {
    super({
      statusCode: 400,
      message,
      error: 'Bad Request',
      code: WardenErrorCode.VALIDATION_FAILED,
    });
  }
}

/** 400: the password breaks the password policy. The message says which rule. */
export class PasswordPolicyException extends BadRequestException {
  constructor(message: string) {
    super(body(400, 'Bad Request', WardenErrorCode.PASSWORD_POLICY, message));
  }
}

/** 400 `EMAIL_INVALID`: the email is unusable as typed (invisible characters). */
export class EmailInvalidException extends BadRequestException {
  constructor(message: string) {
    super(body(400, 'Bad Request', WardenErrorCode.EMAIL_INVALID, message));
  }
}

/** 400 `TOKEN_INVALID`: see {@link WardenErrorCode.TOKEN_INVALID}. One answer for every reason. */
export class TokenInvalidException extends BadRequestException {
  constructor() {
    super(body(400, 'Bad Request', WardenErrorCode.TOKEN_INVALID, 'Invalid or expired token'));
  }
}

/** 403 `EMAIL_NOT_VERIFIED`: right password, unverified address; no session, no token. */
export class EmailNotVerifiedException extends ForbiddenException {
  constructor() {
    super(
      body(
        403,
        'Forbidden',
        WardenErrorCode.EMAIL_NOT_VERIFIED,
        'Verify your email address first: follow the link we sent you',
      ),
    );
  }
}

/** 401 `MFA_INVALID`: see {@link WardenErrorCode.MFA_INVALID}; one answer for every reason. */
export class MfaInvalidException extends UnauthorizedException {
  constructor() {
    super(body(401, 'Unauthorized', WardenErrorCode.MFA_INVALID, 'Invalid authentication code'));
  }
}

/** 400 or 401 `PASSKEY_INVALID`: see {@link WardenErrorCode.PASSKEY_INVALID}; one answer for all. */
export class PasskeyInvalidException extends HttpException {
  constructor(status: 400 | 401 = 401) {
    super(
      body(
        status,
        status === 400 ? 'Bad Request' : 'Unauthorized',
        WardenErrorCode.PASSKEY_INVALID,
        'The passkey could not be verified',
      ),
      status,
    );
  }
}

/** 404 `PASSKEY_NOT_FOUND`: no such passkey among the caller's. */
export class PasskeyNotFoundException extends NotFoundException {
  constructor() {
    super(body(404, 'Not Found', WardenErrorCode.PASSKEY_NOT_FOUND, 'Passkey not found'));
  }
}

/** 403 `SELF_LOCKOUT`: an administrator may not lock itself out. */
export class SelfLockoutException extends ForbiddenException {
  constructor() {
    super(
      body(
        403,
        'Forbidden',
        WardenErrorCode.SELF_LOCKOUT,
        'An administrator cannot remove its own admin role or deactivate itself',
      ),
    );
  }
}

/** 404 `USER_NOT_FOUND`. */
export class UserNotFoundException extends NotFoundException {
  constructor() {
    super(body(404, 'Not Found', WardenErrorCode.USER_NOT_FOUND, 'User not found'));
  }
}

/** 409 `MFA_ALREADY_ENABLED`: see {@link WardenErrorCode.MFA_ALREADY_ENABLED}. */
export class MfaAlreadyEnabledException extends ConflictException {
  constructor() {
    super(
      body(
        409,
        'Conflict',
        WardenErrorCode.MFA_ALREADY_ENABLED,
        'Multi-factor authentication is on: turn it off with a code first, then set it up again',
      ),
    );
  }
}

/** 403 `MFA_REQUIRED`: the route is for users with multi-factor authentication on. */
export class MfaRequiredException extends ForbiddenException {
  constructor() {
    super(
      body(
        403,
        'Forbidden',
        WardenErrorCode.MFA_REQUIRED,
        'Turn on multi-factor authentication first: POST /auth/mfa/totp/setup',
      ),
    );
  }
}

/** 403 `REAUTH_REQUIRED`: the session's last credential step is older than allowed. */
export class ReauthRequiredException extends ForbiddenException {
  constructor() {
    super(
      body(
        403,
        'Forbidden',
        WardenErrorCode.REAUTH_REQUIRED,
        'Confirm it is you first: POST /auth/reauth',
      ),
    );
  }
}

/** 409: the email, or an address that looks like it (same confusable skeleton), is registered. */
export class EmailTakenException extends ConflictException {
  constructor() {
    super(body(409, 'Conflict', WardenErrorCode.EMAIL_TAKEN, 'Email already registered'));
  }
}

/**
 * 409 `PASSWORD_CHANGE_CONFLICT`: another password change of the same account landed while this
 * one was in progress; nothing was changed by this request.
 */
export class PasswordChangeConflictException extends ConflictException {
  constructor() {
    super(
      body(
        409,
        'Conflict',
        WardenErrorCode.PASSWORD_CHANGE_CONFLICT,
        'The password was changed by another request at the same time; sign in again with the new password',
      ),
    );
  }
}

/** 413 `PAYLOAD_TOO_LARGE`: the body is larger than the configured limit. */
export class BodyTooLargeException extends PayloadTooLargeException {
  constructor(maxBodyBytes: number) {
    super(
      body(
        413,
        'Payload Too Large',
        WardenErrorCode.PAYLOAD_TOO_LARGE,
        `Request body must be at most ${maxBodyBytes} bytes`,
      ),
    );
  }
}

/** 415: the body is not JSON. */
export class JsonOnlyException extends UnsupportedMediaTypeException {
  constructor() {
    super(
      body(
        415,
        'Unsupported Media Type',
        WardenErrorCode.UNSUPPORTED_MEDIA_TYPE,
        'Content-Type must be application/json',
      ),
    );
  }
}

/** A backing service whose failure answers 503: Redis, the SQL database, the mail server. */
export type WardenBackend = 'redis' | 'database' | 'smtp';

/**
 * 503 with `Retry-After`: a backing service is down or too slow, or the hashing queue is full.
 * {@link WardenExceptionFilter} turns `retryAfterSeconds` into the `Retry-After` header.
 */
export class WardenUnavailableException extends ServiceUnavailableException {
  /** Seconds the client should wait before retrying. */
  readonly retryAfterSeconds: number;

  /** The backing service that failed (`warden_backend_errors_total{service}`); none: hashing busy. */
  readonly service?: WardenBackend;

  constructor(
    message: string,
    options: {
      code?: WardenErrorCode;
      retryAfterSeconds?: number;
      cause?: unknown;
      service?: WardenBackend;
    } = {},
  ) {
    super(
      body(
        503,
        'Service Unavailable',
        options.code ?? WardenErrorCode.SERVICE_UNAVAILABLE,
        message,
      ),
      { cause: options.cause },
    );
    this.retryAfterSeconds = options.retryAfterSeconds ?? 1;
    this.service = options.service;
  }
}

/**
 * 429 `TOO_MANY_ATTEMPTS` with `Retry-After`: too many failed credential attempts. The same
 * answer whether the account exists or not.
 */
export class TooManyAttemptsException extends HttpException {
  constructor(
    readonly retryAfterSeconds: number,
    code: WardenErrorCode = WardenErrorCode.TOO_MANY_ATTEMPTS,
    message = 'Too many failed attempts; try again later',
  ) {
    super(body(429, 'Too Many Requests', code, message), 429);
  }
}

/**
 * 429 `ACCOUNT_LOCKED` with `Retry-After`: too many failed passwords on this account without a
 * success; password login needs a password reset or an administrator's unlock. The same answer
 * whether the account exists or not.
 */
export class AccountLockedException extends TooManyAttemptsException {
  constructor(retryAfterSeconds: number) {
    super(
      retryAfterSeconds,
      WardenErrorCode.ACCOUNT_LOCKED,
      'Too many failed attempts on this account: reset the password or ask an administrator to unlock it',
    );
  }
}

/** 401 `INVALID_CREDENTIALS`: the same body for an unknown email, a wrong password, a deactivated user. */
export class InvalidCredentialsException extends UnauthorizedException {
  constructor() {
    super(
      body(401, 'Unauthorized', WardenErrorCode.INVALID_CREDENTIALS, 'Invalid email or password'),
    );
  }
}

/** 401 `SESSION_INVALID`: no credential, or a bad, expired or revoked one. */
export class SessionInvalidException extends UnauthorizedException {
  constructor() {
    super(body(401, 'Unauthorized', WardenErrorCode.SESSION_INVALID, 'Authentication required'));
  }
}

/** 403 `CSRF_INVALID`. */
export class CsrfInvalidException extends ForbiddenException {
  constructor() {
    super(body(403, 'Forbidden', WardenErrorCode.CSRF_INVALID, 'Missing or invalid CSRF token'));
  }
}

/** 403 `FORBIDDEN_ROLE`: authenticated, but not allowed. */
export class ForbiddenRoleException extends ForbiddenException {
  constructor() {
    super(body(403, 'Forbidden', WardenErrorCode.FORBIDDEN_ROLE, 'Insufficient role'));
  }
}

/** 404 `SESSION_NOT_FOUND`: not one of the caller's sessions. */
export class SessionNotFoundException extends NotFoundException {
  constructor() {
    super(body(404, 'Not Found', WardenErrorCode.SESSION_NOT_FOUND, 'Session not found'));
  }
}

/** 401 `INVALID_PASSWORD`: the current password is wrong. */
export class InvalidPasswordException extends UnauthorizedException {
  constructor() {
    super(
      body(401, 'Unauthorized', WardenErrorCode.INVALID_PASSWORD, 'Current password is incorrect'),
    );
  }
}

/** 404 `JWKS_UNAVAILABLE`: access tokens are symmetric (HS256), so there is no public key. */
export class JwksUnavailableException extends NotFoundException {
  constructor() {
    super(
      body(
        404,
        'Not Found',
        WardenErrorCode.JWKS_UNAVAILABLE,
        'No public keys: access tokens are symmetric or disabled',
      ),
    );
  }
}
