import type { AuditQuery, AuditRecord } from './audit.record.js';
import { AuditSink } from './audit-sink.js';

/** Options of {@link MemoryAuditSink}. */
export interface MemoryAuditSinkOptions {
  /** Records kept; past it the oldest are forgotten. @default 10000 */
  maxRecords?: number;
}

/** Newest first, ties by id descending. */
const newestFirst = (a: AuditRecord, b: AuditRecord) =>
  b.at - a.at || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);

/**
 * In-process {@link AuditSink}: one process, lost on restart, the newest `maxRecords` kept
 * (tests, demos). Never fails.
 */
export class MemoryAuditSink extends AuditSink {
  private records: AuditRecord[] = [];
  private readonly maxRecords: number;

  constructor(options: MemoryAuditSinkOptions = {}) {
    super();
    this.maxRecords = options.maxRecords ?? 10_000;
    if (!Number.isInteger(this.maxRecords) || this.maxRecords < 1) {
      throw new Error(
        `MemoryAuditSink option maxRecords must be a positive integer, got ${String(options.maxRecords)}`,
      );
    }
  }

  async write(records: AuditRecord[]): Promise<void> {
    this.records.push(...records.map((record) => ({ ...record })));
    if (this.records.length > this.maxRecords) {
      this.records = this.records.sort(newestFirst).slice(0, this.maxRecords);
    }
  }

  async read(query: AuditQuery): Promise<AuditRecord[]> {
    const { userId, before, limit } = query;
    return this.records
      .filter(
        (r) =>
          (before === undefined || r.at < before) &&
          (userId === undefined || r.userId === userId || r.actorId === userId),
      )
      .sort(newestFirst)
      .slice(0, limit)
      .map((record) => ({ ...record }));
  }
}
