import type {
  SessionClocks,
  SessionRecord,
  SessionRef,
  StoredSession,
  UserSessionsRef,
} from './session.record.js';

/** Lifetimes the store applies when it writes a session. */
export interface SessionWriteOptions {
  /** Time to live of the session key, in ms (the smaller of idle and absolute remaining). */
  ttlMs: number;
}

/**
 * Port: where sessions live. Shipped adapters: `RedisSessionStore` and `MemorySessionStore`;
 * both pass `test/contracts/session-store`. Keys are derived from a hash of the session id,
 * never the id itself. Every write that touches a session and the user's index is atomic.
 *
 * A record's user agent: every write carries `userAgentDigest` (and `userAgent`, the text, when
 * the service has it). `get` and `findByHandle`, the per-request reads, may return the digest
 * only; `list`, `revokeHandle`, `revokeAll` and the records `create` evicts carry the text too.
 *
 * Failures of the backing store throw `WardenUnavailableException` (503).
 */
export abstract class SessionStore {
  /**
   * Stores a new session and adds it to the user's index; purges index entries whose session is
   * gone (or expired, on the clock of `options`); evicts the oldest sessions past `maxSessions`.
   * Returns the evicted records.
   */
  abstract create(
    ref: SessionRef,
    record: SessionRecord,
    options: SessionWriteOptions & SessionClocks & { maxSessions: number; indexTtlMs: number },
  ): Promise<SessionRecord[]>;

  /**
   * The session, following a forward pointer left by a rotation within its grace window (then
   * `idHash` is the successor's), or null.
   */
  abstract get(ref: SessionRef): Promise<StoredSession | null>;

  /** Rewrites a live session (last-seen time, data). False if it is gone or was rotated away. */
  abstract touch(
    ref: SessionRef,
    record: SessionRecord,
    options: SessionWriteOptions,
  ): Promise<boolean>;

  /**
   * Atomically moves the live session at `from` to `toIdHash` with `record`, leaving a forward
   * pointer that lives `graceMs` (0: none) and is honoured until `graceUntil` on the service's
   * clock. With `spent`, also marks `from` spent (as `markSpent` would, for `ttlMs`) in the same
   * step. False if `from` is no longer live (another request won).
   */
  abstract rotate(
    from: SessionRef,
    toIdHash: string,
    record: SessionRecord,
    options: SessionRotateOptions,
  ): Promise<boolean>;

  /** Deletes the session and its index entry. True if it existed. */
  abstract destroy(ref: SessionRef, record: SessionRecord): Promise<boolean>;

  /** Live sessions of the user, oldest first; dead index entries are purged on the way. */
  abstract list(user: UserSessionsRef): Promise<StoredSession[]>;

  /** Deletes the user's session with this public handle. True if it existed. */
  abstract revokeHandle(user: UserSessionsRef, handle: string): Promise<SessionRecord | null>;

  /** Deletes every session of the user but `exceptHandle`. Returns the deleted records. */
  abstract revokeAll(user: UserSessionsRef, exceptHandle?: string): Promise<SessionRecord[]>;

  /** The user's live session with this public handle, or null. */
  abstract findByHandle(user: UserSessionsRef, handle: string): Promise<StoredSession | null>;

  /**
   * Remembers that the id at `ref` was spent (a rotated refresh token) and whose family it was,
   * for `ttlMs`, so that presenting it again can be recognised as reuse.
   */
  abstract markSpent(ref: SessionRef, marker: SpentMarker, ttlMs: number): Promise<void>;

  /** The spent marker of `ref`, or null. */
  abstract getSpent(ref: SessionRef): Promise<SpentMarker | null>;

  /**
   * Optional startup check, run once by `AuthModule` at boot (unless `startupCheck: false`):
   * resolves when the backing service answers within a few seconds, else throws a one-line
   * `Error` that says how to fix the configuration.
   */
  check?(): Promise<void>;
}

/** How {@link SessionStore.rotate} moves a session. */
export interface SessionRotateOptions extends SessionWriteOptions, Pick<SessionClocks, 'now'> {
  /** Lifetime of the forward pointer from the old id, in ms (0: none). */
  graceMs: number;
  /** Until when (service clock, ms) the pointer is honoured. */
  graceUntil: number;
  /** Marks the old id spent in the same step (a refresh token's rotation). */
  spent?: SpentMarker;
}

/** What is remembered of a spent id: the family (user and session handle) and when. */
export interface SpentMarker {
  userId: string;
  handle: string;
  /** ms since the epoch. */
  spentAt: number;
  /** The successor token, encrypted, kept only while a refresh grace window is configured. */
  successor?: string;
}
