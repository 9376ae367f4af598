import type { ArgumentsHost, ExceptionFilter } from '@nestjs/common';
import { Catch, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { TooManyAttemptsException, WardenUnavailableException } from './warden.exceptions.js';

/**
 * Sets `Retry-After` on nest-warden's 503s and 429s, and logs the 503s' cause (never a value
 * that came from the request). Catches only those two exceptions of the library: every other
 * error, the host app's included, goes to the host app's filters or Nest's default. Registered
 * by `AuthModule` as an `APP_FILTER`, so host apps need not install it.
 */
@Catch(WardenUnavailableException, TooManyAttemptsException)
export class WardenExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('Warden');

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(exception: WardenUnavailableException | TooManyAttemptsException, host: ArgumentsHost) {
    if (exception instanceof WardenUnavailableException) {
      const cause = exception.cause;
      this.logger.warn(
        `503 ${exception.message}${cause instanceof Error ? ` (cause: ${cause.name}: ${describe(cause)})` : ''}`,
      );
    }
    const adapter = this.adapterHost.httpAdapter;
    const response: unknown = host.switchToHttp().getResponse();
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
