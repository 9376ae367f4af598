/** A mail job as the outbox worker gets it from {@link OutboxStore.claim}. */
export interface OutboxJob {
  id: string;
  /** Which handler renders it, e.g. `'verify-email'`. */
  kind: string;
  /** What the handler needs (ids, never a token or a rendered mail), stored as JSON. */
  payload: Record<string, unknown>;
  /** Claims so far, this one included (1 on the first try). */
  attempts: number;
  /** When the job was (or is) due, ms since the epoch. */
  availableAt: number;
  /** When it was enqueued, ms since the epoch. */
  createdAt: number;
}

/** What {@link OutboxStore.enqueue} writes. */
export interface NewOutboxJob {
  kind: string;
  payload: Record<string, unknown>;
  /** When the job becomes due, ms since the epoch. */
  availableAt: number;
}

/** What {@link OutboxStore.claim} takes. */
export interface OutboxClaim {
  /** The time, ms since the epoch: jobs due at or before it are claimed. */
  now: number;
  /** Who claims (one id per worker); later calls must give the same one. */
  owner: string;
  /** How long the claim holds, in ms: past `now + leaseMs` another worker may claim the job. */
  leaseMs: number;
  /** At most this many jobs. */
  limit: number;
}

/** The most characters of an error a store keeps. */
export const MAX_OUTBOX_ERROR_LENGTH = 500;

/**
 * Port: the durable transactional outbox of mail jobs. Jobs are leased to one worker at a time,
 * so workers of several app instances can share one store without sending a job twice while a
 * lease holds. {@link TypeOrmOutboxStore} keeps them in the app's database (they survive a
 * restart); {@link MemoryOutboxStore} in the process (tests, demos).
 */
export abstract class OutboxStore {
  /** Optional boot check; throws a one-line `Error` saying how to fix the configuration. */
  check?(): Promise<void>;

  /** Inserts a job due at `availableAt` (ms epoch). Returns its id. */
  abstract enqueue(job: NewOutboxJob): Promise<string>;

  /**
   * Atomically leases up to `limit` due jobs (availableAt <= now and not leased, or lease
   * expired) to `owner` until `now + leaseMs`, incrementing `attempts`; oldest due first. Two
   * callers never get the same job while a lease holds.
   */
  abstract claim(options: OutboxClaim): Promise<OutboxJob[]>;

  /** The job was sent: deletes it (only if still leased by `owner`). */
  abstract complete(id: string, owner: string): Promise<void>;

  /**
   * Sending failed: releases the lease and makes the job due again at `availableAt` (only if
   * leased by `owner`). `error` is a short reason, stored truncated (≤ 500 characters).
   */
  abstract retry(id: string, owner: string, availableAt: number, error: string): Promise<void>;

  /**
   * Gave up (only if leased by `owner`): the job is kept as dead, never claimed again, with
   * `error` (truncated to 500 characters) for an operator to see.
   */
  abstract fail(id: string, owner: string, error: string): Promise<void>;

  /** Counts of pending (due or not, leased or not) and dead jobs: for health, metrics, tests. */
  abstract counts(): Promise<{ pending: number; dead: number }>;
}
