import { Inject, Injectable, Optional } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { SecurityEvents } from '../core/security-events.js';
import type { WardenErrorObserver } from '../errors/warden-error.observer.js';
import { WardenUnavailableException } from '../errors/warden.exceptions.js';
import { MailOutbox } from '../mail/mail-outbox.js';
import { PasswordService } from '../passwords/password.service.js';
import type { CountedMetric } from './metric-labels.js';
import { countsOf, LABELS, LOGIN_ROUTES, REFRESH_ROUTE } from './metric-labels.js';
import type { ResolvedMetricsOptions } from './metrics.options.js';
import { WARDEN_METRICS_OPTIONS } from './metrics.tokens.js';

/** Buckets of `warden_http_request_duration_seconds`, in seconds (Argon2 logins: 0.05–1 s). */
const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** One finished request to a nest-warden route. */
export interface RouteObservation {
  /** The route pattern as declared (`/auth/sessions/:id`), never the raw path. */
  route: string;
  method: string;
  status: number;
  seconds: number;
}

/**
 * nest-warden's Prometheus metrics, in a registry of its own (or the host app's, when given):
 * counters fed by every security event through an allow-list of label values, the hashing
 * bulkhead read at scrape time, backing-service failures from the exception filter, and the
 * latency of nest-warden's routes. No label ever holds a user id, an email or an IP.
 */
@Injectable()
export class WardenMetrics implements WardenErrorObserver {
  /** Where the metrics live; `GET /metrics` serves it. */
  readonly registry: Registry;

  private readonly counters: Record<CountedMetric, Counter>;
  private readonly backendErrors: Counter<'service'>;
  private readonly auditDrops: Counter;
  private readonly duration: Histogram<'route' | 'method' | 'status'>;
  private readonly tokenDigest: Buffer | null;

  constructor(
    @Inject(WARDEN_METRICS_OPTIONS) options: ResolvedMetricsOptions,
    events: SecurityEvents,
    passwords: PasswordService,
    @Optional() outbox?: MailOutbox,
  ) {
    this.registry = options.registry ?? new Registry();
    this.tokenDigest = options.token === null ? null : digest(options.token);
    if (options.defaultMetrics) collectDefaultMetrics({ register: this.registry });
    const counter = <L extends string>(name: string, help: string, labelNames: L[] = []) =>
      new Counter<L>({ name: `warden_${name}`, help, labelNames, registers: [this.registry] });
    this.counters = {
      logins_total: counter('logins_total', 'Login attempts by outcome', ['result']),
      sessions_created_total: counter('sessions_created_total', 'Sessions created', ['kind']),
      sessions_revoked_total: counter('sessions_revoked_total', 'Sessions ended', ['reason']),
      sessions_expired_total: counter('sessions_expired_total', 'Sessions expired', ['reason']),
      token_refreshes_total: counter('token_refreshes_total', 'Refreshes by outcome', ['result']),
      mfa_failures_total: counter('mfa_failures_total', 'Wrong or replayed MFA codes'),
      passkey_clones_total: counter('passkey_clones_total', 'Passkey counter regressions'),
      session_anomalies_total: counter('session_anomalies_total', 'Suspicious events', ['kind']),
      mail_total: counter('mail_total', 'Account mails by outcome', ['result']),
      csrf_rejections_total: counter('csrf_rejections_total', 'Requests refused for CSRF'),
    };
    this.backendErrors = counter('backend_errors_total', 'Backing-service failures', ['service']);
    this.auditDrops = counter('audit_dropped_total', 'Audit records the audit sink dropped');
    this.duration = new Histogram({
      name: 'warden_http_request_duration_seconds',
      help: "Latency of nest-warden's routes, by route pattern",
      labelNames: ['route', 'method', 'status'],
      buckets: DURATION_BUCKETS,
      registers: [this.registry],
    });
    this.hashing(passwords);
    this.zeroes();
    events.subscribe((event) => {
      for (const [name, labels] of countsOf(event)) this.counters[name].inc(labels);
    });
    outbox?.observe({
      failed: (_job, error) => {
        const service = error instanceof WardenUnavailableException ? error.service : 'smtp';
        if (service) this.backendErrors.inc({ service });
      },
    });
  }

  /** The exposition text (`text/plain; version=0.0.4`). */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  /**
   * Whether an `Authorization` header may read the metrics: always when no token is set, else
   * only `Bearer <token>`, compared in constant time.
   */
  mayScrape(authorization: string | undefined): boolean {
    if (this.tokenDigest === null) return true;
    const presented = /^Bearer +(\S+)$/i.exec(authorization?.trim() ?? '')?.[1] ?? '';
    return timingSafeEqual(digest(presented), this.tokenDigest);
  }

  /** A request to a nest-warden route finished (called by `RouteTimerGuard`). */
  observe({ route, method, status, seconds }: RouteObservation): void {
    this.duration.observe({ route, method, status: String(status) }, seconds);
    if (status !== 503 && status !== 429) return; // the counters below are for these two only
    const operation = `${method} ${route}`;
    if (LOGIN_ROUTES.has(operation) && (status === 503 || status === 429)) {
      this.counters.logins_total.inc({ result: status === 503 ? 'unavailable' : 'throttled' });
    }
    if (operation === REFRESH_ROUTE && status === 503) {
      this.counters.token_refreshes_total.inc({ result: 'unavailable' });
    }
  }

  /** A 503 of a backing service (called by `WardenExceptionFilter`). */
  unavailable(exception: WardenUnavailableException): void {
    if (exception.service) this.backendErrors.inc({ service: exception.service });
  }

  /** The audit sink dropped a record (its buffer was full or its store failed). */
  auditDropped(count = 1): void {
    this.auditDrops.inc(count);
  }

  /** Gauges of the bulkhead, and its rejections as a counter, read at scrape time. */
  private hashing(passwords: PasswordService): void {
    const registers = [this.registry];
    new Gauge({
      name: 'warden_hash_queue_depth',
      help: 'Password hashes waiting for a slot',
      registers,
      collect() {
        this.set(passwords.load.waiting);
      },
    });
    new Gauge({
      name: 'warden_hash_in_flight',
      help: 'Password hashes running',
      registers,
      collect() {
        this.set(passwords.load.active);
      },
    });
    let counted = 0;
    new Counter({
      name: 'warden_hash_rejections_total',
      help: 'Password hashes refused (503 HASHING_BUSY)',
      registers,
      collect() {
        const rejected = passwords.load.rejected;
        if (rejected > counted) this.inc(rejected - counted);
        counted = rejected;
      },
    });
  }

  /** Every known label value at 0, so that dashboards and `rate()` see series from the start. */
  private zeroes(): void {
    for (const result of LABELS.login) this.counters.logins_total.inc({ result }, 0);
    for (const kind of LABELS.sessionKind) this.counters.sessions_created_total.inc({ kind }, 0);
    for (const result of LABELS.refresh) this.counters.token_refreshes_total.inc({ result }, 0);
    for (const kind of LABELS.anomaly) this.counters.session_anomalies_total.inc({ kind }, 0);
    for (const result of LABELS.mail) this.counters.mail_total.inc({ result }, 0);
    for (const service of LABELS.backend) this.backendErrors.inc({ service }, 0);
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
