import type { ArgumentsHost } from '@nestjs/common';
import { Catch, Logger } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { TooManyAttemptsException, WardenUnavailableException } from './warden.exceptions.js';

/**
 * Sets `Retry-After` on nest-warden's 503s and 429s, and logs the 503s' cause (never a value
 * that came from the request). Everything else goes to Nest's default filter unchanged. Registered by
 * `AuthModule` as an `APP_FILTER`, so host apps need not install it.
 */
@Catch()
export class WardenExceptionFilter extends BaseExceptionFilter {
  private readonly logger = new Logger('Warden');

  override catch(exception: unknown, host: ArgumentsHost): void {
    if (exception instanceof WardenUnavailableException) {
      const cause = exception.cause;
      this.logger.warn(
        `503 ${exception.message}${cause instanceof Error ? ` (cause: ${cause.name}: ${describe(cause)})` : ''}`,
      );
      this.replyWithRetryAfter(exception, host);
      return;
    }
    if (exception instanceof TooManyAttemptsException) {
      this.replyWithRetryAfter(exception, host);
      return;
    }
    super.catch(exception, host);
  }

  private replyWithRetryAfter(
    exception: WardenUnavailableException | TooManyAttemptsException,
    host: ArgumentsHost,
  ): void {
    const adapter = this.httpAdapterHost?.httpAdapter;
    const response: unknown = host.switchToHttp().getResponse();
    adapter?.setHeader(response, 'Retry-After', String(exception.retryAfterSeconds));
    adapter?.reply(response, exception.getResponse(), exception.getStatus());
  }
}

/** Error messages of drivers can echo SQL parameters; keep only the first line, capped. */
function describe(error: Error): string {
  const code = (error as { code?: unknown }).code;
  const firstLine = error.message.split('\n')[0].slice(0, 160);
  return typeof code === 'string' ? `${code} ${firstLine}` : firstLine;
}
