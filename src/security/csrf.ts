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
 * False for a request a browser marks as cross-site: `Sec-Fetch-Site: cross-site` (in any case),
 * or an `Origin` whose host is not the request's `Host`. A header sent twice (an array, or
 * Node's comma-joined list) is read value by value: any `cross-site` refuses, and two origins
 * or two hosts are ambiguous and refused.
 */
export function sameOrigin(headers: Record<string, string | string[] | undefined>): boolean {
  if (headerValues(headers['sec-fetch-site']).includes('cross-site')) return false;
  const origins = headerValues(headers.origin);
  if (origins.length === 0) return true;
  const hosts = headerValues(headers.host);
  if (origins.length > 1 || hosts.length !== 1 || origins[0] === 'null') return false;
  try {
    return new URL(origins[0]).host === hosts[0];
  } catch {
    return false;
  }
}

/** Every value of a header, trimmed and lower-cased, whether it came as a string or an array. */
function headerValues(value: string | string[] | undefined): string[] {
  return (Array.isArray(value) ? value : [value ?? ''])
    .flatMap((entry) => entry.split(','))
    .map((entry) => entry.trim().toLowerCase())
    .filter((entry) => entry !== '');
}
