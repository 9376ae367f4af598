/**
 * One row of the audit log: the whitelisted fields of a security event, nothing else. A
 * `SecurityEvent` never carries a password, hash, session id, token, code or email, so neither
 * does a record. Strings are at most as long as {@link AUDIT_FIELD_LENGTHS} says.
 */
export interface AuditRecord {
  /** Random UUID of the record. */
  id: string;
  /** When the event happened, in ms since the epoch. */
  at: number;
  /** The event's name (`warden.login.succeeded`, ...). */
  type: string;
  /** The user the event is about (the target of an admin action), or null. */
  userId: string | null;
  /** Administration: the admin who acted, or null. */
  actorId: string | null;
  /** The session's public handle (never the cookie secret), or null. */
  sessionId: string | null;
  /** The client IP, or null. */
  ip: string | null;
  /** Why (`logout`, `idle`, `password-change`, ...), or null. */
  reason: string | null;
  /** Administration: what was done (`roles`, `deactivate`, ...), or null. */
  action: string | null;
  /** Administration: `success` or `refused`, or null. */
  result: string | null;
  /** SHA-256 prefix of the normalised email of a failed login, or null. */
  accountHash: string | null;
}

/** Longest value of each string field of an {@link AuditRecord} (the `warden_audit` columns). */
export const AUDIT_FIELD_LENGTHS = {
  id: 36,
  type: 64,
  userId: 36,
  actorId: 36,
  sessionId: 64,
  ip: 64,
  reason: 64,
  action: 64,
  result: 16,
  accountHash: 32,
} as const;

/** What {@link AuditSink.read} is asked for. */
export interface AuditQuery {
  /** Only records where this user is the subject (`userId`) or the actor (`actorId`). */
  userId?: string;
  /** At most this many records. */
  limit: number;
  /** Only records strictly older than this time, in ms since the epoch. */
  before?: number;
}
