// bench/http: the example app over HTTP against the baselines in bench/baselines/ (hello, the
// two NestJS-docs recipes, better-auth with and without its cookie cache), all started by this
// script against the local PostgreSQL and Redis and driven with autocannon on loopback.
// Run: npm run bench (builds first). Knobs: BENCH_ROUNDS (3), BENCH_DURATION_S (5),
// BENCH_LIVE_SESSIONS (1000000). Writes bench/results.md. Figures, never pass/fail.
import 'reflect-metadata';
import argon2 from 'argon2';
import autocannon from 'autocannon';
import type { ChildProcess } from 'node:child_process';
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { RECIPE_USERS_DDL } from './baselines/common.js';
import { fillSessions, unfillSessions } from './fill-sessions.js';
import { measureSessionMemory } from './sessions.js';
import { countPrefix, deletePrefix, fmt, median } from './support.js';

const DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const DURATION = Number(process.env.BENCH_DURATION_S ?? 5);
const LIVE_SESSIONS = Number(process.env.BENCH_LIVE_SESSIONS ?? 1_000_000);
const CONNECTIONS = 32;
const PASSWORD = 'correct horse battery staple';
const ARGON2 = { memoryCost: 19456, timeCost: 2, parallelism: 1 }; // the example app's default

const run = randomBytes(4).toString('hex');
const schema = `warden_bench_${run}`;
const oursPrefix = `warden_bench_${run}:`;
const recipePrefix = `sess_bench_${run}:`;
// Each better-auth app in a schema and under a Redis prefix of its own.
const betterAuthSchema = `better_auth_bench_${run}`;
const betterAuthPrefix = `better_auth_bench_${run}:`;
const cookieCacheSchema = `better_auth_cc_bench_${run}`;
const cookieCachePrefix = `better_auth_cc_bench_${run}:`;
const APP_URL = 'https://bench.example.test';
const sessionSecret = randomBytes(48).toString('base64');
const floodEmails = Array.from({ length: 64 }, (_, i) => `flood-${i}@example.com`);
/** The account the Rejections section locks out with wrong passwords. */
const THROTTLED_EMAIL = 'locked-out@example.com';
/** A login body over the example app's 16 KB JSON limit. */
const OVERSIZED_BODY = JSON.stringify({
  email: 'bench@example.com',
  password: PASSWORD,
  padding: 'x'.repeat(17 * 1024),
});
/** `cookie` with one character of its signature (near the end) changed. */
const tamper = (cookie: string) => {
  const i = cookie.length - 2;
  return cookie.slice(0, i) + (cookie[i] === 'A' ? 'B' : 'A') + cookie.slice(i + 1);
};

const range = (xs: number[], digits = 0) =>
  `${fmt(Math.min(...xs), digits)}–${fmt(Math.max(...xs), digits)}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------
// Processes

interface Target {
  name: string;
  base: string;
  child: ChildProcess;
  output: () => string;
}

async function start(name: string, args: string[], env: Record<string, string>, port: number) {
  // Each app gets a scratch working directory of its own (the example app's DATA_DIR).
  const scratch = mkdtempSync(join(tmpdir(), 'warden-bench-'));
  const child = spawn(process.execPath, args, {
    env: { PATH: process.env.PATH ?? '', PORT: String(port), DATA_DIR: scratch, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let tail = '';
  const keep = (chunk: Buffer) => (tail = (tail + chunk.toString()).slice(-4000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  child.once('exit', () => rmSync(scratch, { recursive: true, force: true }));
  const base = `http://127.0.0.1:${port}`;
  // Up to two minutes: six apps start at once on two cores.
  for (let i = 0; i < 1200; i++) {
    if (child.exitCode !== null) throw new Error(`${name} exited:\n${tail}`);
    try {
      await fetch(`${base}/`);
      return { name, base, child, output: () => tail } satisfies Target;
    } catch {
      await sleep(100);
    }
  }
  child.kill('SIGKILL');
  throw new Error(`${name} did not start:\n${tail}`);
}

function databaseUrlFor(schemaName: string): string {
  const url = new URL(DATABASE_URL);
  url.searchParams.set('options', `-c search_path=${schemaName}`);
  return url.toString();
}

// ---------------------------------------------------------------------------------------------
// Load

interface Load {
  path: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** Bodies sent in turn (one per request), instead of `body`. */
  bodies?: string[];
  /**
   * Each request from another client: an `X-Forwarded-For` of its own, as a reverse proxy in
   * front of the app would set it (better-auth keys its rate limits on that header).
   */
  forwardedFor?: boolean;
}

interface Sample {
  /** Responses per second with the expected status (2xx unless `expect` says otherwise). */
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  /** Every response, whatever its status. */
  responses: number;
  /** Responses per status code. */
  statuses: Record<string, number>;
}

/**
 * Simulated client addresses, one per request, from 198.18.0.0/15 (RFC 2544's range for
 * benchmarks): header values only, nothing is sent there. One counter for the whole run, so no
 * address comes back within a rate-limit window.
 */
let nextClient = 0;
const clientAddress = () => {
  const n = nextClient++ % 131_072;
  return `198.${18 + (n >> 16)}.${(n >> 8) & 255}.${n & 255}`;
};

/** An autocannon setupRequest: `bodies` one after the other, round and round; `forwardedFor`. */
function perRequest(load: Load) {
  let next = 0;
  return (request: autocannon.Request) => ({
    ...request,
    ...(load.bodies ? { body: load.bodies[next++ % load.bodies.length] } : {}),
    ...(load.forwardedFor
      ? { headers: { ...request.headers, 'x-forwarded-for': clientAddress() } }
      : {}),
  });
}

function cannon(
  base: string,
  load: Load,
  options: { connections: number; duration?: number; amount?: number; expect?: number },
): Promise<Sample> {
  return new Promise((resolve, reject) =>
    autocannon(
      {
        url: base + load.path,
        method: load.method ?? 'GET',
        headers: load.headers,
        body: load.body,
        ...(load.bodies || load.forwardedFor
          ? { requests: [{ setupRequest: perRequest(load) }] }
          : {}),
        connections: options.connections,
        ...(options.amount ? { amount: options.amount } : { duration: options.duration }),
      },
      (err, res) => {
        if (err) return reject(err);
        const statuses = Object.fromEntries(
          Object.entries(res.statusCodeStats ?? {}).map(([code, s]) => [code, s.count ?? 0]),
        );
        const expected =
          options.expect === undefined ? res['2xx'] : (statuses[String(options.expect)] ?? 0);
        resolve({
          rps: expected / res.duration,
          p50: res.latency.p50,
          p99: res.latency.p99,
          non2xx: res.non2xx,
          errors: res.errors + res.timeouts,
          responses: Object.values(statuses).reduce((a, b) => a + b, 0),
          statuses,
        });
      },
    ),
  );
}

