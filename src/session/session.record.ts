import type { CachedUser } from '../users/user-cache.js';

/**
 * What the store keeps per session: small, JSON, bounded. Never the raw session id; times are
 * milliseconds since the epoch.
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
  userAgent: string | null;
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

/** A user's sessions: the user id and the user's slot tag. */
export interface UserSessionsRef {
  tag: string;
  userId: string;
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
