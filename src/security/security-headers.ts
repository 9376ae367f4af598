import type { IncomingMessage, ServerResponse } from 'node:http';

/** Options of {@link securityHeaders}. */
export interface SecurityHeadersOptions {
  /** Send `Strict-Transport-Security` (only over HTTPS deployments). @default false */
  hsts?: boolean;
  /** HSTS max-age in seconds. @default 31536000 (one year) */
  hstsMaxAgeSeconds?: number;
}

/**
 * A Node-level middleware (works under `app.use()` on Express and Fastify) that sets the
 * baseline security headers on every response, error responses included. `Cache-Control:
 * no-store` is not among them: it is set where the response is made (nest-warden's guards and
 * controllers, `NoStoreGuard`), since a path prefix misses `/AUTH/ME`, `/%61uth/me` and every
 * protected route of the host app.
 */
export function securityHeaders(options: SecurityHeadersOptions = {}) {
  const hsts = options.hsts
    ? `max-age=${options.hstsMaxAgeSeconds ?? 31_536_000}; includeSubDomains`
    : undefined;
  return (_request: IncomingMessage, response: ServerResponse, next: () => void): void => {
    response.removeHeader('X-Powered-By');
    response.setHeader('X-Content-Type-Options', 'nosniff');
    response.setHeader('X-Frame-Options', 'DENY');
    response.setHeader('Referrer-Policy', 'no-referrer');
    response.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
    if (hsts) response.setHeader('Strict-Transport-Security', hsts);
    next();
  };
}
