import type { AuditSink } from './audit-sink.js';

/**
 * The audit log (`AuthModule` option `audit`): every security event is kept as an
 * `AuditRecord` in `sink`, written in batches off the request path.
 */
export interface AuditOptions {
  /** Where records live: `new TypeOrmAuditSink(dataSource)` or `new MemoryAuditSink()`. */
  sink: AuditSink;
  /**
   * Records waiting to be written, at most (the memory an outage of the sink may take); past it
   * new events are dropped and counted. @default 10000
   */
  maxBuffered?: number;
  /** How often waiting records are written, in ms (sooner once 100 wait). @default 1000 */
  flushIntervalMs?: number;
  /** Called with how many events were just dropped (a full buffer, or left at shutdown). */
  onDropped?: (count: number) => void;
}

/** {@link AuditOptions} with every default applied. */
export type ResolvedAuditOptions = Required<Omit<AuditOptions, 'onDropped'>> &
  Pick<AuditOptions, 'onDropped'>;

/** Applies defaults and checks values; a bad one is a boot error saying how to fix it. */
export function resolveAuditOptions(options: AuditOptions): ResolvedAuditOptions {
  if (!options.sink) {
    throw new Error(
      'AuthModule option audit.sink is required: new TypeOrmAuditSink(dataSource) or new MemoryAuditSink()',
    );
  }
  const resolved: ResolvedAuditOptions = {
    ...options,
    maxBuffered: options.maxBuffered ?? 10_000,
    flushIntervalMs: options.flushIntervalMs ?? 1000,
  };
  for (const key of ['maxBuffered', 'flushIntervalMs'] as const) {
    const value = resolved[key];
    if (!Number.isInteger(value) || value < 1) {
      throw new Error(`audit.${key} must be a positive integer, got ${String(value)}`);
    }
  }
  return resolved;
}
