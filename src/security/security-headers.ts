import type { IncomingMessage, ServerResponse } from 'node:http';

/** Options of {@link securityHeaders}. */
export interface SecurityHeadersOptions {
  /** Send `Strict-Transport-Security` (only over HTTPS deployments). @default false */
  hsts?: boolean;
  /** HSTS max-age in seconds. @default 31536000 (one year) */
  hstsMaxAgeSeconds?: number;
  /** Path prefixes whose responses get `Cache-Control: no-store`. @default ['/auth'] */
  noStorePrefixes?: string[];
}

/**
 * A Node-level middleware (works under `app.use()` on Express and Fastify) that sets the
 * baseline security headers on every response, error responses included.
 */
export function securityHeaders(options: SecurityHeadersOptions = {}) {
  const prefixes = options.noStorePrefixes ?? ['/auth'];
  const hsts = options.hsts
    ? `max-age=${options.hstsMaxAgeSeconds ?? 31_536_000}; includeSubDomains`
    : undefined;
  return (request: IncomingMessage, response: ServerResponse, next: () => void): void => {
    response.removeHeader('X-Powered-By');
    response.setHeader('X-Content-Type-Options', 'nosniff');
    response.setHeader('X-Frame-Options', 'DENY');
    response.setHeader('Referrer-Policy', 'no-referrer');
    response.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    if (hsts) response.setHeader('Strict-Transport-Security', hsts);
    const path = (request.url ?? '').split('?')[0];
    if (prefixes.some((prefix) => path === prefix || path.startsWith(`${prefix}/`))) {
      response.setHeader('Cache-Control', 'no-store');
      response.setHeader('Pragma', 'no-cache');
    }
    next();
  };
}
