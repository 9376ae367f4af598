import type { AuditQuery, AuditRecord } from './audit.record.js';

/**
 * Port: where audit records live. Shipped: `TypeOrmAuditSink` (table `warden_audit`, PostgreSQL
 * or SQLite: durable, shared by every instance) and `MemoryAuditSink` (bounded, one process).
 * Both pass `test/contracts/audit-sink`. Failures of the backing store throw
 * `WardenUnavailableException` (503).
 */
export abstract class AuditSink {
  /** Optional boot check: the table exists. Throws a one-line `Error` saying how to fix it. */
  check?(): Promise<void>;
  /**
   * Writes a batch durably, all or nothing (one statement or one transaction). Throws on
   * failure; the caller keeps the batch and tries again.
   */
  abstract write(records: AuditRecord[]): Promise<void>;
  /**
   * Newest first (ties by `id`, descending): at most `limit` records, strictly older than
   * `before` (ms) when given, only those with `userId` as subject or actor when given.
   */
  abstract read(query: AuditQuery): Promise<AuditRecord[]>;
}
