import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { Clock } from '../core/clock.js';
import { WardenUnavailableException } from '../errors/warden.exceptions.js';
import type { MailMessage } from './mail-message.js';
import type { Mailer } from './mailer.js';
import type { OutboxJob, OutboxStore } from './outbox.store.js';

/**
 * Renders the mail of one job kind at send time (and mints its token then, so neither the
 * outbox nor its table ever holds a token or a rendered mail). Returns `null` when there is
 * nothing to send (the address is unknown by now): the job completes. Throwing retries the job.
 */
export type MailJobHandler = (
  payload: Record<string, unknown>,
  job: OutboxJob,
) => Promise<MailMessage | null>;

/** Options of {@link MailOutbox}. */
export interface MailOutboxOptions {
  /** How often the worker looks for due jobs, in ms. @default 1000 */
  pollIntervalMs?: number;
  /** How long a claimed job stays this worker's, in ms: handler plus send must fit. @default 60000 */
  leaseMs?: number;
  /** Tries before a job is given up (kept as dead). @default 50 */
  maxAttempts?: number;
  /**
   * Age after which a failing job is given up, in ms: an SMTP outage shorter than this loses
   * nothing. @default 86400000 (24 h)
   */
  maxAgeMs?: number;
  /**
   * Longest render + send of one job, in ms; past it the try counts as failed and the job waits
   * at least `leaseMs` before the next, so a send that still finishes late is not repeated by
   * another instance meanwhile. @default leaseMs / 2
   */
  sendTimeoutMs?: number;
  /** Delay before the first retry, in ms; doubles on each later one. @default 5000 */
  baseRetryMs?: number;
  /** Longest delay between tries, in ms. @default 3600000 */
  maxRetryMs?: number;
  /** Jobs claimed (and sent concurrently) at a time; at most the mailer's connections. @default 5 */
  batchSize?: number;
}

/** What happened to a job, for whoever reports it (events, metrics). */
export interface MailOutboxObserver {
  /** The mail went out (not called for a job that had nothing to send). */
  sent?(job: OutboxJob): void;
  /** The job was given up and kept as dead. */
  gaveUp?(job: OutboxJob, reason: string): void;
  /** An attempt failed (rendering or sending; retried or given up): `error` as thrown. */
  failed?(job: OutboxJob, error: unknown): void;
}

/** At most one "store unavailable" warning per this many ms of the clock. */
const WARN_INTERVAL_MS = 60_000;

/**
 * Sends account-lifecycle mails off the request path through a durable {@link OutboxStore}:
 * `enqueue` only writes a job; a worker claims due jobs (leased to this instance), renders each
 * with its kind's handler, sends it with the {@link Mailer} and deletes it. Failures retry with
 * exponential backoff; after `maxAttempts` the job is kept as dead. Delivery is at least once.
 * Logs name a job's kind, id and attempt and the error's message, never its payload or mail.
 */
export class MailOutbox {
  private readonly logger = new Logger('WardenMail');
  private readonly owner = randomUUID();
  private readonly handlers = new Map<string, MailJobHandler>();
  private readonly options: Required<MailOutboxOptions>;
  private timer: NodeJS.Timeout | undefined;
  private draining: Promise<number> | undefined;
  private again = false;
  private stopping = false;
  private lastWarnAt = -Infinity;
  private suppressedWarnings = 0;
  private readonly observers: MailOutboxObserver[] = [];

  constructor(
    private readonly store: OutboxStore,
    private readonly mailer: Mailer,
    private readonly clock: Clock,
    options: MailOutboxOptions = {},
  ) {
    const leaseMs = options.leaseMs ?? 60_000;
    this.options = {
      pollIntervalMs: 1000,
      leaseMs,
      maxAttempts: 50,
      maxAgeMs: 86_400_000,
      sendTimeoutMs: Math.floor(leaseMs / 2),
      baseRetryMs: 5000,
      maxRetryMs: 3_600_000,
      batchSize: 5,
      ...options,
    };
    for (const [key, value] of Object.entries(this.options)) {
      if (!Number.isInteger(value) || value < 1) {
        throw new Error(
          `MailOutbox option ${key} must be a positive integer, got ${String(value)}`,
        );
      }
    }
    if (this.options.sendTimeoutMs >= this.options.leaseMs) {
      throw new Error('MailOutbox option sendTimeoutMs must be shorter than leaseMs');
    }
  }

  /** Reports what happens to jobs (sent, failed attempts, given up) to `observer`. */
  observe(observer: MailOutboxObserver): void {
    this.observers.push(observer);
  }

  /** Registers the renderer of a job kind (before `start`); a second one for a kind throws. */
  register(kind: string, handler: MailJobHandler): void {
    if (this.handlers.has(kind)) throw new Error(`MailOutbox: kind ${kind} already has a handler`);
    this.handlers.set(kind, handler);
  }

  /**
   * Writes a job, due now, and nudges the worker (when started); resolves once written, never
   * waits for sending. Throws {@link WardenUnavailableException} when the store is down.
   */
  async enqueue(kind: string, payload: Record<string, unknown>): Promise<void> {
    try {
      await this.store.enqueue({ kind, payload, availableAt: this.clock.now() });
    } catch (error) {
      if (error instanceof WardenUnavailableException) throw error;
      throw new WardenUnavailableException('Mail outbox unavailable', { cause: error });
    }
    if (this.timer) this.poll();
  }

