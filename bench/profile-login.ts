// bench/profile-login: where the CPU of a password login goes, in the example app and in the docs
// recipe (bench/baselines/recipe-session.ts), under the login flood of bench/http.ts (autocannon,
// 16 connections of POST /auth/login, 64 accounts in turn, the right password, one client IP).
// Per app, against the local PostgreSQL (a schema per run) and Redis (a key prefix per app):
//  1. CPU per login, read from /proc around a fixed number of logins: the app's main thread
//     (/proc/<pid>/task/<pid>/stat), every other thread of it, and the whole process; rounds
//     interleaved across the apps, pooled. No profiler attached.
//  2. The same flood once more with the app restarted under `node --cpu-prof`: the main thread's
//     samples inside the flood's window (the profile's clock is the monotonic clock of
//     process.hrtime), self and total time per login by function, by file and by package.
//  3. Redis commands per login (MONITOR, only commands naming the app's prefix) and PostgreSQL
//     table reads and row writes per login (pg_stat_user_tables of the schema).
// Extra arguments are checkouts with a built dist/ (e.g. an older build) profiled the same way.
// Run: npm run bench:profile-login [-- <other checkout>...]. Knobs: PROFILE_LOGINS (128 per
// measurement), PROFILE_ROUNDS (10), PROFILE_PROFILED_LOGINS (512), PROFILE_INTERVAL_US (250), PROFILE_ONLY_CPU (1: step 1 only,
// printed, e.g. to compare builds), PROFILE_RECIPE (0: without the recipe). Writes
// bench/profile-login.md.
// Figures, never pass/fail.
import 'reflect-metadata';
import argon2 from 'argon2';
import autocannon from 'autocannon';
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { basename, join, relative, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import pg from 'pg';
import { RECIPE_USERS_DDL } from './baselines/common.js';
import { DATABASE_URL, deletePrefix, fmt, median, REDIS_URL } from './support.js';

const LOGINS = Number(process.env.PROFILE_LOGINS ?? 128);
const ROUNDS = Number(process.env.PROFILE_ROUNDS ?? 10);
/** Logins of the profiled flood. */
const PROFILED = Number(process.env.PROFILE_PROFILED_LOGINS ?? 512);
const INTERVAL_US = Number(process.env.PROFILE_INTERVAL_US ?? 250);
/** Only the CPU rounds (a quick before/after of builds): no counts, no profiles, no file. */
const ONLY_CPU = process.env.PROFILE_ONLY_CPU === '1';
/** Leave the recipe out (PROFILE_RECIPE=0). */
const WITH_RECIPE = process.env.PROFILE_RECIPE !== '0';
const WARMUP = 128;
const CONNECTIONS = 16;
const PASSWORD = 'correct horse battery staple';
const ARGON2 = { memoryCost: 19456, timeCost: 2, parallelism: 1 }; // the example app's default
const TICK_MS = 1000 / 100; // /proc CPU times are in clock ticks of 10 ms
const run = randomBytes(4).toString('hex');
const schema = `warden_profile_${run}`;
const here = process.cwd();
const others = process.argv.slice(2).map((dir) => resolve(dir));
const accounts = Array.from({ length: 64 }, (_, i) => `flood-${i}@example.com`);
const bodies = accounts.map((email) => JSON.stringify({ email, password: PASSWORD }));
const portBase = 4600 + (process.pid % 300) * 4;

/** Exits with code 0 on SIGUSR2, before any other listener runs: --cpu-prof writes on exit. */
const EXIT_ON_USR2 = `data:text/javascript,${encodeURIComponent(
  "process.on('SIGUSR2', () => process.exit(0));",
)}`;

// ---------------------------------------------------------------------------------------------
// Apps

interface AppSpec {
  label: string;
  /** Node arguments after the profiler's. */
  args: string[];
  env: Record<string, string>;
  prefix: string;
  /** PostgreSQL table stats are counted for this app's tables only. */
  tables: string[];
  /** Registers the flood's accounts through the API (ours) or nothing (the recipe's are seeded). */
  register: boolean;
  cwd: string;
}

interface Running {
  spec: AppSpec;
  child: ChildProcess;
  base: string;
  tail: () => string;
}

function databaseUrl(): string {
  const url = new URL(DATABASE_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

function ourApp(dir: string, index: number): AppSpec {
  const prefix = `warden_profile_${run}_${index}:`;
  const label = dir === here ? 'nest-warden (this checkout)' : `nest-warden (${basename(dir)})`;
  return {
    label,
    args: [join(dir, 'dist', 'main.js')],
    cwd: dir,
    prefix,
    tables: [],
    register: true,
    // As bench/http.ts starts it.
    env: {
      NODE_ENV: 'production',
      DATABASE_URL: '', // set per app: its own schema
      REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
      SESSION_SECRETS: randomBytes(48).toString('base64'),
      JWT_SECRET: randomBytes(48).toString('base64'),
      REGISTER_MAX_PER_IP: '100000',
      SMTP_URL: 'smtp://127.0.0.1:9',
      APP_URL: 'https://bench.example.test',
      EMAIL_VERIFICATION: 'off',
    },
  };
}

function recipeApp(): AppSpec {
  const prefix = `sess_profile_${run}:`;
  return {
    label: '`recipe-session`',
    args: ['--import', 'tsx', join(here, 'bench/baselines/recipe-session.ts')],
    cwd: here,
    prefix,
    tables: ['recipe_users'],
    register: false,
    env: {
      DATABASE_URL: databaseUrl(),
      DATABASE_SCHEMA: schema,
      REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
      SESSION_SECRET: randomBytes(48).toString('base64'),
    },
  };
}

async function start(spec: AppSpec, port: number, profileDir?: string): Promise<Running> {
  const scratch = mkdtempSync(join(tmpdir(), 'warden-profile-'));
  const profiler = profileDir
    ? [
        '--cpu-prof',
        `--cpu-prof-dir=${profileDir}`,
        `--cpu-prof-interval=${INTERVAL_US}`,
        '--import',
        EXIT_ON_USR2,
      ]
    : ['--import', EXIT_ON_USR2];
  const child = spawn(process.execPath, [...profiler, ...spec.args], {
    cwd: spec.cwd,
    env: { PATH: process.env.PATH ?? '', PORT: String(port), DATA_DIR: scratch, ...spec.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let tail = '';
  const keep = (chunk: Buffer) => (tail = (tail + chunk.toString()).slice(-4000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  child.once('exit', () => rmSync(scratch, { recursive: true, force: true }));
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 600; i++) {
    if (child.exitCode !== null) throw new Error(`${spec.label} exited:\n${tail}`);
    const up = await fetch(`${base}/auth/me`).then(
      () => true,
      () => false,
    );
    if (up) return { spec, child, base, tail: () => tail };
    await sleep(100);
  }
  child.kill('SIGKILL');
  throw new Error(`${spec.label} did not start:\n${tail}`);
}

/** Stops the app with SIGUSR2 (exit 0: a profile, if any, is written). */
async function stop(app: Running): Promise<void> {
  if (app.child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => app.child.once('exit', () => resolve()));
  app.child.kill('SIGUSR2');
  const timer = setTimeout(() => app.child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

// ---------------------------------------------------------------------------------------------
// Load and CPU

interface Flood {
  ok: number;
  non2xx: number;
  seconds: number;
}

function flood(base: string, amount: number): Promise<Flood> {
  let next = 0;
  return new Promise((resolve, reject) =>
    autocannon(
      {
        url: `${base}/auth/login`,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        requests: [
          {
            setupRequest: (request: autocannon.Request) => ({
              ...request,
              body: bodies[next++ % bodies.length],
            }),
          },
        ],
        connections: CONNECTIONS,
        amount,
      },
      (error, result) =>
        error
          ? reject(error)
          : resolve({
              ok: result['2xx'],
              non2xx: result.non2xx + result.errors + result.timeouts,
              seconds: result.duration,
            }),
    ),
  );
}

interface ThreadTimes {
  /** Thread id → [CPU ticks, start time in ticks since boot]. */
  threads: Map<number, [number, number]>;
  process: number;
}

function statFields(file: string): string[] {
  return readFileSync(file, 'utf8').split(') ')[1].split(' ');
}

function threadTimes(pid: number): ThreadTimes {
  const threads = new Map<number, [number, number]>();
  for (const tid of readdirSync(`/proc/${pid}/task`).map(Number)) {
    try {
      const f = statFields(`/proc/${pid}/task/${tid}/stat`);
      threads.set(tid, [Number(f[11]) + Number(f[12]), Number(f[19])]);
    } catch {
      // the thread ended
    }
  }
  const f = statFields(`/proc/${pid}/stat`);
  return { threads, process: Number(f[11]) + Number(f[12]) };
}

interface CpuPerLogin {
  logins: number;
  loginsPerSecond: number;
  non2xx: number;
  /** ms per login. */
  main: number;
  process: number;
  /** The libuv threadpool: the (up to) 4 threads started last, together (Argon2 runs there). */
  threadpool: number;
  /** Every other thread: V8's platform workers (GC, compilation) and Node's own. */
  helpers: number;
  /** Each thread: id after the main one's, start after the main thread's, ms per login. */
  threads: { tid: number; startedAfterMs: number; ms: number; role: string }[];
}

function cpuPerLogin(pid: number, before: ThreadTimes, after: ThreadTimes, f: Flood): CpuPerLogin {
  const delta = (tid: number) =>
    (after.threads.get(tid)?.[0] ?? 0) - (before.threads.get(tid)?.[0] ?? 0);
  // Argon2 keeps the libuv threadpool busier than anything else: its 4 threads are the 4
  // busiest besides the main thread (each takes about a quarter of the hashing).
  const others = [...after.threads.keys()]
    .filter((tid) => tid !== pid)
    .sort((a, b) => delta(b) - delta(a));
  const pool = new Set(others.slice(0, 4));
  let threadpool = 0;
  let helpers = 0;
  for (const tid of others) {
    if (pool.has(tid)) threadpool += delta(tid);
    else helpers += delta(tid);
  }
  const start = after.threads.get(pid)?.[1] ?? 0;
  const threads = [...after.threads.keys()]
    .sort((a, b) => a - b)
    .map((tid) => ({
      tid: tid - pid,
      startedAfterMs: ((after.threads.get(tid)?.[1] ?? 0) - start) * TICK_MS,
      ms: (delta(tid) * TICK_MS) / Math.max(1, f.ok),
      role: tid === pid ? 'main' : pool.has(tid) ? 'threadpool' : 'helper',
    }));
  const per = (ticks: number) => (ticks * TICK_MS) / Math.max(1, f.ok);
  return {
    logins: f.ok,
    loginsPerSecond: f.ok / f.seconds,
    non2xx: f.non2xx,
    main: per(delta(pid)),
    process: per(after.process - before.process),
    threadpool: per(threadpool),
    helpers: per(helpers),
    threads,
  };
}

async function measuredFlood(app: Running, amount: number): Promise<CpuPerLogin> {
  const pid = app.child.pid!;
  const before = threadTimes(pid);
  const result = await flood(app.base, amount);
  return cpuPerLogin(pid, before, threadTimes(pid), result);
}

async function argon2CpuMs(): Promise<number> {
  const hash = await argon2.hash(PASSWORD, { type: argon2.argon2id, ...ARGON2 });
  const n = 20;
  const before = process.cpuUsage();
  for (let i = 0; i < n; i++) await argon2.verify(hash, PASSWORD);
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000 / n;
}

// ---------------------------------------------------------------------------------------------
// Counting Redis commands per login

async function redisCommandsPerLogin(app: Running, logins: number): Promise<string> {
  const client = new Redis(REDIS_URL, { enableReadyCheck: false, lazyConnect: true });
  const monitor = await client.monitor();
  const names = new Map<string, number>();
  let scripted = 0;
  monitor.on('monitor', (_time: string, args: string[], source: string) => {
    if (!args.some((a) => typeof a === 'string' && a.includes(app.spec.prefix))) return;
    if (source === 'lua') {
      scripted++;
      return;
    }
    const name = args[0].toUpperCase();
    names.set(name, (names.get(name) ?? 0) + 1);
  });
  await sleep(200);
  await flood(app.base, logins);
  await sleep(300);
  monitor.disconnect();
  client.disconnect();
  const total = [...names.values()].reduce((a, b) => a + b, 0);
  const list = [...names.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([name, n]) => `${name} ${fmt(n / logins, 2)}`)
    .join(', ');
  return `${fmt(total / logins, 2)} round trips (${list}); ${fmt(scripted / logins, 1)} commands inside scripts`;
}

// ---------------------------------------------------------------------------------------------
// The profile

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

interface Tally {
  self: Map<string, number>;
  total: Map<string, number>;
}

interface ProfileSummary {
  /** Non-idle main-thread samples in the window (the tallies count samples too). */
  busyUs: number;
  /** Idle samples (the thread waited in epoll). */
  idleUs: number;
  samples: number;
  byFunction: Tally;
  byFile: Tally;
  byPackage: Tally;
}

/** The package (or area) a script URL belongs to. */
function packageOf(url: string, functionName: string): string {
  if (!url) {
    if (functionName === '(garbage collector)') return '(garbage collector)';
    if (functionName === '(program)') return '(program: native, not JS)';
    if (functionName === '(idle)') return '(idle)';
    return `(${functionName || 'native'})`;
  }
  if (url.startsWith('node:')) return 'node (core)';
  const path = url.replace(/^file:\/\//, '');
  const nm = path.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const parts = path.slice(nm + '/node_modules/'.length).split('/');
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  const dist = path.indexOf('/dist/');
  if (dist >= 0)
    return `nest-warden ${path
      .slice(dist + 1)
      .split('/')
      .slice(0, 2)
      .join('/')}`;
  if (path.includes('/bench/')) return 'recipe code (bench/baselines)';
  return path;
}

function fileOf(url: string, functionName: string): string {
  if (!url) return packageOf(url, functionName);
  if (url.startsWith('node:')) return url;
  const path = url.replace(/^file:\/\//, '');
  const nm = path.lastIndexOf('/node_modules/');
  if (nm >= 0) return path.slice(nm + '/node_modules/'.length);
  return relative(here, path).replace(/^(\.\.\/)+/, '');
}

function summarise(profile: CpuProfile, from: number, to: number): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const tally = (): Tally => ({ self: new Map(), total: new Map() });
  const byFunction = tally();
  const byFile = tally();
  const byPackage = tally();
  const add = (map: Map<string, number>, key: string, us: number) =>
    map.set(key, (map.get(key) ?? 0) + us);
  let busyUs = 0;
  let idleUs = 0;
  let samples = 0;
  // Sample i lasts until sample i + 1 (the last one: the interval).
  let t = profile.startTime;
  const times = profile.timeDeltas.map((d) => (t += d));
  for (let i = 0; i < profile.samples.length; i++) {
    const at = times[i];
    if (at < from || at > to) continue;
    // Weighted by count, not by the time to the next sample: on a loaded machine that gap also
    // holds the time the thread waited for a core. The report scales counts to /proc's CPU.
    const us = 1;
    const leaf = byId.get(profile.samples[i])!;
    const name = leaf.callFrame.functionName;
    if (!leaf.callFrame.url && name === '(idle)') {
      idleUs += us;
      continue;
    }
    samples++;
    busyUs += us;
    const keys = (n: ProfileNode) => {
      const { functionName, url, lineNumber } = n.callFrame;
      const file = fileOf(url, functionName);
      const fn = url
        ? `${functionName || '(anonymous)'} ${file}:${lineNumber + 1}`
        : packageOf(url, functionName);
      return [fn, file, packageOf(url, functionName)] as const;
    };
    const [fn, file, pkg] = keys(leaf);
    add(byFunction.self, fn, us);
    add(byFile.self, file, us);
    add(byPackage.self, pkg, us);
    const seen = [new Set<string>(), new Set<string>(), new Set<string>()];
    for (let id: number | undefined = leaf.id; id !== undefined; id = parent.get(id)) {
      const node = byId.get(id)!;
      if (node.callFrame.functionName === '(root)') break;
      const k = keys(node);
      const maps = [byFunction.total, byFile.total, byPackage.total];
      k.forEach((key, j) => {
        if (seen[j].has(key)) return;
        seen[j].add(key);
        add(maps[j], key, us);
      });
    }
  }
  return { busyUs, idleUs, samples, byFunction, byFile, byPackage };
}

async function profiledFlood(
  spec: AppSpec,
  port: number,
): Promise<{ summary: ProfileSummary; cpu: CpuPerLogin }> {
  const dir = mkdtempSync(join(tmpdir(), 'warden-cpuprof-'));
  try {
    const app = await start(spec, port, dir);
    try {
      await flood(app.base, WARMUP);
      const from = Number(process.hrtime.bigint() / 1000n);
      const cpu = await measuredFlood(app, PROFILED);
      const to = Number(process.hrtime.bigint() / 1000n);
      await stop(app);
      const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
      if (!file) throw new Error(`${spec.label}: no profile written\n${app.tail()}`);
      const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
      const summary = summarise(profile, from, to);
      if (summary.samples === 0) throw new Error('no profile sample inside the flood window');
      return { summary, cpu };
    } finally {
      await stop(app);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Report

/** A tally's samples as ms of main-thread CPU per login: its share of the busy samples × `perLogin`. */
let scale = { busy: 1, perLogin: 0 };
const ms = (samples: number, digits = 3) =>
  fmt((samples / Math.max(1, scale.busy)) * scale.perLogin, digits);
const share = (samples: number) => `${fmt((100 * samples) / Math.max(1, scale.busy), 1)} %`;

function top(map: Map<string, number>, n: number, minUs = 0): [string, number][] {
  return [...map.entries()]
    .filter(([, us]) => us >= minUs)
    .sort((a, b) => b[1] - a[1])
    .slice(0, n);
}

function tallyTable(what: string, tally: Tally, n: number, order: 'self' | 'total'): string[] {
  const rows = top(tally[order], n).map(([key]) => {
    const self = tally.self.get(key) ?? 0;
    const total = tally.total.get(key) ?? 0;
    return `| ${key.replace(/\|/g, '\\|')} | ${ms(self)} | ${share(self)} | ${ms(total)} | ${share(total)} |`;
  });
  return [
    `| ${what} | self ms/login | self | total ms/login | total |`,
    '|---|---:|---:|---:|---:|',
    ...rows,
  ];
}

interface Result {
  spec: AppSpec;
  plain: CpuPerLogin[];
  profiled?: { summary: ProfileSummary; cpu: CpuPerLogin };
  redis?: string;
  sql?: { reads: number; writes: number };
}

/** `pick` over all rounds pooled (CPU of all rounds ÷ their logins), with the rounds' min–max. */
function cpuCells(list: CpuPerLogin[], pick: (c: CpuPerLogin) => number, digits = 2): string {
  const xs = list.map(pick);
  return `${fmt(pooled(list, pick), digits)} (${fmt(Math.min(...xs), digits)}–${fmt(Math.max(...xs), digits)})`;
}

function pooled(list: CpuPerLogin[], pick: (c: CpuPerLogin) => number): number {
  const logins = list.reduce((n, c) => n + c.logins, 0);
  return list.reduce((sum, c) => sum + pick(c) * c.logins, 0) / Math.max(1, logins);
}

/** For each other build of ours: its main-thread ms per login minus this checkout's, round by round. */
function pairedDifferences(results: Result[]): string[] {
  const ours = results.filter((r) => r.spec.register);
  if (ours.length < 2) return [];
  const rows = ours.slice(1).map((other) => {
    const d = other.plain.map((c, i) => c.main - ours[0].plain[i].main);
    const p = other.plain.map((c, i) => c.process - ours[0].plain[i].process);
    const main = (c: CpuPerLogin) => c.main;
    const proc = (c: CpuPerLogin) => c.process;
    const cell = (xs: number[], pick: (c: CpuPerLogin) => number) =>
      `${fmt(pooled(other.plain, pick) - pooled(ours[0].plain, pick), 2)} | ${fmt(median(xs), 2)} | ${xs.filter((x) => x > 0).length} of ${xs.length}`;
    return `| ${other.spec.label} − ${ours[0].spec.label} | ${cell(d, main)} | ${cell(p, proc)} |`;
  });
  return [
    '',
    "Differences of builds measured back to back in the same round: pooled, the median of the rounds' differences, and in how many rounds it was positive.",
    '',
    '| difference | main thread ms per login | median of rounds | rounds > 0 | whole process ms per login | median of rounds | rounds > 0 |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...rows,
  ];
}

function report(results: Result[], argonMs: number[], load: [number[], number[]]): string {
  const verify = median(argonMs);
  const ceiling = (availableParallelism() * 1000) / verify;
  const lines = [
    `# bench/profile-login — ${new Date().toISOString()}`,
    '',
    `Machine: ${cpus()[0]?.model ?? 'cpu'} × ${availableParallelism()}, Node ${process.version}; PostgreSQL and Redis on loopback, shared with other jobs (load average at start ${load[0].map((x) => fmt(x, 2)).join(', ')}, at end ${load[1].map((x) => fmt(x, 2)).join(', ')}).`,
    `Flood: autocannon ${CONNECTIONS} connections of POST /auth/login with the right password, ${accounts.length} accounts in turn, one client IP (as bench/http.ts); ${WARMUP} logins of warm-up, then ${LOGINS} per measurement. nest-warden is the example app (\`node dist/main.js\`, NODE_ENV=production, Express, PostgreSQL, Redis, the env of bench/http.ts); the recipe is bench/baselines/recipe-session.ts. Each user's session count passes the cap of 10 during the run, so most of our logins also evict a session (as in bench/http.ts).`,
    `Argon2id m=${ARGON2.memoryCost} t=${ARGON2.timeCost} p=${ARGON2.parallelism}: ${fmt(verify, 1)} ms CPU per verify, one at a time in this process (median of ${argonMs.length}: ${argonMs.map((x) => fmt(x, 1)).join(', ')}), so the ceiling is ${availableParallelism()} cores ÷ ${fmt(verify, 1)} ms = ${fmt(ceiling, 1)} logins/s.`,
    'Reproduce: `npm run bench:profile-login` (PROFILE_LOGINS, PROFILE_ROUNDS, PROFILE_INTERVAL_US; extra arguments: other checkouts with dist/ built).',
    '',
    `## CPU per login, no profiler (${ROUNDS} interleaved rounds of ${LOGINS} logins; all rounds pooled (min–max of the rounds))`,
    '',
    "From /proc: the main thread is /proc/<pid>/task/<pid>/stat; the threadpool is the four threads libuv started (Argon2 runs there, nothing else of a login does); helpers are the other threads (V8 GC and compiler workers, Node's own). 10-ms ticks.",
    '',
    '| app | logins/s | × ceiling | main thread ms | threadpool ms | helper threads ms | whole process ms | non-2xx |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...results.map(
      (r) =>
        `| ${r.spec.label} | ${cpuCells(r.plain, (c) => c.loginsPerSecond, 1)} | ${fmt(pooled(r.plain, (c) => c.loginsPerSecond) / ceiling, 2)} | ${cpuCells(r.plain, (c) => c.main)} | ${cpuCells(r.plain, (c) => c.threadpool)} | ${cpuCells(r.plain, (c) => c.helpers)} | ${cpuCells(r.plain, (c) => c.process)} | ${r.plain.reduce((n, c) => n + c.non2xx, 0)} |`,
    ),
    ...pairedDifferences(results),
    '',
    '## What one login asks of Redis and PostgreSQL',
    '',
    "| app | Redis (MONITOR, commands naming the app's keys, per login) | PostgreSQL table reads / rows written per login |",
    '|---|---|---:|',
    ...results.map(
      (r) =>
        `| ${r.spec.label} | ${r.redis ?? '—'} | ${r.sql ? `${fmt(r.sql.reads, 2)} / ${fmt(r.sql.writes, 2)}` : '—'} |`,
    ),
  ];
  for (const r of results) {
    if (!r.profiled) continue;
    const { summary: s, cpu } = r.profiled;
    const plainMain = pooled(r.plain, (c) => c.main);
    scale = { busy: s.samples, perLogin: plainMain };
    const threadRows = (list: CpuPerLogin['threads']) =>
      list
        .filter((t) => t.ms >= 0.005 || t.role === 'main')
        .map((t) => `| +${t.tid} | ${fmt(t.startedAfterMs)} | ${t.role} | ${fmt(t.ms, 2)} |`);
    lines.push(
      '',
      `## ${r.spec.label}: where the main thread's time goes`,
      '',
      `\`node --cpu-prof --cpu-prof-interval=${INTERVAL_US}\`, the app restarted, ${WARMUP} logins of warm-up, then ${fmt(cpu.logins)} logins (${fmt(cpu.loginsPerSecond, 1)}/s, ${cpu.non2xx} non-2xx): ${fmt(s.samples)} busy samples of the main thread inside the flood's window (${fmt(s.idleUs)} idle ones). A row's ms per login is its share of the busy samples × the main thread's CPU per login without the profiler (${fmt(plainMain, 2)} ms, above). With the profiler on, /proc read main thread ${fmt(cpu.main, 2)} ms, threadpool ${fmt(cpu.threadpool, 2)} ms, helpers ${fmt(cpu.helpers, 2)} ms per login. Self: samples whose top frame is the row; total: samples with the row anywhere on the stack (one synchronous call chain: work resumed after an \`await\` is a stack of its own, under \`processTicksAndRejections\`). Native code called from JavaScript counts as the calling function's self time, except for the bracketed builtins.`,
      '',
      '### By package or area (self)',
      '',
      ...tallyTable('package', s.byPackage, 30, 'self'),
      '',
      '### By package or area (total)',
      '',
      ...tallyTable('package', s.byPackage, 30, 'total'),
      '',
      '### By file (top 30 by self)',
      '',
      ...tallyTable('file', s.byFile, 30, 'self'),
      '',
      '### By function (top 40 by self)',
      '',
      ...tallyTable('function', s.byFunction, 40, 'self'),
      '',
      '### By function (top 60 by total)',
      '',
      ...tallyTable('function', s.byFunction, 60, 'total'),
      '',
      '### Threads (last unprofiled round)',
      '',
      'Thread id and start relative to the main thread; CPU ms per login. The threadpool is taken to be the four busiest threads besides the main one (Argon2 keeps them busiest).',
      '',
      '| thread | started after ms | role | ms per login |',
      '|---|---:|---|---:|',
      ...threadRows(r.plain[r.plain.length - 1].threads),
    );
  }
  return lines.join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------

async function main() {
  const db = new pg.Client({ connectionString: DATABASE_URL });
  await db.connect();
  const redis = new Redis(REDIS_URL);
  const specs = [
    ourApp(here, 0),
    ...others.map((dir, i) => ourApp(dir, i + 1)),
    ...(WITH_RECIPE ? [recipeApp()] : []),
  ];
  const running: Running[] = [];
  const load0 = loadavg();
  const cleanUp = async () => {
    await Promise.all(running.map(stop));
    await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    for (const spec of specs) await deletePrefix(redis, spec.prefix);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void cleanUp().finally(() => process.exit(130)));
  }
  try {
    await db.query(`CREATE SCHEMA "${schema}"`);
    await db.query(`SET search_path TO "${schema}"`);
    await db.query(RECIPE_USERS_DDL);
    const hash = await argon2.hash(PASSWORD, { type: argon2.argon2id, ...ARGON2 });
    for (const email of accounts) {
      await db.query(
        `INSERT INTO recipe_users (id, email, display_name, password_hash, roles) VALUES ($1, $2, $3, $4, $5)`,
        [randomUUID(), email, 'Bench', hash, '["user"]'],
      );
    }
    // Each build of ours gets a schema of its own (its migrations, its users).
    for (const [i, spec] of specs.entries()) {
      if (!spec.register) continue;
      const own = `${schema}_${i}`;
      await db.query(`CREATE SCHEMA "${own}"`);
      const url = new URL(DATABASE_URL);
      url.searchParams.set('options', `-c search_path=${own}`);
      spec.env.DATABASE_URL = url.toString();
    }
    for (const [i, spec] of specs.entries()) running.push(await start(spec, portBase + i));
    for (const app of running) {
      if (!app.spec.register) continue;
      for (const email of accounts) {
        const res = await fetch(`${app.base}/auth/register`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email, password: PASSWORD }),
        });
        if (!res.ok) throw new Error(`register: ${res.status} ${await res.text()}`);
      }
    }
    console.error(`profile ${run}: ${running.length} apps up, accounts registered`);
    for (const app of running) await flood(app.base, WARMUP);

    const results: Result[] = running.map((app) => ({ spec: app.spec, plain: [] }));
    const argonMs: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      argonMs.push(await argon2CpuMs());
      const order = round % 2 ? [...running.keys()].reverse() : [...running.keys()];
      for (const i of order) results[i].plain.push(await measuredFlood(running[i], LOGINS));
      console.error(`round ${round + 1}/${ROUNDS} done`);
    }

    if (ONLY_CPU) {
      console.log(report(results, argonMs, [load0, loadavg()]));
      return;
    }

    // Redis commands and table accesses per login (the tables' stats reach pg_stat_user_tables
    // about ten seconds after the backend went idle).
    for (const [i, app] of running.entries()) {
      results[i].redis = await redisCommandsPerLogin(app, 128);
    }
    const countLogins = 128;
    for (const [i, app] of running.entries()) {
      const own = app.spec.register ? [`${schema}_${i}`] : [schema];
      const stats = async () => {
        await sleep(11_000);
        const { rows } = await db.query<{ reads: string; writes: string }>(
          `SELECT coalesce(sum(seq_scan + coalesce(idx_scan, 0)), 0) AS reads,
                  coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) AS writes
             FROM pg_stat_user_tables WHERE schemaname = ANY($1)`,
          [own],
        );
        return { reads: Number(rows[0].reads), writes: Number(rows[0].writes) };
      };
      const before = await stats();
      await flood(app.base, countLogins);
      const after = await stats();
      results[i].sql = {
        reads: (after.reads - before.reads) / countLogins,
        writes: (after.writes - before.writes) / countLogins,
      };
    }
    console.error('counts done');

    // The profiles: each app alone, restarted under --cpu-prof.
    for (const [i, app] of running.entries()) {
      await stop(app);
      results[i].profiled = await profiledFlood(app.spec, portBase + i);
      console.error(`profiled ${app.spec.label}`);
    }
    running.length = 0;

    const text = report(results, argonMs, [load0, loadavg()]);
    console.log(text);
    writeFileSync(join(here, 'bench', 'profile-login.md'), text);
  } finally {
    await cleanUp();
    for (const [i, spec] of specs.entries()) {
      if (spec.register) await db.query(`DROP SCHEMA IF EXISTS "${schema}_${i}" CASCADE`);
    }
    await db.end();
    redis.disconnect();
  }
}

await main();
