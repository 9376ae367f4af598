import { randomUUID } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import { systemClock } from '../core/clock.js';
import type { NewOutboxJob, OutboxClaim, OutboxJob } from './outbox.store.js';
import { MAX_OUTBOX_ERROR_LENGTH, OutboxStore } from './outbox.store.js';

interface StoredJob extends Omit<OutboxJob, 'payload'> {
  /** JSON, as a database keeps it: a claimed job never shares objects with the caller's. */
  payload: string;
  lockedBy: string | null;
  lockedUntil: number | null;
  dead: boolean;
  lastError: string | null;
}

/**
 * {@link OutboxStore} in this process's memory: for tests and demos. Jobs are lost on restart
 * and not shared between processes; use {@link TypeOrmOutboxStore} in production.
 */
export class MemoryOutboxStore extends OutboxStore {
  private readonly jobs = new Map<string, StoredJob>();

  /** @param clock Where `createdAt` comes from. @default systemClock */
  constructor(private readonly clock: Clock = systemClock) {
    super();
  }

  async enqueue(job: NewOutboxJob): Promise<string> {
    const id = randomUUID();
    this.jobs.set(id, {
      id,
      kind: job.kind,
      payload: JSON.stringify(job.payload),
      attempts: 0,
      availableAt: job.availableAt,
      createdAt: this.clock.now(),
      lockedBy: null,
      lockedUntil: null,
      dead: false,
      lastError: null,
    });
    return id;
  }

  /** Synchronous from the filter to the lease: atomic in one process. */
  async claim({ now, owner, leaseMs, limit }: OutboxClaim): Promise<OutboxJob[]> {
    const due = [...this.jobs.values()]
      .filter((job) => !job.dead && job.availableAt <= now)
      .filter((job) => job.lockedUntil === null || job.lockedUntil <= now)
      .sort((a, b) => a.availableAt - b.availableAt || a.createdAt - b.createdAt)
      .slice(0, Math.max(0, limit));
    return due.map((job) => {
      job.lockedBy = owner;
      job.lockedUntil = now + leaseMs;
      job.attempts += 1;
      const { id, kind, payload, attempts, availableAt, createdAt } = job;
      return { id, kind, payload: JSON.parse(payload), attempts, availableAt, createdAt };
    });
  }

  async complete(id: string, owner: string): Promise<void> {
    if (this.leased(id, owner)) this.jobs.delete(id);
  }

  async retry(id: string, owner: string, availableAt: number, error: string): Promise<void> {
    const job = this.leased(id, owner);
    if (!job) return;
    Object.assign(job, { availableAt, lockedBy: null, lockedUntil: null });
    job.lastError = error.slice(0, MAX_OUTBOX_ERROR_LENGTH);
  }

  async fail(id: string, owner: string, error: string): Promise<void> {
    const job = this.leased(id, owner);
    if (!job) return;
    Object.assign(job, { dead: true, lockedBy: null, lockedUntil: null });
    job.lastError = error.slice(0, MAX_OUTBOX_ERROR_LENGTH);
  }

  async counts(): Promise<{ pending: number; dead: number }> {
    let dead = 0;
    for (const job of this.jobs.values()) if (job.dead) dead += 1;
    return { pending: this.jobs.size - dead, dead };
  }

  private leased(id: string, owner: string): StoredJob | undefined {
    const job = this.jobs.get(id);
    return job && !job.dead && job.lockedBy === owner ? job : undefined;
  }
}
