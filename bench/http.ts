// bench/http: the example app over HTTP against the three baselines in bench/baselines/, all
// started by this script against the local PostgreSQL and Redis and driven with autocannon on
// loopback. Run: npm run bench (builds first). Knobs: BENCH_ROUNDS (3), BENCH_DURATION_S (5),
// BENCH_LIVE_SESSIONS (1000000). Writes bench/results.md. Figures, never pass/fail.
import 'reflect-metadata';
import argon2 from 'argon2';
import autocannon from 'autocannon';
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { RECIPE_USERS_DDL } from './baselines/common.js';
import { systemClock } from '../src/core/clock.js';
import { RedisSessionStore } from '../src/session/redis-session.store.js';
import { resolveSessionOptions } from '../src/session/session.options.js';
import { SessionService } from '../src/session/session.service.js';
import { countPrefix, deletePrefix, fmt, median, pool } from './support.js';

const DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const DURATION = Number(process.env.BENCH_DURATION_S ?? 5);
const LIVE_SESSIONS = Number(process.env.BENCH_LIVE_SESSIONS ?? 1_000_000);
const FILL_CONCURRENCY = 1000;
const CONNECTIONS = 32;
const PASSWORD = 'correct horse battery staple';
const ARGON2 = { memoryCost: 19456, timeCost: 2, parallelism: 1 }; // the example app's default

const run = randomBytes(4).toString('hex');
const schema = `warden_bench_${run}`;
const oursPrefix = `warden_bench_${run}:`;
const recipePrefix = `sess_bench_${run}:`;
const sessionSecret = randomBytes(48).toString('base64');
const floodEmails = Array.from({ length: 64 }, (_, i) => `flood-${i}@example.com`);

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
  for (let i = 0; i < 300; i++) {
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
}

interface Sample {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
}

/** An autocannon setupRequest that sends `bodies` one after the other, round and round. */
function rotate(bodies: string[]) {
  let next = 0;
  return (request: autocannon.Request) => ({ ...request, body: bodies[next++ % bodies.length] });
}

