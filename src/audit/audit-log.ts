import type { BeforeApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { Injectable, Logger } from '@nestjs/common';
import type { Clock } from '../core/clock.js';
import { systemClock } from '../core/clock.js';
import type { SecurityEvent } from '../core/security-events.js';
import { SecurityEvents } from '../core/security-events.js';
import { ValidationFailedException } from '../errors/warden.exceptions.js';
import type { AuditOptions, ResolvedAuditOptions } from './audit.options.js';
import { resolveAuditOptions } from './audit.options.js';
import { toAuditRecord } from './audit-record.mapper.js';
import type { AuditRecord } from './audit.record.js';

/** Records per `AuditSink.write`; this many waiting also start a write before the interval. */
export const AUDIT_BATCH_SIZE = 100;

/** How long shutdown waits for the last records to be written, in ms. */
const SHUTDOWN_DEADLINE_MS = 2000;

/** At most one warning of each kind (dropped, write failed) per this many ms of the clock. */
const WARN_INTERVAL_MS = 60_000;

/** What `AuditLog.read` takes: the query string of `GET /admin/audit`, as received. */
export interface AuditReadQuery {
  /** Only this user's records, as subject or actor: a UUID. */
  userId?: string;
  /** 1..100. @default 50 */
  limit?: number | string;
  /** Only records strictly older than this, in ms since the epoch: a positive integer. */
  before?: number | string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `value` as a safe integer when it is one (or a string of digits), else undefined. */
function integer(value: number | string): number | undefined {
  const n = typeof value === 'number' ? value : /^\d{1,16}$/.test(value) ? Number(value) : NaN;
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * The audit log: keeps every security event as an {@link AuditRecord} in the configured
 * `AuditSink`, off the request path. An event is only pushed to a bounded buffer (nothing a
 * request awaits); a timer writes what waits in batches of 100 every `flushIntervalMs` (sooner
 * once 100 wait). A failed write keeps its batch for the next try; while the buffer is full
 * (`maxBuffered`), new events are dropped, counted in {@link dropped}, reported to `onDropped` and
 * logged (a warning at most once a minute). Shutdown writes what is left within 2 s.
 */
@Injectable()
export class AuditLog implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger('WardenAudit');
  private readonly options: ResolvedAuditOptions;
  private readonly buffer: AuditRecord[] = [];
  private droppedTotal = 0;
  private unreportedDrops = 0;
  private lastDropWarnAt = -Infinity;
  private lastFailureWarnAt = -Infinity;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private flushScheduled = false;
  private failing = false;
  private closed = false;

  constructor(
    options: AuditOptions,
    private readonly events: SecurityEvents,
    private readonly clock: Clock = systemClock,
  ) {
    this.options = resolveAuditOptions(options);
  }

  /** Events dropped since start: the buffer was full, or they were left unwritten at shutdown. */
  get dropped(): number {
    return this.droppedTotal;
  }

  /** Records waiting to be written. */
  get buffered(): number {
    return this.buffer.length;
  }

  /** Subscribes to the security events; starts the flush timer (it keeps no process alive). */
  onModuleInit(): void {
    this.events.subscribe((event) => this.record(event));
    this.timer = setInterval(() => void this.flush(), this.options.flushIntervalMs);
    this.timer.unref();
  }

  /** Writes what is left, waiting at most 2 s; what is still unwritten then counts as dropped. */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    this.closed = true;
    let deadline: NodeJS.Timeout | undefined;
    await Promise.race([
      (async () => {
        await this.flushing; // a try in flight (maybe failing) first, then one more
        await this.flush();
      })(),
      new Promise<void>((resolve) => {
        deadline = setTimeout(resolve, SHUTDOWN_DEADLINE_MS);
      }),
    ]);
    clearTimeout(deadline);
    const left = this.buffer.splice(0).length;
    if (left > 0) this.drop(left, 'unwritten at shutdown', true);
    else if (this.unreportedDrops > 0) this.warnDrops('while the buffer was full');
  }

  /** Buffers one event (the `SecurityEvents` listener): never throws, never waits. */
  record(event: SecurityEvent): void {
    if (this.closed || this.buffer.length >= this.options.maxBuffered) {
      this.drop(1, this.closed ? 'after shutdown' : 'while the buffer was full');
      return;
    }
    this.buffer.push(toAuditRecord(event, this.clock));
    if (this.buffer.length >= AUDIT_BATCH_SIZE && !this.failing) this.scheduleFlush();
  }

  /**
   * Writes every waiting record, a batch at a time, oldest first; resolves when the buffer is
   * empty or a write failed (its batch stays for the next try). Never rejects. Calls made while a
   * flush runs share it.
   */
  flush(): Promise<void> {
    this.flushing ??= this.writeAll().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  /**
   * The newest records (waiting ones written first), for `GET /admin/audit`: `limit` 1..100
   * (default 50), strictly older than `before` (ms) when given, only `userId`'s (subject or actor)
   * when given. Throws `ValidationFailedException` (400) for a bad value and
   * `WardenUnavailableException` (503) when the sink is down.
   */
  async read(query: AuditReadQuery = {}): Promise<AuditRecord[]> {
    const problems: string[] = [];
    const limit = query.limit === undefined ? 50 : integer(query.limit);
    if (limit === undefined || limit < 1 || limit > 100) {
      problems.push('limit must be an integer from 1 to 100');
    }
    const before = query.before === undefined ? undefined : integer(query.before);
    if (query.before !== undefined && (before === undefined || before < 1)) {
      problems.push('before must be a positive integer (ms since the epoch)');
    }
    if (query.userId !== undefined && !UUID.test(query.userId)) {
      problems.push('userId must be a UUID');
    }
    if (problems.length > 0) throw new ValidationFailedException(problems);
    await this.flush();
    return this.options.sink.read({
      limit: limit as number,
      ...(before === undefined ? {} : { before }),
      ...(query.userId === undefined ? {} : { userId: query.userId.toLowerCase() }),
    });
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.flushing) return;
    this.flushScheduled = true;
    // After the request's own work: the write starts on a later turn of the event loop.
    setImmediate(() => {
      this.flushScheduled = false;
      void this.flush();
    });
  }

  private async writeAll(): Promise<void> {
    while (this.buffer.length > 0) {
      const batch = this.buffer.slice(0, AUDIT_BATCH_SIZE);
      try {
        await this.options.sink.write(batch);
      } catch (error) {
        this.failing = true;
        this.warnFailure(error, batch.length);
        return;
      }
      this.failing = false;
      this.buffer.splice(0, batch.length);
    }
  }

  private drop(count: number, why: string, forceWarning = false): void {
    this.droppedTotal += count;
    this.unreportedDrops += count;
    try {
      this.options.onDropped?.(count);
    } catch (error) {
      this.logger.error(`audit onDropped failed: ${(error as Error).message}`);
    }
    if (forceWarning || this.clock.now() - this.lastDropWarnAt >= WARN_INTERVAL_MS) {
      this.warnDrops(why);
    }
  }

  private warnDrops(why: string): void {
    this.logger.warn(
      `Audit log: dropped ${this.unreportedDrops} event(s) ${why} (maxBuffered ${this.options.maxBuffered}; ${this.droppedTotal} since start)`,
    );
    this.unreportedDrops = 0;
    this.lastDropWarnAt = this.clock.now();
  }

  private warnFailure(error: unknown, batch: number): void {
    const now = this.clock.now();
    if (now - this.lastFailureWarnAt < WARN_INTERVAL_MS) return;
    this.lastFailureWarnAt = now;
    this.logger.warn(
      `Audit log: writing ${batch} record(s) failed (${(error as Error).message}); ${this.buffer.length} waiting, retrying every ${this.options.flushIntervalMs} ms`,
    );
  }
}
