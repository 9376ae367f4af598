import { HttpException } from '@nestjs/common';
import { WardenErrorCode } from './error-codes.js';
import type { WardenErrorBody } from './warden.exceptions.js';

/** Express body-parser `type`s and Fastify content-parser `code`s, by the answer they get. */
const FAILURES: Record<string, Omit<WardenErrorBody, 'statusCode'> & { statusCode: number }> = {
  'entity.parse.failed': malformed(),
  FST_ERR_CTP_INVALID_JSON_BODY: malformed(),
  FST_ERR_CTP_EMPTY_JSON_BODY: malformed(),
  'entity.too.large': tooLarge(),
  FST_ERR_CTP_BODY_TOO_LARGE: tooLarge(),
  'encoding.unsupported': unsupported(),
  'charset.unsupported': unsupported(),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: unsupported(),
};

/** The 413 of a body over the limit, whoever refuses it (a parser, `declaredBodyLimit`). */
export function tooLarge() {
  return {
    statusCode: 413,
    error: 'Payload Too Large',
    code: WardenErrorCode.PAYLOAD_TOO_LARGE,
    message: 'Request body is too large',
  };
}

function malformed() {
  return {
    statusCode: 400,
    error: 'Bad Request',
    code: WardenErrorCode.VALIDATION_FAILED,
    // Never the parser's message: it quotes the body, which may hold a password.
    message: 'Malformed JSON body',
  };
}

function unsupported() {
  return {
    statusCode: 415,
    error: 'Unsupported Media Type',
    code: WardenErrorCode.UNSUPPORTED_MEDIA_TYPE,
    message: 'Content-Type must be application/json',
  };
}

/**
 * The warden error body for an exception that a body parser threw before routing (Nest maps
 * these to an `HttpException` whose `cause` is the parser's error), or `undefined` for any
 * other exception.
 */
export function bodyParseFailure(exception: unknown): WardenErrorBody | undefined {
  if (!(exception instanceof HttpException)) return undefined;
  const cause = exception.cause as { type?: unknown; code?: unknown } | undefined;
  if (!cause || typeof cause !== 'object') return undefined;
  const key = typeof cause.type === 'string' ? cause.type : cause.code;
  const failure = typeof key === 'string' ? FAILURES[key] : undefined;
  return failure && failure.statusCode === exception.getStatus() ? { ...failure } : undefined;
}

/**
 * For `@Catch()`: `instanceof BodyParseFailure` holds exactly for the exceptions
 * {@link bodyParseFailure} recognises, so a filter catching it leaves every other exception to
 * the host app's filters.
 */
export abstract class BodyParseFailure {
  static [Symbol.hasInstance](value: unknown): boolean {
    return bodyParseFailure(value) !== undefined;
  }
}