function cannon(
  base: string,
  load: Load,
  options: { connections: number; duration?: number; amount?: number },
): Promise<Sample> {
  return new Promise((resolve, reject) =>
    autocannon(
      {
        url: base + load.path,
        method: load.method ?? 'GET',
        headers: load.headers,
        body: load.body,
        ...(load.bodies ? { requests: [{ setupRequest: rotate(load.bodies) }] } : {}),
        connections: options.connections,
        ...(options.amount ? { amount: options.amount } : { duration: options.duration }),
      },
      (err, res) =>
        err
          ? reject(err)
          : resolve({
              rps: res['2xx'] / res.duration,
              p50: res.latency.p50,
              p99: res.latency.p99,
              non2xx: res.non2xx,
              errors: res.errors + res.timeouts,
            }),
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

/** A throughput run with the CPU time per successful request of the app, Redis and autocannon. */
async function measured(
  redis: Redis,
  target: Target,
  load: Load,
  options: { connections: number; duration: number },
): Promise<Sample & { cpu: CpuSplit }> {
  const pid = target.child.pid!;
  const app0 = processCpuSeconds(pid);
  const main0 = processCpuSeconds(pid, pid);
  const redis0 = await redisCpuSeconds(redis);
  const self0 = process.cpuUsage();
  const sample = await cannon(target.base, load, options);
  const self = process.cpuUsage(self0);
  const requests = sample.rps * options.duration;
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

async function post(base: string, path: string, body: unknown) {
  const res = await fetch(base + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${base}${path}: ${res.status} ${await res.text()}`);
  return res;
}

const cookieOf = (res: Response) => (res.headers.get('set-cookie') ?? '').split(';')[0];

async function expectOk(base: string, load: Load): Promise<void> {
  const res = await fetch(base + load.path, { headers: load.headers });
  if (res.status !== 200) throw new Error(`${base}${load.path}: ${res.status}`);
}

// ---------------------------------------------------------------------------------------------
// Counting: Redis commands through MONITOR; PostgreSQL table reads and row writes through
// pg_stat_user_tables, which an idle backend flushes only after about ten seconds, hence the
// pauses (the figures of one window are the next window's starting point).

const STATS_FLUSH_MS = 11_000;

async function tableStats(db: pg.Client, schemaName: string) {
  const { rows } = await db.query<{ reads: string; writes: string }>(
    `SELECT coalesce(sum(seq_scan + coalesce(idx_scan, 0)), 0) AS reads,
            coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) AS writes
       FROM pg_stat_user_tables WHERE schemaname = $1`,
    [schemaName],
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
  schemaName: string,
  runs: { label: string; base: string; load: Load }[],
  requests: number,
): Promise<Map<string, Counts>> {
  const out = new Map<string, Counts>();
  await sleep(STATS_FLUSH_MS);
  let before = await tableStats(db, schemaName);
  for (const { label, base: url, load } of runs) {
    // No ready check: its INFO reply can interleave with MONITOR output and confuse the client.
    const base = new Redis(REDIS_URL, { enableReadyCheck: false, lazyConnect: true });
    const monitor = await base.monitor();
    const names = new Map<string, number>();
    let topLevel = 0;
    let inScripts = 0;
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
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
    const after = await tableStats(db, schemaName);
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
  const fillerUsers: string[] = [];
  // Filler sessions only: a generous timeout, since a fill keeps FILL_CONCURRENCY calls in flight.
  const sessions = new SessionService(
    new RedisSessionStore(redis, {
      keyPrefix: oursPrefix,
      prefetchCachedUser: true,
      commandTimeoutMs: 60_000,
    }),
    resolveSessionOptions({ secrets: [sessionSecret], cookieSecure: true }),
    systemClock,
  );
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
    await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await db.end();
    await deletePrefix(redis, oursPrefix);
    await deletePrefix(redis, recipePrefix);
    redis.disconnect();
  };
  // Interrupted (Ctrl-C), the run still drops its schema and keys.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void cleanUp().finally(() => process.exit(130)));
  }
  await db.query(`CREATE SCHEMA "${schema}"`);
  try {
    // Users: ours registers through the API; the recipes' table is seeded with the same
    // password hashed at the same Argon2id parameters.
    await db.query(`SET search_path TO "${schema}"`);
    await db.query(RECIPE_USERS_DDL);
    const recipeHash = await argon2.hash(PASSWORD, { type: argon2.argon2id, ...ARGON2 });
    for (const email of ['bench@example.com', ...floodEmails]) {
      await db.query(
        `INSERT INTO recipe_users (id, email, display_name, password_hash, roles) VALUES ($1, $2, $3, $4, $5)`,
        [randomUUID(), email, 'Bench', recipeHash, '["user"]'],
      );
    }

    const port = 4100 + (process.pid % 500) * 5;
    const tsx = ['--import', 'tsx'];
    const baselineEnv = {
      DATABASE_URL: databaseUrlFor(schema),
      DATABASE_SCHEMA: schema,
      REDIS_URL,
      REDIS_KEY_PREFIX: recipePrefix,
      SESSION_SECRET: sessionSecret,
    };
    const [ours, hello, recipeSession, recipeJwt] = await Promise.all([
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
          APP_URL: 'https://bench.example.test',
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
    ]);
    targets.push(ours, hello, recipeSession, recipeJwt);

    // Credentials.
    const credentials = { email: 'bench@example.com', password: PASSWORD };
    await post(ours.base, '/auth/register', credentials);
    for (const email of floodEmails)
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

    const me = (headers: Record<string, string>): Load => ({ path: '/auth/me', headers });
    const login: Load = {
      path: '/auth/login',
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      // A login flood is many people logging in: parallel logins of one account from one IP
      // beyond LOGIN_MAX_FAILURES_PER_ACCOUNT would be held back by the throttle.
      bodies: floodEmails.map((email) => JSON.stringify({ email, password: PASSWORD })),
    };
    const scenarios = [
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
    ];
    for (const s of scenarios) await expectOk(s.target.base, s.load);
    console.error(`bench ${run}: apps up, credentials ready`);

    // 1. Throughput of GET /auth/me, interleaved, medians.
    const samples = new Map(scenarios.map((s) => [s.label, [] as (Sample & { cpu: CpuSplit })[]]));
    for (const s of scenarios) await cannon(s.target.base, s.load, { connections: 8, duration: 2 });
    for (let round = 0; round < ROUNDS; round++) {
      for (const s of scenarios) {
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
      schema,
      scenarios.slice(1).map((s) => ({ label: s.label, base: s.target.base, load: s.load })),
      500,
    );
    console.error('counts done');

    // 3. Login throughput against the Argon2 ceiling, and 4. a cheap request's p99 during a
    // login flood, for ours and the session recipe, interleaved. The ceiling's verify cost is
    // measured in every round too (it drifts with the host), and its median is used.
    const verifyMs: number[] = [];
    const floodTargets = [
      { label: 'nest-warden', target: ours, cheap: me({ cookie: oursCookie }) },
      { label: '`recipe-session`', target: recipeSession, cheap: me({ cookie: recipeCookie }) },
    ];
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
            await measured(redis, f.target, login, { connections: 16, duration: DURATION + 1 }),
          );
        idle
          .get(f.label)
          ?.push(
            (await cannon(f.target.base, f.cheap, { connections: 4, duration: DURATION })).p99,
          );
        const [, cheapSample] = await Promise.all([
          cannon(f.target.base, login, { connections: 16, duration: DURATION + 1 }),
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

    // 5. p99 of GET /auth/me with 1,000 and with LIVE_SESSIONS live sessions in Redis, in the
    // order small, large, small again (filler sessions are deleted between).
    const fill = async (total: number) => {
      const before = fillerUsers.length;
      const users = Math.ceil(total / 10);
      for (let i = 0; i < users; i++) fillerUsers.push(randomUUID());
      // Through SessionService, FILL_CONCURRENCY at once on the auto-pipelining client: Redis gets
      // them in batches, one script (plus the user agent's SET NX) per session.
      await pool(total, FILL_CONCURRENCY, (i) =>
        sessions.create(
          { id: fillerUsers[before + (i % users)], authVersion: 1 },
          { ip: '203.0.113.7', userAgent: 'Mozilla/5.0 (X11; Linux x86_64) bench' },
        ),
      );
    };
    const unfill = async () => {
      await pool(fillerUsers.length, FILL_CONCURRENCY, (i) => sessions.revokeAll(fillerUsers[i]));
      fillerUsers.length = 0;
    };
    const live: { label: string; samples: Sample[]; keys: number }[] = [];
    const measureLive = async (label: string) => {
      const list: Sample[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        list.push(await cannon(ours.base, meNow, { connections: CONNECTIONS, duration: DURATION }));
      }
      live.push({ label, samples: list, keys: await countPrefix(redis, oursPrefix) });
    };
    await fill(1000);
    await measureLive('1,000 sessions');
    const t0 = Date.now();
    await fill(LIVE_SESSIONS - 1000);
    const fillSeconds = (Date.now() - t0) / 1000;
    await measureLive(`${fmt(LIVE_SESSIONS)} sessions`);
    await unfill();
    await fill(1000);
    await measureLive('1,000 sessions again');
    await unfill();
    console.error('live sessions done');

    // Report.
    const helloRps = median(samples.get(scenarios[0].label)!.map((s) => s.rps));
    const recipeSessionRps = median(samples.get(scenarios[3].label)!.map((s) => s.rps));
    const recipeJwtRps = median(samples.get(scenarios[4].label)!.map((s) => s.rps));
    const redisInfo = await redis.info('server');
    const pgVersion = (await db.query<{ server_version: string }>('SHOW server_version')).rows[0]
      .server_version;
    const throughputRows = scenarios.map((s) => {
      const list = samples.get(s.label)!;
      const rps = median(list.map((x) => x.rps));
      const c = counts.get(s.label);
      const failures = list.reduce((n, x) => n + x.non2xx + x.errors, 0);
      const cpu = (key: keyof CpuSplit) => fmt(median(list.map((x) => x.cpu[key])));
      return `| ${s.label} | ${fmt(rps)} | ${range(list.map((x) => x.rps))} | ${fmt(rps / helloRps, 2)} | ${fmt(rps / recipeSessionRps, 2)} | ${fmt(rps / recipeJwtRps, 2)} | ${fmt(median(list.map((x) => x.p99)))} | ${cpu('app')} / ${cpu('redis')} / ${cpu('loadGenerator')} | ${c ? `${fmt(c.sqlReads, 2)} / ${fmt(c.sqlWrites, 2)}` : '—'} | ${c ? `${fmt(c.redisCommands, 2)} (${c.commandNames})` : '—'} | ${c ? fmt(c.redisInScripts, 2) : '—'} | ${failures} |`;
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
    const smallP99 = median([...live[0].samples, ...live[2].samples].map((s) => s.p99));
    const liveRows = live.map(
      (l) =>
        `| ${l.label} | ${fmt(l.keys)} | ${fmt(median(l.samples.map((s) => s.rps)))} | ${fmt(median(l.samples.map((s) => s.p99)))} (${range(l.samples.map((s) => s.p99))}) | ${fmt(median(l.samples.map((s) => s.p99)) / smallP99, 2)} |`,
    );
    const report = [
      `# bench/http — ${new Date().toISOString()}`,
      '',
      `Machine: ${cpus()[0]?.model ?? 'cpu'} × ${availableParallelism()}, Node ${process.version}, Redis ${/redis_version:(\S+)/.exec(redisInfo)?.[1]} and PostgreSQL ${pgVersion} on loopback.`,
      `Versions: @nestjs/core ${versionOf('@nestjs/core')}, @nestjs/platform-express ${versionOf('@nestjs/platform-express')}, typeorm ${versionOf('typeorm')}, ioredis ${versionOf('ioredis')}, argon2 ${versionOf('argon2')}, express-session ${versionOf('express-session')}, connect-redis ${versionOf('connect-redis')}, redis ${versionOf('redis')}, passport-jwt ${versionOf('passport-jwt')}, autocannon ${versionOf('autocannon')}.`,
      `Every app is one Node process on Express; autocannon runs in the bench process on the same machine. ${ROUNDS} interleaved rounds of ${DURATION} s each (A B C D E, A B C D E, ...); figures are medians with min–max.`,
      'Reproduce: `npm run bench` (BENCH_ROUNDS, BENCH_DURATION_S, BENCH_LIVE_SESSIONS to change the run).',
      '',
      `## GET /auth/me, ${CONNECTIONS} connections`,
      '',
      'Ratios are against the baselines measured in this run. CPU time per request is read from /proc for the app, from INFO cpu for Redis and from the bench process for autocannon (not counted for PostgreSQL); on two cores, whatever Redis and autocannon use is not available to the app. SQL reads/writes are table scans and rows written per request (pg_stat_user_tables); Redis commands are top-level commands per request (MONITOR), with the commands a Lua script ran counted apart; both from 500 requests after the throughput rounds.',
      '',
      '| setup | req/s | min–max | × hello | × recipe-session | × recipe-jwt | p99 ms | CPU µs per request: app / Redis / autocannon | SQL reads / writes | Redis commands | in scripts | non-2xx |',
      '|---|---:|---|---:|---:|---:|---:|---:|---:|---|---:|---:|',
      ...throughputRows,
      '',
      '## Login throughput and a cheap request during a login flood',
      '',
      `Argon2id m=${ARGON2.memoryCost} t=${ARGON2.timeCost} p=${ARGON2.parallelism} (the example app's default) costs ${fmt(cpuMs, 1)} ms of CPU per verify on this machine (measured by this script before each round, one at a time: median, ${range(verifyMs, 1)}), so the ceiling is ${availableParallelism()} cores ÷ ${fmt(cpuMs, 1)} ms = ${fmt(ceiling, 1)} logins/s. The recipe's table holds the same hash parameters.`,
      `Login: autocannon 16 connections × ${DURATION + 1} s of POST /auth/login with the right password, 64 accounts in turn, alone; its CPU per login is split into the app's other threads (Argon2 on the libuv threadpool, and V8's helpers), the app's main thread (HTTP, validation, queries, sessions, throttle, events), Redis and autocannon (PostgreSQL not counted). Cheap request: GET /auth/me with a cookie, 4 connections × ${DURATION} s, alone (idle) and during a second login flood.`,
      '',
      '| app | logins/s (min–max) | × Argon2 ceiling | CPU ms per login: app other threads / app main thread / Redis / autocannon | non-2xx logins | cheap p99 idle ms | cheap p99 during flood ms | flood ÷ idle |',
      '|---|---:|---:|---:|---:|---:|---:|---:|',
      ...loginRows,
      '',
      '## GET /auth/me with many live sessions in Redis',
      '',
      `nest-warden, cookie, ${CONNECTIONS} connections. Filler sessions (ten per user, created through SessionService with the app's key prefix) took ${fmt(fillSeconds)} s to write; they are deleted before the last row.`,
      '',
      '| live sessions | Redis keys under the app prefix | req/s | p99 ms (min–max) | × p99 at 1,000 |',
      '|---|---:|---:|---:|---:|',
      ...liveRows,
      '',
    ].join('\n');
    console.log(report);
    writeFileSync(join(process.cwd(), 'bench', 'results.md'), report);
  } finally {
    await cleanUp();
  }
}

await main();