/** CPU seconds a process (or, with `thread`, one of its threads) has used so far, from /proc. */
function processCpuSeconds(pid: number, thread?: number): number {
  const file = thread === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${thread}/stat`;
  const fields = readFileSync(file, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks
}

async function redisCpuSeconds(redis: Redis): Promise<number> {
  const text = await redis.info('cpu');
  const read = (name: string) => Number(new RegExp(`${name}:([0-9.]+)`).exec(text)?.[1] ?? 0);
  return read('used_cpu_user') + read('used_cpu_sys');
}

interface CpuSplit {
  app: number;
  /** The app's main thread (JavaScript, the event loop); the rest of `app` is other threads. */
  appMain: number;
  redis: number;
  loadGenerator: number;
}

/**
 * A throughput run with the CPU time per successful request of the app, Redis and autocannon;
 * with `expect` (a status), per response of any status instead (rejections).
 */
async function measured(
  redis: Redis,
  target: Target,
  load: Load,
  options: { connections: number; duration: number; expect?: number },
): Promise<Sample & { cpu: CpuSplit }> {
  const pid = target.child.pid!;
  const app0 = processCpuSeconds(pid);
  const main0 = processCpuSeconds(pid, pid);
  const redis0 = await redisCpuSeconds(redis);
  const self0 = process.cpuUsage();
  const sample = await cannon(target.base, load, options);
  const self = process.cpuUsage(self0);
  const requests = options.expect === undefined ? sample.rps * options.duration : sample.responses;
  const perRequestUs = (seconds: number) => (seconds * 1e6) / Math.max(1, requests);
  return {
    ...sample,
    cpu: {
      app: perRequestUs(processCpuSeconds(pid) - app0),
      appMain: perRequestUs(processCpuSeconds(pid, pid) - main0),
      redis: perRequestUs((await redisCpuSeconds(redis)) - redis0),
      loadGenerator: perRequestUs((self.user + self.system) / 1e6),
    },
  };
}

async function post(
  base: string,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
) {
  const res = await fetch(base + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${base}${path}: ${res.status} ${await res.text()}`);
  return res;
}

const cookieOf = (res: Response) => (res.headers.get('set-cookie') ?? '').split(';')[0];
/** Every cookie a response sets, as one Cookie header (better-auth sets two with its cache). */
const cookiesOf = (res: Response) =>
  res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');

