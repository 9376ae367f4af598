import type { ArgumentsHost, ExceptionFilter } from '@nestjs/common';
import type { HttpException } from '@nestjs/common';
import { Catch, Logger, Optional } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { BodyParseFailure, bodyParseFailure } from './body-parse-failure.js';
import { WardenErrorObserver } from './warden-error.observer.js';
import { TooManyAttemptsException, WardenUnavailableException } from './warden.exceptions.js';

/**
 * Sets `Retry-After` on nest-warden's 503s and 429s, and logs the 503s' cause (never a value
 * that came from the request). Also gives the errors of the body parsers, which fail before any
 * route runs, a warden body with its `code` (malformed JSON: 400 `VALIDATION_FAILED`, too large:
 * 413 `PAYLOAD_TOO_LARGE`, unsupported encoding or media type: 415 `UNSUPPORTED_MEDIA_TYPE`) and
 * a message that never quotes the body. Catches only those: every other error, the host app's
 * included, goes to the host app's filters or Nest's default. Registered by `AuthModule` as an
 * `APP_FILTER`, so host apps need not install it. Tells the optional {@link WardenErrorObserver} of
 * each 503 (the metrics).
 */
@Catch(WardenUnavailableException, TooManyAttemptsException, BodyParseFailure)
export class WardenExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Warden');

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    @Optional() private readonly observer?: WardenErrorObserver,
  ) {}

  catch(exception: HttpException, host: ArgumentsHost) {
    const adapter = this.adapterHost.httpAdapter;
    const response: unknown = host.switchToHttp().getResponse();
    const parseFailure = bodyParseFailure(exception);
    if (parseFailure) {
      adapter.reply(response, parseFailure, parseFailure.statusCode);
      return;
    }
    this.retryLater(exception as WardenUnavailableException | TooManyAttemptsException, response);
  }

  private retryLater(
    exception: WardenUnavailableException | TooManyAttemptsException,
    response: unknown,
  ) {
    const adapter = this.adapterHost.httpAdapter;
    if (exception instanceof WardenUnavailableException) {
      const cause = exception.cause;
      this.logger.warn(
        `503 ${exception.message}${cause instanceof Error ? ` (cause: ${cause.name}: ${describe(cause)})` : ''}`,
      );
      this.observer?.unavailable(exception);
    }
    adapter.setHeader(response, 'Retry-After', String(exception.retryAfterSeconds));
    adapter.reply(response, exception.getResponse(), exception.getStatus());
  }
}

/** Error messages of drivers can echo SQL parameters; keep only the first line, capped. */
function describe(error: Error): string {
  const code = (error as { code?: unknown }).code;
  const firstLine = error.message.split('\n')[0].slice(0, 160);
  return typeof code === 'string' ? `${code} ${firstLine}` : firstLine;
}
