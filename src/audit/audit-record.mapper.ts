import type { Clock } from '../core/clock.js';
import { pooledRandomBytes } from '../core/random.js';
import type { SecurityEvent } from '../core/security-events.js';
import type { AuditRecord } from './audit.record.js';
import { AUDIT_FIELD_LENGTHS } from './audit.record.js';

/** The time and sequence of the last id this process made (see {@link timeOrderedId}). */
const last = { ms: -1, sequence: 0 };

/**
 * A UUIDv7 (RFC 9562, method 1: a 12-bit counter within a millisecond): ids of one process grow
 * in the order events were emitted, so the records of one millisecond read back in that order
 * (sinks order by `at`, then `id`). The rest is random, so instances never collide.
 */
export function timeOrderedId(at: number): string {
  if (at > last.ms) {
    last.ms = at;
    last.sequence = 0;
  } else if (++last.sequence > 0xfff) {
    // 4096 in one millisecond (or a clock that went back): borrow the next millisecond.
    last.ms++;
    last.sequence = 0;
  }
  const random = pooledRandomBytes(8);
  random[0] = (random[0]! & 0x3f) | 0x80; // variant 10
  const hex =
    last.ms.toString(16).padStart(12, '0').slice(-12) +
    '7' +
    last.sequence.toString(16).padStart(3, '0') +
    random.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

type ClippedField = Exclude<keyof typeof AUDIT_FIELD_LENGTHS, 'id' | 'type'>;

/**
 * The event's whitelisted fields as an {@link AuditRecord}, nothing else (no user agent, no
 * `remaining`, no field a later event type may add). Strings are cut to their column's length, so
 * one odd value never makes a whole batch fail again and again.
 */
export function toAuditRecord(event: SecurityEvent, clock: Clock): AuditRecord {
  const clip = (field: ClippedField, value: string | null | undefined): string | null =>
    typeof value === 'string' ? value.slice(0, AUDIT_FIELD_LENGTHS[field]) : null;
  const parsed = Date.parse(event.at);
  const at = Number.isNaN(parsed) ? clock.now() : parsed;
  return {
    id: timeOrderedId(at),
    at,
    type: String(event.type).slice(0, AUDIT_FIELD_LENGTHS.type),
    userId: clip('userId', event.userId),
    actorId: clip('actorId', event.actorId),
    sessionId: clip('sessionId', event.sessionId),
    ip: clip('ip', event.ip),
    reason: clip('reason', event.reason),
    action: clip('action', event.action),
    result: clip('result', event.result),
    accountHash: clip('accountHash', event.accountHash),
  };
}
