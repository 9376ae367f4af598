// bench/ops-cost: what do the audit log and the Prometheus metrics cost per request? Compares an
// old build of the example app (before audit + metrics, e.g. 2711bf9) with this one (the example
// mounts `audit` with TypeOrmAuditSink and `metrics`), and a second process of this build (the
// same build twice: the noise floor of the comparison), all up side by side against the local
// PostgreSQL (a fresh schema each) and Redis (a key prefix each), rounds interleaved so that drift
// of a shared host hits all alike. Per process and round: (a) password logins (POST /auth/login →
// 200, each a different user and X-Forwarded-For IP, TRUST_PROXY=1): app CPU per login from
// /proc/<pid>/stat over back-to-back batches of 40, and their p50 latency; (b) GET /auth/me with a
// session cookie: app CPU per request over 2000 back-to-back requests. Then, on the new build, the
// warden_audit rows written per login and per GET, and the size and CPU of a GET /metrics scrape;
// then, in this process, the CPU of each piece the two features add (the events' listeners, the
// audit INSERT, the route timer, a scrape), from this checkout's sources.
// Run: git worktree add ../old 2711bf9 && (cd ../old && npm run build) && npm run build &&
// npm run bench:ops -- ../old. Knobs: BENCH_ROUNDS (3). Writes bench/ops-cost-results.md.
// Figures, never pass/fail (exit 1 only when an answer was not the expected one).
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { PATH_METADATA } from '@nestjs/common/constants.js';
import type { ExecutionContext, Type } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import { Redis } from 'ioredis';
import pg from 'pg';
import { AuditLog } from '../src/audit/audit-log.js';
import { AuditSink } from '../src/audit/audit-sink.js';
import type { AuditRecord } from '../src/audit/audit.record.js';
import { toAuditRecord } from '../src/audit/audit-record.mapper.js';
import { TypeOrmAuditSink } from '../src/audit/typeorm-audit.sink.js';
import { systemClock } from '../src/core/clock.js';
import type { SecurityEvent } from '../src/core/security-events.js';
import { SecurityEvents, WardenEvent } from '../src/core/security-events.js';
import { openDatabase } from '../src/example/database.js';
import { RouteTimerGuard } from '../src/metrics/route-timer.guard.js';
import { WardenMetrics } from '../src/metrics/warden-metrics.js';
import type { PasswordService } from '../src/passwords/password.service.js';
import { deletePrefix, fmt, median, pool } from './support.js';

const DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const USERS = 150; // registered per build (plus one holding the session of GET /auth/me)
const LOGIN_BATCH = 40; // back-to-back sequential logins per CPU reading
const LOGIN_BATCHES = 2; // per build and round, in A B B A order
const ME_BATCH = 2000; // back-to-back GET /auth/me per CPU reading
const ME_BATCHES = 2; // per build and round, in A B B A order
const WARMUP_LOGINS = 5;
const WARMUP_ME = 200;
const COUNT_LOGINS = 20; // untimed, on the new build: audit rows per login
const COUNT_ME = 500; // untimed, on the new build: audit rows per GET /auth/me
const SCRAPES = 200;
const EMIT_PASSES = 9; // in-process: interleaved passes of 20,000 logins' events per listener set // GET /metrics, for its CPU per scrape
const SETTLE_MS = 1500; // after each batch, inside the CPU window: the audit flush (every 1 s)
const PASSWORD = 'correct horse battery staple';
const UA = 'nest-warden-bench-ops/1';
if (!Number.isInteger(ROUNDS) || ROUNDS < 1 || ROUNDS > 5) {
  // Each user logs in once at setup and at most ~ROUNDS × 80 / 150 + 1 times after: far below
  // the 10 sessions a user may hold (an eviction would add work of its own).
  throw new Error('BENCH_ROUNDS must be 1..5');
}
const oldDir = process.argv[2] ? resolve(process.argv[2]) : '';
const newDir = resolve(process.argv[3] ?? process.cwd());
if (!oldDir) throw new Error('usage: npm run bench:ops -- <old checkout, built> [<new checkout>]');

const run = randomBytes(4).toString('hex');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The i-th client IP, in 198.18.0.0/15 (the benchmarking range): one per user. */
const ipOf = (i: number) => `198.${18 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`;

let badAnswers = 0;
let firstBad = '';
function bad(what: string) {
  badAnswers++;
  firstBad ||= what;
}

interface User {
  email: string;
  ip: string;
}

