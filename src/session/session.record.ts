import { hash } from 'node:crypto';
import type { CachedUser } from '../users/user-cache.js';

/**
 * What the store keeps per session: small and bounded (`RedisSessionStore` packs it into at most
 * 64 bytes when the data bag is empty). Never the raw session id; times are whole milliseconds
 * since the epoch.
 */
export interface SessionRecord {
  /** Format version. */
  v: 1;
  /** Public handle: shown in session lists, used to revoke; never the cookie secret. */
  handle: string;
  userId: string;
  /** The user's authVersion when the session was made; an older one is rejected. */
  authVersion: number;
  createdAt: number;
  lastSeenAt: number;
  /** When the user last proved their credentials. */
  authTime: number;
  /** When the session id was last rotated. */
  renewedAt: number;
  absoluteExpiresAt: number;
  ip: string | null;
  /**
   * The user agent's text (at most 256 characters). Stores may leave it out of what
   * `SessionStore.get` returns (the per-request path, which compares {@link userAgentDigest});
   * listing, finding by handle and revoking fill it in.
   */
  userAgent?: string | null;
  /** {@link userAgentDigest} of `userAgent`: what a request's user agent is compared with. */
  userAgentDigest: string | null;
  /** Secret the CSRF token is derived from (not the session id). */
  csrfSecret: string;
  /** Small app-data bag, capped by `maxDataBytes`. */
  data: Record<string, unknown>;
  /** `token` for a session behind a refresh token (never valid as a cookie); absent for cookies. */
  kind?: 'token';
  /** Idle timeout of this session in seconds, when it differs from the service's. */
  idleTimeoutSeconds?: number;
}

/** Where a session lives: the user's slot tag and the hash of its id. */
export interface SessionRef {
  tag: string;
  idHash: string;
}

/**
 * A user's sessions: the user id and the user's slot tag; with the service's clock, so that a
 * store can drop expired sessions on the way (a store given neither purges nothing by time).
 */
export interface UserSessionsRef extends SessionClocks {
  tag: string;
  userId: string;
}

/** The service's time and default idle timeout, for a store's lazy purge of expired sessions. */
export interface SessionClocks {
  /** ms since the epoch, on the service's clock. */
  now?: number;
  /** Idle timeout of sessions without their own, in ms. */
  idleTimeoutMs?: number;
}

/** A stored session with the hash of its current id. */
export interface StoredSession {
  record: SessionRecord;
  idHash: string;
  /** Set when reached through a rotation's forward pointer: the end of its grace window (ms). */
  graceUntil?: number;
  /**
   * The user's cached snapshot, read in the same round trip: null for a miss (nothing cached,
   * or just invalidated); absent when the store does not prefetch users.
   */
  user?: CachedUser | null;
}

/**
 * A short digest of a user agent (the first 6 bytes of its SHA-256, base64url: 8 characters), or
 * null for none. Sessions keep it instead of the text; the text lives once per distinct agent.
 */
export function userAgentDigest(userAgent: string | null | undefined): string | null {
  if (userAgent === null || userAgent === undefined) return null;
  return hash('sha256', userAgent, 'buffer').subarray(0, 6).toString('base64url');
}
