import { createHmac, timingSafeEqual } from 'node:crypto';
import type { SessionRecord } from '../session/session.record.js';

/** Methods that change state and therefore need a CSRF token on cookie-authenticated requests. */
export const UNSAFE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * The synchronizer token of a session: HMAC-SHA256 of a fixed label under the session's own
 * CSRF secret. Stable for the session's life (rotation keeps the secret), useless for any other.
 */
export function csrfTokenFor(session: Pick<SessionRecord, 'csrfSecret'>): string {
  return createHmac('sha256', Buffer.from(session.csrfSecret, 'base64url'))
    .update('nest-warden csrf v1')
    .digest('base64url');
}

/** Constant-time check of a presented `X-CSRF-Token`. */
export function csrfTokenMatches(
  session: Pick<SessionRecord, 'csrfSecret'>,
  given: string | undefined,
): boolean {
  if (!given || given.length !== 43) return false;
  return timingSafeEqual(Buffer.from(given), Buffer.from(csrfTokenFor(session)));
}

/**
 * False for a request a browser marks as cross-site: `Sec-Fetch-Site: cross-site`, or an
 * `Origin` whose host is not the request's `Host`.
 */
export function sameOrigin(headers: Record<string, string | string[] | undefined>): boolean {
  const site = headers['sec-fetch-site'];
  if (site === 'cross-site') return false;
  const origin = headers.origin;
  if (typeof origin !== 'string' || origin === '') return true;
  if (origin === 'null') return false;
  try {
    return new URL(origin).host === headers.host;
  } catch {
    return false;
  }
}