/** Sends `load`'s first request with fetch; throws unless the status is `status`. */
async function expectStatus(base: string, load: Load, status = 200): Promise<void> {
  const headers = { ...load.headers };
  if (load.forwardedFor) headers['x-forwarded-for'] = clientAddress();
  const res = await fetch(base + load.path, {
    method: load.method ?? 'GET',
    headers,
    body: load.bodies?.[0] ?? load.body,
  });
  if (res.status !== status) {
    throw new Error(
      `${load.method ?? 'GET'} ${base}${load.path}: ${res.status}, expected ${status}: ${await res.text()}`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Counting: Redis commands through MONITOR; PostgreSQL table reads and row writes through
// pg_stat_user_tables, which an idle backend flushes only after about ten seconds, hence the
// pauses (the figures of one window are the next window's starting point).

const STATS_FLUSH_MS = 11_000;

/** Over every schema of the run: only one app is counted at a time. */
async function tableStats(db: pg.Client, schemaNames: string[]) {
  const { rows } = await db.query<{ reads: string; writes: string }>(
    `SELECT coalesce(sum(seq_scan + coalesce(idx_scan, 0)), 0) AS reads,
            coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) AS writes
       FROM pg_stat_user_tables
      WHERE schemaname = ANY($1) AND relname <> 'warden_mail_outbox'`,
    [schemaNames],
  );
  return { reads: Number(rows[0].reads), writes: Number(rows[0].writes) };
}

interface Counts {
  sqlReads: number;
  sqlWrites: number;
  redisCommands: number;
  redisInScripts: number;
  commandNames: string;
}

async function countAll(
  db: pg.Client,
  schemaNames: string[],
  runs: {
    label: string;
    base: string;
    load: Load;
    /** The app's Redis key prefix: MONITOR sees every client of the (shared) server. */
    prefix: string;
    refresh?: () => Promise<void>;
  }[],
  requests: number,
): Promise<Map<string, Counts>> {
  const out = new Map<string, Counts>();
  await sleep(STATS_FLUSH_MS);
  let before = await tableStats(db, schemaNames);
  for (const { label, base: url, load, prefix, refresh } of runs) {
    // A fresh cookie cache where there is one (its 5 minutes could be spent in the pauses);
    // the sign-in that brings it is not counted.
    if (refresh) {
      await refresh();
      await sleep(STATS_FLUSH_MS);
      before = await tableStats(db, schemaNames);
    }
    // No ready check: its INFO reply can interleave with MONITOR output and confuse the client.
    const base = new Redis(REDIS_URL, { enableReadyCheck: false, lazyConnect: true });
    const monitor = await base.monitor();
    const names = new Map<string, number>();
    let topLevel = 0;
    let inScripts = 0;
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      // Only commands on the app's own keys (the Redis may be shared with other runs).
      if (!args.some((arg) => arg.startsWith(prefix))) return;
      if (source === 'lua') {
        inScripts++;
        return;
      }
      topLevel++;
      const name = args[0].toUpperCase();
      names.set(name, (names.get(name) ?? 0) + 1);
    });
    await sleep(200);
    await cannon(url, load, { connections: 4, amount: requests });
    await sleep(200);
    monitor.disconnect();
    base.disconnect();
    await sleep(STATS_FLUSH_MS);
    const after = await tableStats(db, schemaNames);
    console.error(`counted ${label}`);
    out.set(label, {
      sqlReads: (after.reads - before.reads) / requests,
      sqlWrites: (after.writes - before.writes) / requests,
      redisCommands: topLevel / requests,
      redisInScripts: inScripts / requests,
      commandNames: [...names.entries()]
        .map(([name, n]) => `${name} ${fmt(n / requests, 2)}`)
        .join(', '),
    });
    before = after;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------

async function argon2CpuMs(): Promise<number> {
  const hash = await argon2.hash(PASSWORD, { type: argon2.argon2id, ...ARGON2 });
  const n = 20;
  const before = process.cpuUsage();
  for (let i = 0; i < n; i++) await argon2.verify(hash, PASSWORD);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000 / n;
}

function versionOf(pkg: string): string {
  const file = join(process.cwd(), 'node_modules', pkg, 'package.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

async function main() {
  const db = new pg.Client({ connectionString: DATABASE_URL });
  await db.connect();
  const redis = new Redis(REDIS_URL, { enableAutoPipelining: true, enableOfflineQueue: false });
  await new Promise((resolve) => redis.once('ready', resolve));
  const targets: Target[] = [];
  let cleaned = false;
  const cleanUp = async () => {
    if (cleaned) return;
    cleaned = true;
    await Promise.all(
      targets.map(
        (t) =>
          new Promise<void>((resolve) => {
            if (t.child.exitCode !== null) return resolve();
            t.child.once('exit', () => resolve());
            t.child.kill('SIGTERM');
            setTimeout(() => t.child.kill('SIGKILL'), 5000).unref();
          }),
      ),
    );
    for (const name of [schema, betterAuthSchema, cookieCacheSchema]) {
      await db.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
    }
    await db.end();
    for (const prefix of [oursPrefix, recipePrefix, betterAuthPrefix, cookieCachePrefix]) {
      await deletePrefix(redis, prefix);
    }
    redis.disconnect();
  };
  // Interrupted (Ctrl-C), the run still drops its schemas and keys.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void cleanUp().finally(() => process.exit(130)));
  }
  await db.query(`CREATE SCHEMA "${schema}"`);
  try {
    // better-auth creates its tables itself at startup (its migration API), each app in its own
    // schema.
    await db.query(`CREATE SCHEMA "${betterAuthSchema}"`);
    await db.query(`CREATE SCHEMA "${cookieCacheSchema}"`);
    // Users: ours registers through the API, better-auth signs up through its own; the
    // recipes' table is seeded with the same password hashed at the same Argon2id parameters.
    await db.query(`SET search_path TO "${schema}"`);
    await db.query(RECIPE_USERS_DDL);
    const recipeHash = await argon2.hash(PASSWORD, { type: argon2.argon2id, ...ARGON2 });
    for (const email of ['bench@example.com', ...floodEmails]) {
      await db.query(
        `INSERT INTO recipe_users (id, email, display_name, password_hash, roles) VALUES ($1, $2, $3, $4, $5)`,
        [randomUUID(), email, 'Bench', recipeHash, '["user"]'],
      );
    }

    const port = 4100 + (process.pid % 500) * 8;
    const tsx = ['--import', 'tsx'];
    const baselineEnv = {
      DATABASE_URL: databaseUrlFor(schema),
      DATABASE_SCHEMA: schema,
      REDIS_URL,
      REDIS_KEY_PREFIX: recipePrefix,
      SESSION_SECRET: sessionSecret,
    };
    const betterAuthEnv = (schemaName: string, prefix: string) => ({
      NODE_ENV: 'production',
      DATABASE_URL: databaseUrlFor(schemaName),
      DATABASE_SCHEMA: schemaName,
      REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
      SESSION_SECRET: randomBytes(48).toString('base64'),
      APP_URL,
    });
    const betterAuthApp = join(process.cwd(), 'bench/baselines/better-auth.ts');
    // All started before any failure is thrown, so that the clean-up stops every one of them.
    const started = await Promise.allSettled([
      start(
        'nest-warden',
        [join(process.cwd(), 'dist', 'main.js')],
        {
          NODE_ENV: 'production',
          DATABASE_URL: databaseUrlFor(schema),
          REDIS_URL,
          REDIS_KEY_PREFIX: oursPrefix,
          SESSION_SECRETS: sessionSecret,
          JWT_SECRET: randomBytes(48).toString('base64'),
          // The flood registers many users from one IP: the registration throttle is not measured.
          REGISTER_MAX_PER_IP: '100000',
          // Production needs an SMTP server; the bench sends no mail (the recipes send none):
          // no verification mail on registration, and nothing listens at this address.
          SMTP_URL: 'smtp://127.0.0.1:9',
          APP_URL,
          EMAIL_VERIFICATION: 'off',
        },
        port,
      ),
      start('hello', [...tsx, join(process.cwd(), 'bench/baselines/hello.ts')], {}, port + 1),
      start(
        'recipe-session',
        [...tsx, join(process.cwd(), 'bench/baselines/recipe-session.ts')],
        baselineEnv,
        port + 2,
      ),
      start(
        'recipe-jwt',
        [...tsx, join(process.cwd(), 'bench/baselines/recipe-jwt.ts')],
        baselineEnv,
        port + 3,
      ),
      start(
        'better-auth',
        [...tsx, betterAuthApp],
        betterAuthEnv(betterAuthSchema, betterAuthPrefix),
        port + 4,
      ),
      start(
        'better-auth, cookie cache',
        [...tsx, betterAuthApp],
        { ...betterAuthEnv(cookieCacheSchema, cookieCachePrefix), BETTER_AUTH_COOKIE_CACHE: '1' },
        port + 5,
      ),
    ]);
    for (const s of started) if (s.status === 'fulfilled') targets.push(s.value);
    for (const s of started) if (s.status === 'rejected') throw s.reason;
    const [ours, hello, recipeSession, recipeJwt, betterAuth, cookieCache] = targets;
    const prefixOf = new Map([
      [ours, oursPrefix],
      [hello, ''],
      [recipeSession, recipePrefix],
      [recipeJwt, recipePrefix],
      [betterAuth, betterAuthPrefix],
      [cookieCache, cookieCachePrefix],
    ]);

    // Credentials.
    const credentials = { email: 'bench@example.com', password: PASSWORD };
    const json = { 'content-type': 'application/json' };
    await post(ours.base, '/auth/register', credentials);
    for (const email of [...floodEmails, THROTTLED_EMAIL])
      await post(ours.base, '/auth/register', { email, password: PASSWORD });
    const oursCookie = cookieOf(await post(ours.base, '/auth/login', credentials));
    const oursToken = (
      (await (await post(ours.base, '/auth/token', credentials)).json()) as {
        accessToken: string;
      }
    ).accessToken;
    const recipeCookie = cookieOf(await post(recipeSession.base, '/auth/login', credentials));
    const recipeToken = (
      (await (await post(recipeJwt.base, '/auth/login', credentials)).json()) as {
        access_token: string;
      }
    ).access_token;
    // better-auth: its own sign-up and sign-in routes, as a browser on the app's origin sends
    // them (Origin), through the proxy the bench plays (a client address each).
    const browser = (): Record<string, string> => ({
      origin: APP_URL,
      'x-forwarded-for': clientAddress(),
    });
    await Promise.all(
      [betterAuth, cookieCache].map(async (t) => {
        for (const email of ['bench@example.com', ...floodEmails]) {
          await post(
            t.base,
            '/api/auth/sign-up/email',
            { name: 'Bench', email, password: PASSWORD },
            browser(),
          );
        }
      }),
    );
    const signIn = async (t: Target) =>
      cookiesOf(await post(t.base, '/api/auth/sign-in/email', credentials, browser()));
    const betterAuthCookie = await signIn(betterAuth);

    const me = (headers: Record<string, string>): Load => ({ path: '/auth/me', headers });
    // The cookie cache lasts 5 minutes from sign-in, and the adapter's guard drops the
    // Set-Cookie with which getSession would renew it: a fresh sign-in before each of its runs.
    const cookieCacheLoad = me({ cookie: '' });
    const refreshCookieCache = async () => {
      const cookie = await signIn(cookieCache);
      if (!cookie.includes('session_data=')) throw new Error(`no cookie cache: ${cookie}`);
      cookieCacheLoad.headers!.cookie = cookie;
    };
    await refreshCookieCache();
    const login: Load = {
      path: '/auth/login',
      method: 'POST',
      headers: json,
      // A login flood is many people logging in: parallel logins of one account from one IP
      // beyond LOGIN_MAX_FAILURES_PER_ACCOUNT would be held back by the throttle.
      bodies: floodEmails.map((email) => JSON.stringify({ email, password: PASSWORD })),
    };
    const betterAuthLogin: Load = {
      path: '/api/auth/sign-in/email',
      method: 'POST',
      headers: { ...json, origin: APP_URL },
      bodies: login.bodies,
      // Many people from many addresses: better-auth allows 3 sign-ins per 10 s per address.
      forwardedFor: true,
    };
    const scenarios: {
      label: string;
      target: Target;
      load: Load;
      refresh?: () => Promise<void>;
    }[] = [
      { label: '`hello` (no auth)', target: hello, load: { path: '/hello' } },
      { label: 'nest-warden, cookie', target: ours, load: me({ cookie: oursCookie }) },
      {
        label: 'nest-warden, bearer',
        target: ours,
        load: me({ authorization: `Bearer ${oursToken}` }),
      },
      {
        label: '`recipe-session` (cookie)',
        target: recipeSession,
        load: me({ cookie: recipeCookie }),
      },
      {
        label: '`recipe-jwt` (bearer)',
        target: recipeJwt,
        load: me({ authorization: `Bearer ${recipeToken}` }),
      },
      {
        label: '`better-auth` (cookie)',
        target: betterAuth,
        load: me({ cookie: betterAuthCookie }),
      },
      {
        label: '`better-auth`, cookie cache',
        target: cookieCache,
        load: cookieCacheLoad,
        refresh: refreshCookieCache,
      },
    ];
    for (const s of scenarios) await expectStatus(s.target.base, s.load);
    console.error(`bench ${run}: apps up, credentials ready`);

    // 1. Throughput of GET /auth/me, interleaved, medians.
    const samples = new Map(scenarios.map((s) => [s.label, [] as (Sample & { cpu: CpuSplit })[]]));
    for (const s of scenarios) {
      await s.refresh?.();
      await cannon(s.target.base, s.load, { connections: 8, duration: 2 });
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (const s of scenarios) {
        await s.refresh?.();
        samples.get(s.label)?.push(
          await measured(redis, s.target, s.load, {
            connections: CONNECTIONS,
            duration: DURATION,
          }),
        );
      }
      console.error(`throughput round ${round + 1}/${ROUNDS} done`);
    }

    // 2. What one request costs in queries and commands.
    const counts = await countAll(
      db,
      [schema, betterAuthSchema, cookieCacheSchema],
      scenarios.slice(1).map((s) => ({
        label: s.label,
        base: s.target.base,
        load: s.load,
        prefix: prefixOf.get(s.target)!,
        refresh: s.refresh,
      })),
      500,
    );
    console.error('counts done');

    // 3. Login throughput against the Argon2 ceiling, and 4. a cheap request's p99 during a
    // login flood, for ours, the session recipe and better-auth, interleaved. The ceiling's
    // verify cost is measured in every round too (it drifts with the host), and its median is
    // used.
    const verifyMs: number[] = [];
    const floodTargets = [
      { label: 'nest-warden', target: ours, login, cheap: me({ cookie: oursCookie }) },
      {
        label: '`recipe-session`',
        target: recipeSession,
        login,
        cheap: me({ cookie: recipeCookie }),
      },
      {
        label: '`better-auth`',
        target: betterAuth,
        login: betterAuthLogin,
        cheap: me({ cookie: betterAuthCookie }),
      },
    ];
    for (const f of floodTargets) await expectStatus(f.target.base, f.login);
    const logins = new Map(
      floodTargets.map((f) => [f.label, [] as (Sample & { cpu: CpuSplit })[]]),
    );
    const idle = new Map(floodTargets.map((f) => [f.label, [] as number[]]));
    const flooded = new Map(floodTargets.map((f) => [f.label, [] as number[]]));
    for (let round = 0; round < ROUNDS; round++) {
      verifyMs.push(await argon2CpuMs());
      for (const f of floodTargets) {
        // Logins alone (throughput and what a login costs), then the cheap request alone, then
        // both at once.
        logins
          .get(f.label)
          ?.push(
            await measured(redis, f.target, f.login, { connections: 16, duration: DURATION + 1 }),
          );
        idle
          .get(f.label)
          ?.push(
            (await cannon(f.target.base, f.cheap, { connections: 4, duration: DURATION })).p99,
          );
        const [, cheapSample] = await Promise.all([
          cannon(f.target.base, f.login, { connections: 16, duration: DURATION + 1 }),
          sleep(500).then(() =>
            cannon(f.target.base, f.cheap, { connections: 4, duration: DURATION }),
          ),
        ]);
        flooded.get(f.label)?.push(cheapSample.p99);
      }
      console.error(`login round ${round + 1}/${ROUNDS} done`);
    }
    const cpuMs = median(verifyMs);
    const ceiling = (availableParallelism() * 1000) / cpuMs;
    // The flood created sessions; log in again so the cookie below is one of the live ones.
    const cookieNow = cookieOf(await post(ours.base, '/auth/login', credentials));
    const meNow = me({ cookie: cookieNow });

    // 5. p99 of GET /auth/me with 1,000 and with LIVE_SESSIONS live sessions in Redis,
    // interleaved: every round measures with 1,000, fills up to LIVE_SESSIONS (ten per user,
    // written through pipelines in the store's own layout: bench/fill-sessions.ts), measures
    // again and removes what it added.
    const filler = {
      prefix: oursPrefix,
      perUser: 10,
      lifetimeMs: 24 * 3600 * 1000,
      ip: '203.0.113.7',
      userAgent: 'Mozilla/5.0 (X11; Linux x86_64) bench',
    };
    const baseUsers = await fillSessions(redis, { ...filler, sessions: 1000 });
    const live = {
      small: [] as Sample[],
      large: [] as Sample[],
      smallKeys: 0,
      largeKeys: 0,
      fillSeconds: [] as number[],
    };
    for (let round = 0; round < ROUNDS; round++) {
      live.small.push(
        await cannon(ours.base, meNow, { connections: CONNECTIONS, duration: DURATION }),
      );
      live.smallKeys = await countPrefix(redis, oursPrefix);
      const t0 = Date.now();
      const added = await fillSessions(redis, { ...filler, sessions: LIVE_SESSIONS - 1000 });
      live.fillSeconds.push((Date.now() - t0) / 1000);
      live.large.push(
        await cannon(ours.base, meNow, { connections: CONNECTIONS, duration: DURATION }),
      );
      live.largeKeys = await countPrefix(redis, oursPrefix);
      await unfillSessions(redis, oursPrefix, added);
      console.error(`live sessions round ${round + 1}/${ROUNDS} done`);
    }
    await unfillSessions(redis, oursPrefix, baseUsers);
    console.error('live sessions done');

    // 6. What a rejected request costs nest-warden, beside the authenticated GET /auth/me.
    // Last, because the locked-out account's failures also count against 127.0.0.1.
    const csrfCookie = cookieOf(await post(ours.base, '/auth/login', credentials));
    const wrongPassword = JSON.stringify({ email: THROTTLED_EMAIL, password: 'not the password' });
    // Wrong passwords until the account is locked (429); each failure past a lockout doubles
    // it, so later rounds find it locked for longer.
    const lockOut = async () => {
      for (let i = 0; i < 20; i++) {
        const res = await fetch(ours.base + '/auth/login', {
          method: 'POST',
          headers: json,
          body: wrongPassword,
        });
        await res.arrayBuffer();
        if (res.status === 429) return;
        if (res.status !== 401) throw new Error(`locking ${THROTTLED_EMAIL} out: ${res.status}`);
      }
      throw new Error(`${THROTTLED_EMAIL}: no 429 after 20 wrong passwords`);
    };
    const rejections: {
      label: string;
      status: number;
      load: Load;
      before?: () => Promise<void>;
    }[] = [
      { label: 'GET /auth/me with its cookie (the reference)', status: 200, load: meNow },
      {
        label: 'POST /auth/login, body `{"email":1}`',
        status: 400,
        load: { path: '/auth/login', method: 'POST', headers: json, body: '{"email":1}' },
      },
      { label: 'GET /auth/me, no cookie', status: 401, load: { path: '/auth/me' } },
      {
        label: 'GET /auth/me, tampered cookie (a signature character changed)',
        status: 401,
        load: me({ cookie: tamper(cookieNow) }),
      },
      {
        label: 'POST /auth/logout with a cookie, no X-CSRF-Token',
        status: 403,
        load: { path: '/auth/logout', method: 'POST', headers: { cookie: csrfCookie } },
      },
      {
        label: `POST /auth/login, ${fmt(OVERSIZED_BODY.length / 1024)} KB JSON body`,
        status: 413,
        load: { path: '/auth/login', method: 'POST', headers: json, body: OVERSIZED_BODY },
      },
      {
        label: 'POST /auth/login, `Content-Type: text/plain`',
        status: 415,
        load: {
          path: '/auth/login',
          method: 'POST',
          headers: { 'content-type': 'text/plain' },
          body: JSON.stringify(credentials),
        },
      },
      {
        label: 'POST /auth/login, locked-out account, wrong password',
        status: 429,
        load: { path: '/auth/login', method: 'POST', headers: json, body: wrongPassword },
        before: lockOut,
      },
    ];
    const rejected = new Map(
      rejections.map((r) => [r.label, [] as (Sample & { cpu: CpuSplit })[]]),
    );
    for (const r of rejections) {
      await r.before?.();
      await expectStatus(ours.base, r.load, r.status);
      await cannon(ours.base, r.load, { connections: 8, duration: 1, expect: r.status });
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (const r of rejections) {
        await r.before?.();
        await expectStatus(ours.base, r.load, r.status);
        rejected.get(r.label)?.push(
          await measured(redis, ours, r.load, {
            connections: CONNECTIONS,
            duration: DURATION,
            expect: r.status,
          }),
        );
      }
      console.error(`rejections round ${round + 1}/${ROUNDS} done`);
    }

    // 7. Redis memory per session, ours beside connect-redis and better-auth (bench/sessions.ts,
    // on a redis-server of its own).
    const memory = await measureSessionMemory();
    console.error('memory done');

    // 8. Where GET /auth/me's CPU goes: bench/profile-get.ts (npm run bench:profile) profiles
    // the example app and hello under load in processes of its own; its summary goes in here.
    const profileDir = mkdtempSync(join(tmpdir(), 'warden-profile-'));
    const profileOut = join(profileDir, 'profile-get.md');
    execFileSync(process.execPath, ['--import', 'tsx', join('bench', 'profile-get.ts')], {
      env: {
        ...process.env,
        BENCH_ROUNDS: process.env.BENCH_PROFILE_ROUNDS ?? '1',
        BENCH_OUT: profileOut,
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const profile = readFileSync(profileOut, 'utf8')
      .split('\n')
      .filter((line) => !/^# /.test(line))
      .map((line) => (line.startsWith('#') ? `#${line}` : line))
      .join('\n')
      .trim();
    rmSync(profileDir, { recursive: true, force: true });
    console.error('profile done');

    // Report.
    const rpsOf = (label: string) => median(samples.get(label)!.map((s) => s.rps));
    const helloRps = rpsOf(scenarios[0].label);
    const recipeSessionRps = rpsOf(scenarios[3].label);
    const recipeJwtRps = rpsOf(scenarios[4].label);
    const betterAuthRps = rpsOf(scenarios[5].label);
    const redisInfo = await redis.info('server');
    const pgVersion = (await db.query<{ server_version: string }>('SHOW server_version')).rows[0]
      .server_version;
    const throughputRows = scenarios.map((s) => {
      const list = samples.get(s.label)!;
      const rps = median(list.map((x) => x.rps));
      const c = counts.get(s.label);
      const failures = list.reduce((n, x) => n + x.non2xx + x.errors, 0);
      const cpu = (key: keyof CpuSplit) => fmt(median(list.map((x) => x.cpu[key])));
      return `| ${s.label} | ${fmt(rps)} | ${range(list.map((x) => x.rps))} | ${fmt(rps / helloRps, 2)} | ${fmt(rps / recipeSessionRps, 2)} | ${fmt(rps / recipeJwtRps, 2)} | ${fmt(rps / betterAuthRps, 2)} | ${fmt(median(list.map((x) => x.p99)))} | ${cpu('app')} / ${cpu('redis')} / ${cpu('loadGenerator')} | ${c ? `${fmt(c.sqlReads, 2)} / ${fmt(c.sqlWrites, 2)}` : '—'} | ${c ? `${fmt(c.redisCommands, 2)} (${c.commandNames})` : '—'} | ${c ? fmt(c.redisInScripts, 2) : '—'} | ${failures} |`;
    });
    const loginRows = floodTargets.map((f) => {
      const list = logins.get(f.label)!;
      const rps = median(list.map((x) => x.rps));
      const ms = (pick: (cpu: CpuSplit) => number) =>
        fmt(median(list.map((x) => pick(x.cpu))) / 1000, 1);
      const idleP99 = median(idle.get(f.label)!);
      const floodP99 = median(flooded.get(f.label)!);
      return `| ${f.label} | ${fmt(rps, 1)} (${range(
        list.map((x) => x.rps),
        1,
      )}) | ${fmt(rps / ceiling, 2)} | ${ms((c) => c.app - c.appMain)} / ${ms((c) => c.appMain)} / ${ms((c) => c.redis)} / ${ms((c) => c.loadGenerator)} | ${list.reduce((n, x) => n + x.non2xx, 0)} | ${fmt(idleP99)} (${range(idle.get(f.label)!)}) | ${fmt(floodP99)} (${range(flooded.get(f.label)!)}) | ${fmt(floodP99 / idleP99, 2)} |`;
    });
    const smallP99 = median(live.small.map((x) => x.p99));
    const largeP99 = median(live.large.map((x) => x.p99));
    const pairRatios = live.large.map((x, i) => x.p99 / live.small[i].p99);
    const liveRows = [
      ['1,000 sessions', live.small, live.smallKeys] as const,
      [`${fmt(LIVE_SESSIONS)} sessions`, live.large, live.largeKeys] as const,
    ].map(
      ([label, list, keys]) =>
        `| ${label} | ${fmt(keys)} | ${fmt(median(list.map((x) => x.rps)))} | ${fmt(median(list.map((x) => x.p99)))} (${range(list.map((x) => x.p99))}) | ${fmt(median(list.map((x) => x.p99)) / smallP99, 2)} |`,
    );
    const referenceCpu = median(rejected.get(rejections[0].label)!.map((x) => x.cpu.app));
    const rejectionRows = rejections.map((r) => {
      const list = rejected.get(r.label)!;
      const cpu = (key: keyof CpuSplit) => median(list.map((x) => x.cpu[key]));
      // Every status seen over the rounds, the expected one first; socket errors too.
      const seen = new Map<string, number>();
      for (const x of list) {
        for (const [code, n] of Object.entries(x.statuses))
          seen.set(code, (seen.get(code) ?? 0) + n);
      }
      const errors = list.reduce((n, x) => n + x.errors, 0);
      const statuses = [...seen.entries()]
        .sort(([a], [b]) => Number(a !== String(r.status)) - Number(b !== String(r.status)))
        .map(([code, n]) => `${code} × ${fmt(n)}`)
        .concat(errors ? [`errors × ${fmt(errors)}`] : [])
        .join(', ');
      const rps = median(list.map((x) => x.rps));
      return `| ${r.status} | ${r.label} | ${statuses} | ${fmt(rps)} (${range(list.map((x) => x.rps))}) | ${fmt(median(list.map((x) => x.p99)))} | ${fmt(cpu('appMain'))} / ${fmt(cpu('app'))} / ${fmt(cpu('redis'))} | ${fmt(cpu('app') / referenceCpu, 2)} |`;
    });
    // The issue's goals (issue 19), each beside its figure from this run.
    const meOf = (label: string) => {
      const list = samples.get(label)!;
      return {
        rps: rpsOf(label),
        app: median(list.map((x) => x.cpu.app)),
        counts: counts.get(label),
      };
    };
    const helloMe = meOf(scenarios[0].label);
    const cookieMe = meOf(scenarios[1].label);
    const bearerMe = meOf(scenarios[2].label);
    const loginOf = (label: string) => {
      const list = logins.get(label)!;
      const cpu = (pick: (c: CpuSplit) => number) => median(list.map((x) => pick(x.cpu))) / 1000;
      return {
        rps: median(list.map((x) => x.rps)),
        other: cpu((c) => c.app - c.appMain),
        main: cpu((c) => c.appMain),
        rest: cpu((c) => c.redis + c.loadGenerator),
        flood: median(flooded.get(label)!) / median(idle.get(label)!),
      };
    };
    const oursLogin = loginOf(floodTargets[0].label);
    const recipeLogin = loginOf(floodTargets[1].label);
    const worstRejection = rejections.slice(1).reduce(
      (worst, r) => {
        const ratio = median(rejected.get(r.label)!.map((x) => x.cpu.app)) / referenceCpu;
        return ratio > worst.ratio ? { label: r.label, status: r.status, ratio } : worst;
      },
      { label: '', status: 0, ratio: 0 },
    );
    const met = (ok: boolean) => (ok ? '**met**' : '**not met**');
    // As the table shows them (two decimals): a background query in 500 requests is not one per request.
    const zeroSql = (c?: Counts) => (c ? c.sqlReads + c.sqlWrites < 0.005 : false);
    const oneRedis = (c?: Counts) => (c ? Math.abs(c.redisCommands - 1) < 0.01 : false);
    const goalRows = [
      `| 1. better-auth baseline (bench/baselines/better-auth.ts), with and without cookie cache, in every table | rows above; memory side by side below | **met** |`,
      `| 2. GET /auth/me ≥ 0.8× hello, cookie and bearer | cookie ${fmt(cookieMe.rps / helloMe.rps, 2)}×, bearer ${fmt(bearerMe.rps / helloMe.rps, 2)}× (app CPU per request: hello ${fmt(helloMe.app)} µs, cookie ${fmt(cookieMe.app)} µs, bearer ${fmt(bearerMe.app)} µs) | ${met(cookieMe.rps / helloMe.rps >= 0.8 && bearerMe.rps / helloMe.rps >= 0.8)} |`,
      `| 2. … with 0 SQL and 1 Redis command per request | cookie ${fmt(cookieMe.counts?.sqlReads ?? NaN, 2)} / ${fmt(cookieMe.counts?.redisCommands ?? NaN, 2)}, bearer ${fmt(bearerMe.counts?.sqlReads ?? NaN, 2)} / ${fmt(bearerMe.counts?.redisCommands ?? NaN, 2)} | ${met(zeroSql(cookieMe.counts) && zeroSql(bearerMe.counts) && oneRedis(cookieMe.counts) && oneRedis(bearerMe.counts))} |`,
      `| 2. … and ≥ 2.5× better-auth | cookie ${fmt(cookieMe.rps / betterAuthRps, 2)}×, bearer ${fmt(bearerMe.rps / betterAuthRps, 2)}× | ${met(cookieMe.rps / betterAuthRps >= 2.5 && bearerMe.rps / betterAuthRps >= 2.5)} |`,
      `| 3. login ≥ the recipe's logins/s | ${fmt(oursLogin.rps, 1)} vs ${fmt(recipeLogin.rps, 1)} (${fmt(oursLogin.rps / recipeLogin.rps, 2)}×) | ${met(oursLogin.rps >= recipeLogin.rps)} |`,
      `| 3. login ≥ 0.85× the Argon2 ceiling | ${fmt(oursLogin.rps / ceiling, 2)}× (${fmt(oursLogin.rps, 1)} of ${fmt(ceiling, 1)}/s); with this run's CPU per login (${fmt(oursLogin.other, 1)} ms other threads + ${fmt(oursLogin.main, 1)} ms main + ${fmt(oursLogin.rest, 1)} ms Redis and autocannon) two cores give at most ${fmt((availableParallelism() * 1000) / (oursLogin.other + oursLogin.main + oursLogin.rest), 1)}/s = ${fmt((availableParallelism() * 1000) / (oursLogin.other + oursLogin.main + oursLogin.rest) / ceiling, 2)}×, against ${fmt(cpuMs, 1)} ms for one verify alone | ${met(oursLogin.rps / ceiling >= 0.85)} |`,
      `| 3. main thread ≤ 4 ms per login | ${fmt(oursLogin.main, 1)} ms (recipe ${fmt(recipeLogin.main, 1)} ms) | ${met(oursLogin.main <= 4)} |`,
      `| 3. cheap request's p99 during a login flood ≤ 2× idle | ${fmt(oursLogin.flood, 2)}× | ${met(oursLogin.flood <= 2)} |`,
      `| 4. Redis ≤ 400 B per session at one per user, ≤ 300 B at ten | ${fmt(memory.ours1.info)} B and ${fmt(memory.ours10.info)} B (INFO delta over ${fmt(memory.ours1.keys)} keys; MEMORY USAGE ${fmt(memory.ours1.usage)} B and ${fmt(memory.ours10.usage)} B); connect-redis ${fmt(memory.connectRedis.info)} B, better-auth ${fmt(memory.betterAuth1.info)} B and ${fmt(memory.betterAuth10.info)} B | ${met(memory.ours1.info <= 400 && memory.ours10.info <= 300)} |`,
      `| 5. p99 at ${fmt(LIVE_SESSIONS)} live sessions ≤ 1.2× p99 at 1,000 | ${fmt(largeP99 / smallP99, 2)}× (per round ${pairRatios.map((r) => fmt(r, 2)).join(', ')}) | ${met(largeP99 / smallP99 <= 1.2)} |`,
      `| 5. … filled through pipelines well under a minute | ${fmt(median(live.fillSeconds), 1)} s per fill of ${fmt(LIVE_SESSIONS - 1000)} | ${met(Math.max(...live.fillSeconds) < 60)} |`,
      `| 6. rejections (400, 401, 403, 413, 415, 429) cost no more than an authenticated GET | the dearest: ${worstRejection.status} (${worstRejection.label}) at ${fmt(worstRejection.ratio, 2)}× the GET's app CPU | ${met(worstRejection.ratio <= 1)} |`,
    ];

    const report = [
      `# bench/http — ${new Date().toISOString()}`,
      '',
      `Machine: ${cpus()[0]?.model ?? 'cpu'} × ${availableParallelism()}, Node ${process.version}, Redis ${/redis_version:(\S+)/.exec(redisInfo)?.[1]} and PostgreSQL ${pgVersion} on loopback.`,
      `Versions: @nestjs/core ${versionOf('@nestjs/core')}, @nestjs/platform-express ${versionOf('@nestjs/platform-express')}, typeorm ${versionOf('typeorm')}, ioredis ${versionOf('ioredis')}, argon2 ${versionOf('argon2')}, express-session ${versionOf('express-session')}, connect-redis ${versionOf('connect-redis')}, redis ${versionOf('redis')}, passport-jwt ${versionOf('passport-jwt')}, better-auth ${versionOf('better-auth')}, @better-auth/redis-storage ${versionOf('@better-auth/redis-storage')}, @thallesp/nestjs-better-auth ${versionOf('@thallesp/nestjs-better-auth')}, pg ${versionOf('pg')}, autocannon ${versionOf('autocannon')}.`,
      `Every app is one Node process on Express; autocannon runs in the bench process on the same machine. ${ROUNDS} interleaved rounds of ${DURATION} s each (every setup once per round, in the order of the table); figures are medians with min–max.`,
      "`better-auth` (bench/baselines/better-auth.ts) is better-auth behind @thallesp/nestjs-better-auth as their READMEs set it up, in production mode: PostgreSQL through a pg Pool in a schema of its own (tables made at startup by its migration API), sessions in Redis through @better-auth/redis-storage as `secondaryStorage` (so no session table), Argon2id at the parameters below through its password hooks, its default rate limits (counted in Redis), its session cookie signed with HMAC-SHA256. GET /auth/me is a Nest controller behind the adapter's global AuthGuard (`auth.api.getSession`), returning the session's user. `better-auth, cookie cache` adds its documented `session.cookieCache` (5 minutes): the session and user also travel in a second signed cookie, and are read from it instead of Redis. The adapter's guard drops the Set-Cookie with which getSession would renew that cache, so the bench signs in again before each run of that row.",
      'Reproduce: `npm run bench` (BENCH_ROUNDS, BENCH_DURATION_S, BENCH_LIVE_SESSIONS to change the run).',
      '',
      '## Goals (issue 19), from this run',
      '',
      '| goal | figure | |',
      '|---|---|---|',
      ...goalRows,
      '',
      `## GET /auth/me, ${CONNECTIONS} connections`,
      '',
      "Ratios are against the baselines measured in this run (× better-auth: against the `better-auth` row without cookie cache). CPU time per request is read from /proc for the app, from INFO cpu for Redis (the whole server: other clients of a shared Redis count too) and from the bench process for autocannon (not counted for PostgreSQL); on two cores, whatever Redis and autocannon use is not available to the app. SQL reads/writes are table scans and rows written per request (pg_stat_user_tables, over the schemas of all the apps, but for nest-warden's mail outbox, which its worker polls on a timer whatever the requests); Redis commands are top-level commands per request on the app's own keys (MONITOR, filtered by the app's key prefix, as the Redis may serve others too), with the commands a Lua script ran counted apart; both from 500 requests after the throughput rounds.",
      '',
      '| setup | req/s | min–max | × hello | × recipe-session | × recipe-jwt | × better-auth | p99 ms | CPU µs per request: app / Redis / autocannon | SQL reads / writes | Redis commands | in scripts | non-2xx |',
      '|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|',
      ...throughputRows,
      '',
      '## Login throughput and a cheap request during a login flood',
      '',
      `Argon2id m=${ARGON2.memoryCost} t=${ARGON2.timeCost} p=${ARGON2.parallelism} (the example app's default) costs ${fmt(cpuMs, 1)} ms of CPU per verify on this machine (measured by this script before each round, one at a time: median, ${range(verifyMs, 1)}), so the ceiling is ${availableParallelism()} cores ÷ ${fmt(cpuMs, 1)} ms = ${fmt(ceiling, 1)} logins/s. The recipe's table and better-auth's password hooks use the same hash parameters.`,
      `Login: autocannon 16 connections × ${DURATION + 1} s of POST /auth/login with the right password (better-auth: its POST /api/auth/sign-in/email, with the Origin a browser sends), 64 accounts in turn, alone; its CPU per login is split into the app's other threads (Argon2 on the libuv threadpool, and V8's helpers), the app's main thread (HTTP, validation, queries, sessions, throttle, events), Redis and autocannon (PostgreSQL not counted). better-auth allows 3 sign-ins per 10 s per client address, which it reads from X-Forwarded-For (production, no header: one bucket for every client): each of its logins carries another address, as a reverse proxy would set it for many people logging in, so its limiter runs (one Lua script in Redis per login) but refuses none. Cheap request: GET /auth/me with a cookie (better-auth: without cookie cache), 4 connections × ${DURATION} s, alone (idle) and during a second login flood.`,
      '',
      '| app | logins/s (min–max) | × Argon2 ceiling | CPU ms per login: app other threads / app main thread / Redis / autocannon | non-2xx logins | cheap p99 idle ms | cheap p99 during flood ms | flood ÷ idle |',
      '|---|---:|---:|---:|---:|---:|---:|---:|',
      ...loginRows,
      '',
      '## GET /auth/me with many live sessions in Redis',
      '',
      `nest-warden, cookie, ${CONNECTIONS} connections, ${ROUNDS} interleaved rounds: each measures with 1,000 live sessions, fills up to ${fmt(LIVE_SESSIONS)} (ten per user, through pipelines in RedisSessionStore's own layout: bench/fill-sessions.ts; ${fmt(median(live.fillSeconds), 1)} s per fill, ${range(live.fillSeconds, 1)}), measures again and removes the filler. p99 at ${fmt(LIVE_SESSIONS)} ÷ p99 at 1,000: ${fmt(largeP99 / smallP99, 2)} (medians); per round ${pairRatios.map((r) => fmt(r, 2)).join(', ')}. Keys: one hash per user plus the app's own keys (throttle counters, cached users, the user-agent text).`,
      '',
      '| live sessions | Redis keys under the app prefix | req/s | p99 ms (min–max) | × p99 at 1,000 |',
      '|---|---:|---:|---:|---:|',
      ...liveRows,
      '',
      '## Rejections',
      '',
      `What nest-warden spends on a request it refuses, beside the authenticated GET /auth/me (first row): ${CONNECTIONS} connections × ${DURATION} s per row, after the sections above, rows interleaved as elsewhere. CPU is per response of any status, read from /proc for the app's main thread (the event loop) and for the whole app process (main thread and the rest: libuv threadpool, V8's helpers), and from INFO cpu for Redis; the last column is the app's total CPU per request ÷ the authenticated GET's. req/s counts the responses with the expected status; every status seen is listed, and each row's first request is checked with fetch before each run (the bench stops if its status differs). The locked-out account is made so with wrong passwords until 429 before every run; a failure after the lockout expires doubles it, so a few 401s (each a full Argon2 verify) can appear in that row.`,
      '',
      '| status | request | statuses seen | req/s (min–max) | p99 ms | CPU µs per request: app main thread / app total / Redis | ÷ authenticated GET |',
      '|---:|---|---|---:|---:|---:|---:|',
      ...rejectionRows,
      '',
      '## Redis memory per session',
      '',
      memory.markdown,
      '',
      '## CPU profile of GET /auth/me',
      '',
      'From `bench/profile-get.ts` (`npm run bench:profile`, its own processes, after everything above):',
      '',
      profile,
      '',
    ].join('\n');
    console.log(report);
    writeFileSync(join(process.cwd(), 'bench', 'results.md'), report);
  } finally {
    await cleanUp();
  }
}

await main();