  /** Starts polling every `pollIntervalMs` (the timer does not keep the process alive); idempotent. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.poll(), this.options.pollIntervalMs);
    this.timer.unref();
    this.poll();
  }

  /** Stops polling and waits for the sends in flight (a drain ends after its current batch). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    this.stopping = true;
    try {
      await this.draining?.catch(() => undefined);
    } finally {
      this.stopping = false;
    }
  }

  /**
   * Processes every job due now until none is left (what each poll runs; tests call it). One
   * drain at a time: a call during a drain makes it look once more, and shares its result.
   * Returns how many mails were sent. Rejects when the store fails.
   */
  drain(): Promise<number> {
    if (this.draining) {
      this.again = true;
      return this.draining;
    }
    this.draining = this.run().finally(() => {
      this.draining = undefined;
    });
    return this.draining;
  }

  private async run(): Promise<number> {
    let sent = 0;
    do {
      this.again = false;
      for (;;) {
        if (this.stopping) return sent;
        const { leaseMs, batchSize: limit } = this.options;
        const now = this.clock.now();
        const jobs = await this.store.claim({ now, owner: this.owner, leaseMs, limit });
        if (jobs.length === 0) break;
        const results = await Promise.allSettled(jobs.map((job) => this.process(job)));
        for (const result of results) {
          if (result.status === 'rejected') throw result.reason;
          if (result.value) sent += 1;
        }
      }
    } while (this.again);
    return sent;
  }

  /** claim → handler → send → complete; a failure retries or gives up. True when sent. */
  private async process(job: OutboxJob): Promise<boolean> {
    const handler = this.handlers.get(job.kind);
    if (!handler) {
      this.logger.error(`Mail job ${job.id} (${job.kind}) has no handler: given up`);
      await this.store.fail(job.id, this.owner, `no handler registered for kind ${job.kind}`);
      return false;
    }
    let message: MailMessage | null;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new SendTimeoutError(this.options.sendTimeoutMs)),
        this.options.sendTimeoutMs,
      );
      timer.unref();
    });
    try {
      message = await Promise.race([
        (async () => {
          const rendered = await handler(job.payload, job);
          if (rendered) await this.mailer.send(rendered);
          return rendered;
        })(),
        deadline,
      ]);
    } catch (error) {
      await this.failed(job, error);
      return false;
    } finally {
      clearTimeout(timer);
    }
    // A crash (or a store failure) here sends the mail again once the lease expires.
    await this.store.complete(job.id, this.owner);
    if (message) for (const observer of this.observers) observer.sent?.(job);
    return message !== null;
  }

  private async failed(job: OutboxJob, error: unknown): Promise<void> {
    for (const observer of this.observers) observer.failed?.(job, error);
    const reason = errorText(error, false);
    const { maxAttempts, maxAgeMs, baseRetryMs, maxRetryMs, leaseMs } = this.options;
    const attempt = `${job.attempts}/${maxAttempts}`;
    // A permanent SMTP answer (5xx: no such mailbox, refused) does not get better by waiting.
    const permanent = smtpResponseCode(error) >= 500;
    const tooOld = this.clock.now() - job.createdAt >= maxAgeMs;
    if (permanent || tooOld || job.attempts >= maxAttempts) {
      this.logger.error(
        `Mail job ${job.id} (${job.kind}) attempt ${attempt} failed, given up: ${reason}`,
      );
      await this.store.fail(job.id, this.owner, reason);
      for (const observer of this.observers) observer.gaveUp?.(job, reason);
      return;
    }
    const backoffMs = Math.min(baseRetryMs * 2 ** (job.attempts - 1), maxRetryMs);
    // A try that timed out may still be sending: wait out a whole lease before the next one.
    const delayMs = error instanceof SendTimeoutError ? Math.max(backoffMs, leaseMs) : backoffMs;
    this.logger.warn(
      `Mail job ${job.id} (${job.kind}) attempt ${attempt} failed, retry in ${Math.ceil(delayMs / 1000)} s: ${reason}`,
    );
    await this.store.retry(job.id, this.owner, this.clock.now() + delayMs, reason);
  }

  /** One drain in the background; a store failure is logged, at most once a minute. */
  private poll(): void {
    this.drain().catch((error: unknown) => {
      const now = this.clock.now();
      if (now - this.lastWarnAt < WARN_INTERVAL_MS) {
        this.suppressedWarnings += 1;
        return;
      }
      const suppressed = this.suppressedWarnings
        ? ` (${this.suppressedWarnings} more since the last warning)`
        : '';
      this.lastWarnAt = now;
      this.suppressedWarnings = 0;
      this.logger.warn(
        `Mail outbox poll failed, will retry: ${errorText(error, true)}${suppressed}`,
      );
    });
  }
}

/** A render + send that ran past `sendTimeoutMs`. */
class SendTimeoutError extends Error {
  constructor(ms: number) {
    super(`render and send took longer than ${ms} ms`);
    this.name = 'SendTimeoutError';
  }
}

/** The SMTP reply code of a nodemailer error (0 when there is none). */
function smtpResponseCode(error: unknown): number {
  const code = (error as { responseCode?: unknown } | null)?.responseCode;
  return typeof code === 'number' ? code : 0;
}

/**
 * An error's message (and its cause's: the driver's, behind a 503), on one line. An SMTP answer
 * is reduced to its codes: its text may repeat the recipient's address.
 */
function errorText(error: unknown, withCause: boolean): string {
  const responseCode = smtpResponseCode(error);
  if (responseCode) {
    const { code, command } = error as { code?: unknown; command?: unknown };
    return `SMTP ${responseCode} ${String(code ?? '')} ${String(command ?? '')}`.trim();
  }
  if (!(error instanceof Error)) return String(error).slice(0, 500);
  const cause = withCause && error.cause instanceof Error ? ` (${error.cause.message})` : '';
  return `${error.message}${cause}`.replace(/\s+/g, ' ').slice(0, 500);
}