interface RoundFigures {
  /** App CPU ms per login, each login batch. */
  loginCpu: number[];
  /** Latency of every timed login, ms. */
  loginMs: number[];
  /** App CPU µs per GET /auth/me, each batch. */
  meCpu: number[];
  meMs: number[];
}

interface App {
  label: string;
  dir: string;
  commit: string;
  schema: string;
  prefix: string;
  port: number;
  scratch: string;
  child: ChildProcess;
  tail: string;
  users: User[];
  meUser: User;
  meCookie: string;
  rounds: RoundFigures[];
}

/** CPU ms (utime + stime, all threads: Argon2 runs on libuv's pool) of `pid` so far. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10; // clock ticks (USER_HZ 100)
}

async function call(
  app: App,
  user: User,
  method: 'GET' | 'POST',
  path: string,
  options: { body?: unknown; cookie?: string } = {},
): Promise<{ status: number; body: string; sid: string; ms: number }> {
  const headers: Record<string, string> = { 'x-forwarded-for': user.ip, 'user-agent': UA };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.cookie) headers.cookie = options.cookie;
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  const t0 = performance.now();
  const res = await fetch(`http://127.0.0.1:${app.port}${path}`, {
    method,
    headers,
    body: payload,
  });
  const body = await res.text();
  const ms = performance.now() - t0;
  const sid = res.headers
    .getSetCookie()
    .map((line) => line.split(';')[0])
    .find((pair) => pair.startsWith('sid=') && pair.length > 4);
  return { status: res.status, body, sid: sid ?? '', ms };
}

/** A password login; its latency (a bad answer unless 200 with a session cookie). */
async function login(app: App, user: User): Promise<number> {
  const r = await call(app, user, 'POST', '/auth/login', {
    body: { email: user.email, password: PASSWORD },
  });
  if (r.status !== 200 || !r.sid) bad(`${app.label} login ${r.status} ${r.body}`);
  return r.ms;
}

async function me(app: App): Promise<number> {
  const r = await call(app, app.meUser, 'GET', '/auth/me', { cookie: app.meCookie });
  if (r.status !== 200) bad(`${app.label} /auth/me ${r.status} ${r.body}`);
  return r.ms;
}

