import { Logger } from '@nestjs/common';
import type { UserRepository } from './user.repository.js';

/** Logins written per `recordLogins` call; this many waiting also start a write at once. */
export const LAST_LOGIN_BATCH_SIZE = 500;

/** Logins held while writes fail; past that, new ones are dropped (and counted in a warning). */
const MAX_PENDING = 10_000;

/** At most one warning per this many ms. */
const WARN_INTERVAL_MS = 60_000;

/**
 * `lastLoginAt` writes gathered for `intervalMs` and written together (`recordLogins`: one
 * UPDATE for the batch on PostgreSQL) instead of one UPDATE per login. A user who logs in again
 * before the write keeps only the latest time. A failed write keeps its logins for the next try.
 * {@link flush} writes what waits (shutdown calls it).
 */
export class LastLoginBatch {
  private readonly logger = new Logger('WardenUsers');
  private readonly pending = new Map<string, Date>();
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<boolean> | undefined;
  private dropped = 0;
  private lastWarnAt = -Infinity;

  constructor(
    private readonly repository: UserRepository,
    private readonly intervalMs: number,
  ) {}

  /** Logins waiting to be written. */
  get size(): number {
    return this.pending.size;
  }

  /** Queues `at` as the user's last login (never waits, never throws). */
  add(id: string, at: Date): void {
    const queued = this.pending.get(id);
    if (queued) {
      if (queued < at) this.pending.set(id, at);
      return;
    }
    if (this.pending.size >= MAX_PENDING) {
      this.dropped++;
      this.warn(`dropped ${this.dropped} lastLoginAt write(s) while ${MAX_PENDING} waited`);
      return;
    }
    this.pending.set(id, at);
    if (this.pending.size >= LAST_LOGIN_BATCH_SIZE) void this.flush();
    else this.schedule();
  }

  /** Writes every waiting login (in batches); resolves when done or a write failed. Never rejects. */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    while (this.writing) await this.writing;
    while (this.pending.size > 0) {
      const batch = [...this.pending].slice(0, LAST_LOGIN_BATCH_SIZE);
      for (const [id] of batch) this.pending.delete(id);
      this.writing = this.write(batch);
      const written = await this.writing;
      this.writing = undefined;
      if (!written) return;
    }
  }

  /** Writes one batch; false (the batch queued again) when that failed. */
  private async write(batch: [string, Date][]): Promise<boolean> {
    try {
      await this.repository.recordLogins(batch.map(([id, at]) => ({ id, at })));
      return true;
    } catch (error) {
      // Back in the queue, unless a later login of the same user is there by now.
      for (const [id, at] of batch) if (!this.pending.has(id)) this.pending.set(id, at);
      this.warn(
        `writing ${batch.length} lastLoginAt value(s) failed (${(error as Error).message}); retrying`,
      );
      this.schedule();
      return false;
    }
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.intervalMs);
    this.timer.unref();
  }

  private warn(message: string): void {
    const now = Date.now();
    if (now - this.lastWarnAt < WARN_INTERVAL_MS) return;
    this.lastWarnAt = now;
    this.logger.warn(message);
  }
}