async function start(db: pg.Client, label: string, dir: string, index: number): Promise<App> {
  const schema = `warden_bench_ops_${run}_${index}`;
  const prefix = `warden_bench_ops_${run}_${index}:`;
  const port = 5200 + ((process.pid + index * 7) % 390);
  await db.query(`CREATE SCHEMA "${schema}"`);
  const url = new URL(DATABASE_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  const scratch = mkdtempSync(join(tmpdir(), 'warden-bench-ops-'));
  const child = spawn(process.execPath, [join(dir, 'dist', 'main.js')], {
    cwd: dir,
    env: {
      PATH: process.env.PATH ?? '',
      PORT: String(port),
      DATA_DIR: scratch,
      DATABASE_URL: url.toString(),
      REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
      SESSION_SECRETS: randomBytes(48).toString('base64'),
      JWT_SECRET: randomBytes(48).toString('base64'),
      TRUST_PROXY: '1', // the last X-Forwarded-For hop is the client: one IP per user
      REGISTER_MAX_PER_IP: '100000', // registrations are setup, not measured
      EMAIL_VERIFICATION: 'off',
      // NODE_ENV unset (development); no SMTP_URL: LogMailer; no METRICS_TOKEN: /metrics open.
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const commit = execFileSync('git', ['-C', dir, 'rev-parse', '--short', 'HEAD'], {
    encoding: 'utf8',
  }).trim();
  const app: App = {
    label: `${label} (${commit})`,
    dir,
    commit,
    schema,
    prefix,
    port,
    scratch,
    child,
    tail: '',
    users: Array.from({ length: USERS }, (_, i) => ({
      email: `ops-${run}-${i}@example.com`,
      ip: ipOf(i),
    })),
    meUser: { email: `ops-${run}-me@example.com`, ip: ipOf(USERS) },
    meCookie: '',
    rounds: [],
  };
  // Both builds log every security event (and the new one nothing more per request): read and
  // drop it, keeping the tail for a failed start.
  const keep = (chunk: Buffer) => (app.tail = (app.tail + chunk.toString()).slice(-4000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  for (let i = 0; ; i++) {
    if (child.exitCode !== null || i > 300) {
      throw new Error(`${app.label} did not start:\n${app.tail}`);
    }
    const up = await fetch(`http://127.0.0.1:${port}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) break;
    await sleep(100);
  }
  return app;
}

/** Registers every user and logs each in once (its client becomes known); the /auth/me session. */
async function setup(app: App): Promise<void> {
  const all = [...app.users, app.meUser];
  await pool(all.length, 4, async (i) => {
    const r = await call(app, all[i], 'POST', '/auth/register', {
      body: { email: all[i].email, password: PASSWORD },
    });
    if (r.status < 200 || r.status > 299) {
      throw new Error(`${app.label} register ${all[i].email}: ${r.status} ${r.body}`);
    }
    if (i < app.users.length) await login(app, all[i]);
  });
  const r = await call(app, app.meUser, 'POST', '/auth/login', {
    body: { email: app.meUser.email, password: PASSWORD },
  });
  if (!r.sid) throw new Error(`${app.label} login for /auth/me: ${r.status} ${r.body}`);
  app.meCookie = r.sid;
}

async function drained(db: pg.Client, app: App): Promise<void> {
  for (let i = 0; i < 1200; i++) {
    const { rows } = await db.query<{ n: string }>(
      `SELECT count(*) AS n FROM "${app.schema}".warden_mail_outbox`,
    );
    if (rows[0].n === '0') return;
    await sleep(100);
  }
  throw new Error(`${app.label}: the mail outbox did not drain within 120 s`);
}

/** App CPU per request (ms) of `n` back-to-back `each`, the SETTLE_MS after it included. */
async function cpuBatch(
  app: App,
  n: number,
  each: (j: number) => Promise<number>,
  latencies: number[],
): Promise<number> {
  const pid = app.child.pid!;
  const cpu0 = cpuMs(pid);
  for (let j = 0; j < n; j++) latencies.push(await each(j));
  await sleep(SETTLE_MS);
  return (cpuMs(pid) - cpu0) / n;
}

async function auditCounts(db: pg.Client, app: App): Promise<Map<string, number>> {
  const { rows } = await db.query<{ type: string; n: string }>(
    `SELECT type, count(*) AS n FROM "${app.schema}".warden_audit GROUP BY type`,
  );
  return new Map(rows.map((r) => [r.type, Number(r.n)]));
}

const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);

/** Rows written per request of `n` requests, by type, from two auditCounts readings. */
function perRequest(before: Map<string, number>, after: Map<string, number>, n: number) {
  const byType = [...after.entries()]
    .map(([type, count]) => [type, (count - (before.get(type) ?? 0)) / n] as const)
    .filter(([, x]) => x > 0)
    .sort((a, b) => b[1] - a[1]);
  return { total: (total(after) - total(before)) / n, byType };
}

/** An audit sink that keeps nothing: what AuditLog itself costs, without a store. */
class DiscardSink extends AuditSink {
  async write(): Promise<void> {}
  async read(): Promise<AuditRecord[]> {
    return [];
  }
}

/** The two events of a password login (LoginService: login succeeded, session created). */
function emitLogin(events: SecurityEvents, i: number): void {
  const fields = {
    userId: `0000000${i % 10}-0000-4000-8000-000000000000`,
    ip: ipOf(i),
    userAgent: UA,
  };
  events.emit(WardenEvent.LOGIN_SUCCEEDED, fields);
  events.emit(WardenEvent.SESSION_CREATED, {
    ...fields,
    sessionId: randomBytes(16).toString('hex'),
  });
}

/** This process's CPU µs per call of `fn` over `n` calls (yielding every 500). */
async function cpuOnce(n: number, fn: (i: number) => unknown): Promise<number> {
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    await fn(i);
    if (i % 500 === 499) await new Promise((done) => setImmediate(done));
  }
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / n;
}

/** {@link cpuOnce}, median of 5. */
async function cpuPerCall(n: number, fn: (i: number) => unknown): Promise<number> {
  const reps: number[] = [];
  for (let r = 0; r < 5; r++) reps.push(await cpuOnce(n, fn));
  return median(reps);
}

/**
 * The pieces the two features add, timed in this process from this checkout's sources (same
 * Node, same libraries as the app): the events' listeners, the audit INSERT, the route timer and
 * a scrape. CPU µs per call; the log line each event gets in both builds is off here.
 */
async function components(db: pg.Client) {
  Logger.overrideLogger(false);
  const loadStub = { load: { active: 0, waiting: 0, rejected: 0 } } as unknown as PasswordService;
  const metricsOf = (events: SecurityEvents) =>
    new WardenMetrics({ token: null, registry: null, defaultMetrics: false }, events, loadStub);
  const auditOf = (events: SecurityEvents) => {
    const log = new AuditLog({ sink: new DiscardSink(), maxBuffered: 1_000_000 }, events);
    log.onModuleInit();
    return log;
  };
  const bare = new SecurityEvents();
  const withAudit = new SecurityEvents();
  const audit1 = auditOf(withAudit);
  const withMetrics = new SecurityEvents();
  const metrics = metricsOf(withMetrics);
  const withBoth = new SecurityEvents();
  const audit2 = auditOf(withBoth);
  metricsOf(withBoth);
  const N = 20_000;
  // Interleaved (the order rotating), a warm-up pass first; each listener's cost is the median
  // over passes of its figure minus the bare one of the same pass.
  const kinds = { bare, audit: withAudit, metrics: withMetrics, both: withBoth };
  const names = Object.keys(kinds) as (keyof typeof kinds)[];
  const passes = Object.fromEntries(names.map((k) => [k, [] as number[]])) as Record<
    keyof typeof kinds,
    number[]
  >;
  for (let pass = 0; pass <= EMIT_PASSES; pass++) {
    for (let k = 0; k < names.length; k++) {
      const name = names[(k + pass) % names.length];
      const us = await cpuOnce(N, (i) => emitLogin(kinds[name], i));
      if (pass > 0) passes[name].push(us);
    }
  }
  const added = (name: keyof typeof kinds) =>
    median(passes[name].map((us, pass) => us - passes.bare[pass]));
  const emit = {
    bare: median(passes.bare),
    audit: added('audit'),
    metrics: added('metrics'),
    both: added('both'),
  };
  await audit1.beforeApplicationShutdown();
  await audit2.beforeApplicationShutdown();

  // RouteTimerGuard on a route like GET /auth/me: the guard, then 'finish' → the histogram.
  class AuthController {}
  const handler = function me() {};
  Reflect.defineMetadata(PATH_METADATA, 'auth', AuthController);
  Reflect.defineMetadata(PATH_METADATA, 'me', handler);
  const guard = new RouteTimerGuard(metrics, new Set<Type>([AuthController]));
  const context = (response: EventEmitter) =>
    ({
      getType: () => 'http',
      getClass: () => AuthController,
      getHandler: () => handler,
      switchToHttp: () => ({ getRequest: () => ({ method: 'GET' }), getResponse: () => response }),
    }) as unknown as ExecutionContext;
  const response = () => Object.assign(new EventEmitter(), { statusCode: 200 });
  const timerBase = await cpuPerCall(N, () => {
    const res = response();
    context(res);
    res.emit('finish');
  });
  const timer = await cpuPerCall(N, () => {
    const res = response();
    guard.canActivate(context(res));
    res.emit('finish');
  });
  const render = await cpuPerCall(500, () => metrics.render());
  const scrapeBytes = Buffer.byteLength(await metrics.render());

  // TypeOrmAuditSink.write: one multi-row INSERT per flush, in this process (the app's side:
  // building the statement, pg's protocol work); PostgreSQL's own work is not in it.
  const schema = `warden_bench_ops_${run}_sink`;
  await db.query(`CREATE SCHEMA "${schema}"`);
  const url = new URL(DATABASE_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  const dataSource = await openDatabase({ type: 'postgres', url: url.toString() }, { schema });
  const sink = new TypeOrmAuditSink(dataSource);
  const sinkPerRow: { rows: number; cpuUs: number; wallMs: number }[] = [];
  try {
    for (const rows of [2, 30, 100]) {
      const batch = (b: number): AuditRecord[] =>
        Array.from({ length: rows }, (_, i) => {
          const event: SecurityEvent = {
            type: i % 2 ? WardenEvent.SESSION_CREATED : WardenEvent.LOGIN_SUCCEEDED,
            at: new Date().toISOString(),
            userId: '00000000-0000-4000-8000-000000000000',
            ip: ipOf(b * rows + i),
            ...(i % 2 ? { sessionId: randomBytes(16).toString('hex') } : {}),
          };
          return toAuditRecord(event, systemClock);
        });
      const batches = Array.from({ length: 300 }, (_, b) => batch(b));
      for (let b = 0; b < 20; b++) await sink.write(batches[b]); // warm-up
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      for (let b = 20; b < batches.length; b++) await sink.write(batches[b]);
      const c = process.cpuUsage(c0);
      const n = batches.length - 20;
      sinkPerRow.push({
        rows,
        cpuUs: (c.user + c.system) / (n * rows),
        wallMs: (performance.now() - t0) / n,
      });
    }
  } finally {
    await dataSource.destroy();
    await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  }
  return { emit, timerBase, timer, render, scrapeBytes, sinkPerRow };
}

async function main() {
  const db = new pg.Client({ connectionString: DATABASE_URL });
  await db.connect();
  const redis = new Redis(REDIS_URL);
  const redisVersion = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? '?';
  const pgVersion = (await db.query<{ server_version: string }>('SHOW server_version')).rows[0]
    .server_version;
  const apps: App[] = [];
  const loads: number[] = [];
  const load0 = loadavg();
  try {
    apps.push(await start(db, 'old', oldDir, 0));
    apps.push(await start(db, 'new', newDir, 1));
    apps.push(await start(db, 'new #2', newDir, 2));
    const [oldApp, newApp, twinApp] = apps;
    const t0 = performance.now();
    for (const app of apps) await setup(app);
    const setupS = (performance.now() - t0) / 1000;
    for (const app of apps) await drained(db, app);
    console.error(`bench ${run}: ${USERS + 1} users on each build in ${fmt(setupS, 1)} s`);

    // Warm-up (not counted): a few logins (users reused later: still far from the session cap).
    for (const app of apps) {
      for (let i = 0; i < WARMUP_LOGINS; i++) await login(app, app.users[USERS - 1 - i]);
      for (let i = 0; i < WARMUP_ME; i++) await me(app);
    }

    let nextUser = 0; // the same user index on every build, a different one for every login
    for (let r = 0; r < ROUNDS; r++) {
      for (const app of apps) await drained(db, app);
      // Round r starts with app r mod 3 and runs the order forth and back (A B C C B A).
      const order = apps.map((_, i) => apps[(i + r) % apps.length]);
      const there = [...order, ...[...order].reverse()];
      const figures = new Map<App, RoundFigures>(
        apps.map((a) => [a, { loginCpu: [], loginMs: [], meCpu: [], meMs: [] }]),
      );
      for (let b = 0; b < LOGIN_BATCHES / 2; b++) {
        for (const app of there) {
          // A build's k-th batch of the round takes users from k × LOGIN_BATCH on, on each build.
          const f = figures.get(app)!;
          const base = nextUser + f.loginCpu.length * LOGIN_BATCH;
          const batch = (j: number) => login(app, app.users[(base + j) % USERS]);
          f.loginCpu.push(await cpuBatch(app, LOGIN_BATCH, batch, f.loginMs));
        }
      }
      nextUser += LOGIN_BATCHES * LOGIN_BATCH;
      for (let b = 0; b < ME_BATCHES / 2; b++) {
        for (const app of there) {
          const f = figures.get(app)!;
          f.meCpu.push((await cpuBatch(app, ME_BATCH, () => me(app), f.meMs)) * 1000);
        }
      }
      for (const app of apps) app.rounds.push(figures.get(app)!);
      loads.push(loadavg()[0]);
      console.error(`round ${r + 1}/${ROUNDS} done (load ${fmt(loadavg()[0], 2)})`);
    }

    // Counting on the new build (untimed): audit rows per login and per GET /auth/me.
    await sleep(SETTLE_MS);
    const c0 = await auditCounts(db, newApp);
    for (let j = 0; j < COUNT_LOGINS; j++) {
      await login(newApp, newApp.users[(nextUser + j) % USERS]);
    }
    await sleep(SETTLE_MS);
    const c1 = await auditCounts(db, newApp);
    for (let j = 0; j < COUNT_ME; j++) await me(newApp);
    await sleep(SETTLE_MS);
    const c2 = await auditCounts(db, newApp);
    const perLogin = perRequest(c0, c1, COUNT_LOGINS);
    const perMe = perRequest(c1, c2, COUNT_ME);
    const loginsAfterSetup = ROUNDS * LOGIN_BATCHES * LOGIN_BATCH + WARMUP_LOGINS + COUNT_LOGINS;

    // GET /metrics: size, series, CPU per scrape; the old build has no such route.
    const scrape = await call(newApp, newApp.meUser, 'GET', '/metrics');
    if (scrape.status !== 200) bad(`new /metrics ${scrape.status}`);
    const oldScrape = await call(oldApp, oldApp.meUser, 'GET', '/metrics');
    const lines = scrape.body.split('\n').filter((l) => l.length > 0);
    const samples = lines.filter((l) => !l.startsWith('#'));
    const families = lines.filter((l) => l.startsWith('# TYPE'));
    const histogramSamples = samples.filter((l) => l.startsWith('warden_http_request_duration'));
    const scrapeMs: number[] = [];
    const scrapeCpuUs =
      (await cpuBatch(
        newApp,
        SCRAPES,
        async () => (await call(newApp, newApp.meUser, 'GET', '/metrics')).ms,
        scrapeMs,
      )) * 1000;
    const loginsCounter = samples
      .filter((l) => l.startsWith('warden_logins_total') && !l.endsWith(' 0'))
      .join('; ');
    for (const app of apps) {
      app.child.kill('SIGTERM');
    }
    console.error('timing the pieces in this process');
    const parts = await components(db);

    // Report.
    const mid = (app: App, pick: (f: RoundFigures) => number) => median(app.rounds.map(pick));
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const loginCpu = (f: RoundFigures) => mean(f.loginCpu);
    const loginP50 = (f: RoundFigures) => median(f.loginMs);
    const meCpu = (f: RoundFigures) => mean(f.meCpu);
    const meP50 = (f: RoundFigures) => median(f.meMs);
    const cols = [loginCpu, loginP50, meCpu, meP50];
    const digits = [2, 2, 0, 3];
    const range = (app: App, pick: (f: RoundFigures) => number, d: number) => {
      const xs = app.rounds.map(pick);
      return `${fmt(median(xs), d)} (${fmt(Math.min(...xs), d)}–${fmt(Math.max(...xs), d)})`;
    };
    const buildRow = (app: App) =>
      `| ${app.label} | ${cols.map((c, i) => range(app, c, digits[i])).join(' | ')} |`;
    const signed = (x: number, d: number) => `${x >= 0 ? '+' : '−'}${fmt(Math.abs(x), d)}`;
    const diffRows = (a: App, b: App, label: string) => {
      const ofMedians = cols.map((c, i) => signed(mid(a, c) - mid(b, c), digits[i]));
      const ratios = cols.map((c) => fmt(mid(a, c) / mid(b, c), 3));
      const paired = cols.map((c, i) => {
        const xs = b.rounds.map((f, r) => c(a.rounds[r]) - c(f));
        const d = digits[i];
        return `${signed(median(xs), d)} (${signed(Math.min(...xs), d)}…${signed(Math.max(...xs), d)})`;
      });
      return [
        `| **${label}** (of the medians) | ${ofMedians.join(' | ')} |`,
        `| ${label}, per round (median, min…max) | ${paired.join(' | ')} |`,
        `| ${label.replace('−', '÷')} (of the medians) | ${ratios.join(' | ')} |`,
      ];
    };
    const perRoundRows = oldApp.rounds.map((_, r) => {
      const cells = cols.flatMap((c, i) => apps.map((a) => fmt(c(a.rounds[r]), digits[i])));
      return `| round ${r + 1} (${apps[r % apps.length].label.split(' (')[0]} first) | ${cells.join(' | ')} | ${fmt(loads[r], 2)} |`;
    });
    const requests =
      apps.length *
        (ROUNDS * (LOGIN_BATCHES * LOGIN_BATCH + ME_BATCHES * ME_BATCH) +
          WARMUP_LOGINS +
          WARMUP_ME) +
      COUNT_LOGINS +
      COUNT_ME +
      SCRAPES +
      1;
    const e = parts.emit;
    const sink30 = parts.sinkPerRow.find((x) => x.rows === 30)!;
    const timerUs = parts.timer - parts.timerBase;
    const perLoginUs = e.both + perLogin.total * sink30.cpuUs + timerUs;
    const loginDiff = mid(newApp, loginCpu) - mid(oldApp, loginCpu);
    const twinMax = (c: (f: RoundFigures) => number) =>
      Math.max(...newApp.rounds.map((f, r) => Math.abs(c(twinApp.rounds[r]) - c(f))));
    const report = [
      `# bench/ops-cost — ${new Date().toISOString()}`,
      '',
      `Machine: ${cpus()[0]?.model ?? 'cpu'} × ${availableParallelism()}, Node ${process.version}, PostgreSQL ${pgVersion}, Redis ${redisVersion}, all on loopback; the example app (\`node dist/main.js\`, Express, development mode, LogMailer, EMAIL_VERIFICATION=off, TRUST_PROXY=1, Argon2id defaults 19 MiB / t=2 / p=1), three processes up side by side, each with its own PostgreSQL schema and Redis key prefix. Load average (1, 5, 15 min) at the start ${load0.map((x) => fmt(x, 2)).join(', ')}, at the end ${loadavg()
        .map((x) => fmt(x, 2))
        .join(
          ', ',
        )} (${availableParallelism()} CPUs; the machine is shared with other jobs: their work shows in latency and, through contention, in app CPU).`,
      `Command: \`git worktree add ../wt-opsbench-old ${oldApp.commit} && (cd ../wt-opsbench-old && npm run build) && npm run build && npm run bench:ops -- ../wt-opsbench-old\` (BENCH_ROUNDS=${ROUNDS}).`,
      '',
      `Builds: **old** = ${oldApp.commit} (passkeys done; no audit log, no metrics, no admin API), **new** = ${newApp.commit} (the example mounts \`audit\` with TypeOrmAuditSink, \`metrics\` and \`admin\`), **new #2** = the same new build in a second process: new #2 − new is what this method reads when there is no difference (the noise floor). The commits between old and new also bring the admin API, an email-prefix index on warden_users and review fixes; none of those adds work to a password login or GET /auth/me.`,
      '',
      `${USERS + 1} users registered on each process and logged in once (not timed; ${fmt(setupS, 1)} s for all three), so every timed login is of a known client. Each user has its own X-Forwarded-For IP and the same User-Agent; every timed login is a different user from the one before (user i on every process). ${ROUNDS} rounds; round r runs the processes in the order starting with the r-th, forth and back (A B C C B A): ${LOGIN_BATCHES} batches of ${LOGIN_BATCH} back-to-back sequential password logins per process, then ${ME_BATCHES} batches of ${fmt(ME_BATCH)} back-to-back GET /auth/me (one session cookie) per process. App CPU = utime + stime of the app process (all threads) from /proc/<pid>/stat, 10-ms ticks (resolution: ${fmt(10 / LOGIN_BATCH, 2)} ms per login per batch, ${fmt(10_000 / ME_BATCH, 0)} µs per GET per batch), around each batch and the ${SETTLE_MS} ms after it, so that the audit log's flush of the batch (every 1 s) lands in its window (an idle app uses about 1.5 ms CPU per second); a round's figure is the mean over its batches. Latency: client-side, one request in flight, keep-alive; a round's figure is the p50 of its ${LOGIN_BATCHES * LOGIN_BATCH} logins or ${fmt(ME_BATCHES * ME_BATCH)} GETs. Each process's figure is the median over rounds (min–max). PostgreSQL's own CPU for the audit INSERTs is not in app CPU.`,
      '',
      '| build | login: app CPU ms/login | login: p50 ms | GET /auth/me: app CPU µs/req | GET /auth/me: p50 ms |',
      '|---|---:|---:|---:|---:|',
      ...apps.map(buildRow),
      ...diffRows(newApp, oldApp, 'new − old'),
      ...diffRows(twinApp, newApp, 'new #2 − new (same build)'),
      '',
      `Per round (old, new, new #2), and the 1-minute load average at its end:`,
      '',
      '| | CPU ms/login old | new | #2 | p50 ms old | new | #2 | CPU µs/GET old | new | #2 | p50 ms old | new | #2 | load |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
      ...perRoundRows,
      '',
      `Reading: new − old is ${signed(loginDiff, 2)} ms CPU per login and ${signed(mid(newApp, meCpu) - mid(oldApp, meCpu), 0)} µs per GET, while the same build read against itself differs in a round by up to ${fmt(twinMax(loginCpu), 2)} ms per login and ${fmt(twinMax(meCpu), 0)} µs per GET: on this machine the end-to-end method does not resolve differences of that size. The pieces below, timed directly, put the real difference at ${fmt(perLoginUs, 1)} µs per login and ${fmt(timerUs, 1)} µs per GET.`,
      '',
      `Audit rows on the new build (warden_audit, counted after the rounds, ${SETTLE_MS} ms after the last request for the flush): **${fmt(perLogin.total, 2)} per login** (${perLogin.byType.map(([t, x]) => `${t} ${fmt(x, 2)}`).join(', ') || 'none'}; ${COUNT_LOGINS} logins), ${fmt(perMe.total, 3)} per GET /auth/me (${COUNT_ME} GETs). Whole run: ${fmt(total(c2))} rows for ${USERS + 1} setup logins and ${fmt(loginsAfterSetup)} logins after setup (registration writes none).`,
      '',
      `GET /metrics on the new build: ${fmt(Buffer.byteLength(scrape.body))} bytes, ${fmt(lines.length)} lines, ${families.length} metric families, ${samples.length} samples (${histogramSamples.length} of them warden_http_request_duration_seconds buckets/sum/count, for the ${new Set(histogramSamples.map((l) => /route="([^"]*)",method="([^"]*)",status="([^"]*)"/.exec(l)?.slice(1).join(' ')).filter(Boolean)).size} route/method/status combinations this run touched; each new one adds 14 samples); app CPU ${fmt(scrapeCpuUs, 0)} µs per scrape (HTTP included) and p50 ${fmt(median(scrapeMs), 2)} ms over ${SCRAPES} back-to-back scrapes. The old build answers ${oldScrape.status}. Non-zero login counter after the run: ${loginsCounter}.`,
      '',
      `The pieces, timed in this process (Node ${process.version}, this checkout's sources, CPU µs per call, the listeners: median over ${EMIT_PASSES} interleaved passes of 20,000 logins of the difference to no listener, the rest median of 5; the JSON log line each event gets in both builds is switched off here):`,
      '',
      '| piece | CPU µs | per |',
      '|---|---:|---|',
      `| emit the 2 events of a login, no listener (both builds) | ${fmt(e.bare, 2)} | login |`,
      `| + AuditLog listener (toAuditRecord: UUIDv7 id, clipped fields; push to the buffer; flush to a no-op sink) | ${signed(e.audit, 2)} | login |`,
      `| + WardenMetrics listener (countsOf → logins_total{result="success"}, sessions_created_total{kind="cookie"}) | ${signed(e.metrics, 2)} | login |`,
      `| + both listeners | ${signed(e.both, 2)} | login |`,
      ...parts.sinkPerRow.map(
        (x) =>
          `| TypeOrmAuditSink.write, a batch of ${x.rows} rows (one INSERT; app side only; ${fmt(x.wallMs, 2)} ms wall per batch) | ${fmt(x.cpuUs, 1)} | row |`,
      ),
      `| RouteTimerGuard on GET /auth/me (hrtime, route pattern from a WeakMap, once('finish'), histogram observe) | ${fmt(timerUs, 2)} | request |`,
      `| WardenMetrics.render() (${fmt(parts.scrapeBytes)} bytes: this process's registry) | ${fmt(parts.render, 0)} | scrape |`,
      `| **sum for a login**: both listeners + ${fmt(perLogin.total, 0)} rows at the 30-row batch rate + the route timer | **${fmt(perLoginUs, 1)}** | login |`,
      '',
      `That is ${fmt((perLoginUs / 1000 / mid(oldApp, loginCpu)) * 100, 2)} % of the old build's ${fmt(mid(oldApp, loginCpu), 2)} ms CPU per login, and ${fmt((timerUs / mid(oldApp, meCpu)) * 100, 2)} % of its ${fmt(mid(oldApp, meCpu), 0)} µs per GET /auth/me (the route timer is the only addition there; no event, no audit row). At a trickle of logins (one per 1-s flush: a 2-row INSERT each) the INSERT's fixed cost falls on one login: about ${fmt(e.both + 2 * (parts.sinkPerRow.find((x) => x.rows === 2)?.cpuUs ?? 0) + timerUs, 0)} µs, still ${fmt(((e.both + 2 * (parts.sinkPerRow.find((x) => x.rows === 2)?.cpuUs ?? 0) + timerUs) / 1000 / mid(oldApp, loginCpu)) * 100, 1)} % of a login. Not counted above: Nest running one more global guard per request, and PostgreSQL's side of the INSERT.`,
      '',
      `Answers: ${badAnswers === 0 ? `all ${fmt(requests)} measured, warm-up and counted requests were as expected (200; a session cookie for each login)` : `${badAnswers} of ${fmt(requests)} were not as expected (first: ${firstBad})`}.`,
      '',
    ].join('\n');
    console.log(report);
    writeFileSync(join(newDir, 'bench', 'ops-cost-results.md'), report);
    if (badAnswers) process.exitCode = 1;
  } finally {
    for (const app of apps) {
      await new Promise<void>((done) => {
        if (app.child.exitCode !== null || app.child.signalCode !== null) return done();
        app.child.once('exit', () => done());
        app.child.kill('SIGTERM');
        setTimeout(() => app.child.kill('SIGKILL'), 5000).unref();
      });
      rmSync(app.scratch, { recursive: true, force: true });
      await db.query(`DROP SCHEMA IF EXISTS "${app.schema}" CASCADE`);
      await deletePrefix(redis, app.prefix);
    }
    await db.end();
    redis.disconnect();
  }
}

await main();
