// bench/profile-get: where the CPU time of GET /auth/me goes, next to `hello` (bench/baselines/
// hello.ts, a Nest app answering a constant JSON). The example app (dist/main.js of this checkout,
// production mode, PostgreSQL + Redis, Express, started as bench/http.ts starts it) and hello run
// under `node --cpu-prof`; autocannon drives GET /auth/me with a session cookie, with a bearer
// access token, and hello's /hello, in interleaved rounds of a fixed number of requests. Each
// round is a window: the app's CPU time (/proc/<pid>/stat, the whole process and its main thread)
// over the window, divided by the requests, and the profile's samples taken inside it (V8 and the
// bench share CLOCK_MONOTONIC). The main thread's CPU per request is split by the profile into
// buckets (package or source directory, node internals, GC) and functions, self and total time.
// Extra arguments are directories holding another build in dist/ (a checkout of another commit,
// or a copy of its dist/ under .tmp/, resolving this checkout's node_modules): each runs side by
// side as `ours@<directory name>` in the same interleaved rounds (before/after a change).
// Run: npm run bench:profile [-- <dir>...]. Knobs: BENCH_ROUNDS (3), BENCH_REQUESTS (20000 per
// window), BENCH_PROFILE (1; 0: no profiler, CPU per request only), BENCH_PROFILE_INTERVAL_US
// (500), BENCH_EXTRA_SCENARIOS (cookie,bearer: what the other builds run), BENCH_OUT
// (bench/profile-get.md). Figures, never pass/fail.
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import pg from 'pg';
import type { BenchApp } from './support.js';
import { DATABASE_URL, fmt, median, REDIS_URL, startExampleApp } from './support.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 20_000);
const PROFILE = process.env.BENCH_PROFILE !== '0';
const INTERVAL_US = Number(process.env.BENCH_PROFILE_INTERVAL_US ?? 500);
const OUT = process.env.BENCH_OUT ?? join(process.cwd(), 'bench', 'profile-get.md');
/** Which of cookie and bearer the other builds run (this checkout runs both). */
const EXTRA = (process.env.BENCH_EXTRA_SCENARIOS ?? 'cookie,bearer').split(',');
const CONNECTIONS = 32; // as bench/http.ts
const WARMUP = 4000; // requests per scenario before the first window
const PASSWORD = 'correct horse battery staple';
const run = randomBytes(4).toString('hex');
const here = process.cwd();
const others = process.argv.slice(2).map((dir) => resolve(dir));

/** On SIGUSR2 the app exits normally, so that `--cpu-prof` writes its profile. */
const EXIT_ON_USR2 = 'data:text/javascript,process.on("SIGUSR2",()=>process.exit(0))';

// ---------------------------------------------------------------------------------------------
// Processes

interface Target {
  label: string;
  /** Where its source lives (for bucketing its own files). */
  root: string;
  base: string;
  child: ChildProcess;
  profileDir: string;
  stop: () => Promise<void>;
}

function profilerArgs(dir: string): string[] {
  return PROFILE
    ? [
        '--cpu-prof',
        `--cpu-prof-dir=${dir}`,
        `--cpu-prof-interval=${INTERVAL_US}`,
        '--import',
        EXIT_ON_USR2,
      ]
    : ['--import', EXIT_ON_USR2];
}

/** Exits the process through SIGUSR2 (the profile is written) and waits for it. */
async function exitForProfile(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  child.kill('SIGUSR2');
  await Promise.race([exited, sleep(20_000)]);
}

async function startOurs(
  db: pg.Client,
  redis: Redis,
  dir: string,
  label: string,
  port: number,
): Promise<Target> {
  const profileDir = mkdtempSync(join(tmpdir(), 'warden-prof-'));
  const app: BenchApp = await startExampleApp(db, redis, {
    port,
    dir,
    schema: `warden_prof_${run}_${port}`,
    prefix: `warden_prof_${run}_${port}:`,
    nodeArgs: profilerArgs(profileDir),
    // As bench/http.ts: production, no mail, no proxy in front.
    env: {
      NODE_ENV: 'production',
      SMTP_URL: 'smtp://127.0.0.1:9',
      APP_URL: 'https://bench.example.test',
      EMAIL_VERIFICATION: 'off',
      TRUST_PROXY: 'false',
    },
  });
  return {
    label,
    root: dir,
    base: `http://127.0.0.1:${port}`,
    child: app.child,
    profileDir,
    stop: async () => {
      await exitForProfile(app.child);
      await app.stop();
    },
  };
}

async function startHello(port: number): Promise<Target> {
  const profileDir = mkdtempSync(join(tmpdir(), 'warden-prof-'));
  const child = spawn(
    process.execPath,
    [...profilerArgs(profileDir), '--import', 'tsx', join(here, 'bench/baselines/hello.ts')],
    {
      env: { PATH: process.env.PATH ?? '', PORT: String(port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let tail = '';
  const keep = (chunk: Buffer) => (tail = (tail + chunk.toString()).slice(-4000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (child.exitCode !== null || i > 300) throw new Error(`hello did not start:\n${tail}`);
    if (
      await fetch(`${base}/hello`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    await sleep(100);
  }
  return { label: 'hello', root: here, base, child, profileDir, stop: () => exitForProfile(child) };
}

// ---------------------------------------------------------------------------------------------
// Load and CPU

/** CPU seconds of a process, or of one of its threads, so far (utime + stime, 100 ticks/s). */
function cpuSeconds(pid: number, thread?: number): number {
  const file = thread === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${thread}/stat`;
  const fields = readFileSync(file, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const nowUs = () => Number(process.hrtime.bigint() / 1000n);

interface Scenario {
  label: string;
  target: Target;
  path: string;
  headers: Record<string, string>;
  /**
   * New credentials (a fresh login or access token): a cookie is rotated after 15 minutes
   * (autocannon does not follow Set-Cookie) and an access token expires, in a long run.
   */
  renew?: () => Promise<Record<string, string>>;
  renewedAt?: number;
}

/** Credentials older than this are renewed before a window. */
const RENEW_AFTER_MS = 10 * 60_000;

interface Window {
  startUs: number;
  endUs: number;
  requests: number;
  processCpu: number;
  mainCpu: number;
}

async function cannon(s: Scenario, amount: number): Promise<number> {
  const result = await autocannon({
    url: s.target.base + s.path,
    headers: s.headers,
    connections: CONNECTIONS,
    amount,
  });
  const failed = result.non2xx + result.errors + result.timeouts;
  if (failed) {
    const statuses = Object.entries(result.statusCodeStats ?? {})
      .map(([code, { count }]) => `${code}: ${count}`)
      .join(', ');
    const what = `${s.label}: ${failed} of ${amount} requests failed (${statuses}; errors ${result.errors}, timeouts ${result.timeouts})`;
    // A few on a host this busy (a 1 s Redis timeout): noted; more is a broken run.
    if (failed > amount / 100) throw new Error(what);
    console.error(what);
  }
  return result['2xx'];
}

async function measure(s: Scenario): Promise<Window> {
  if (s.renew && Date.now() - (s.renewedAt ?? 0) > RENEW_AFTER_MS) {
    s.headers = await s.renew();
    s.renewedAt = Date.now();
  }
  const pid = s.target.child.pid!;
  const process0 = cpuSeconds(pid);
  const main0 = cpuSeconds(pid, pid);
  const startUs = nowUs();
  const requests = await cannon(s, REQUESTS);
  const endUs = nowUs();
  return {
    startUs,
    endUs,
    requests,
    processCpu: cpuSeconds(pid) - process0,
    mainCpu: cpuSeconds(pid, pid) - main0,
  };
}

async function post(base: string, path: string, body: unknown): Promise<Response> {
  const res = await fetch(base + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${base}${path}: ${res.status} ${await res.text()}`);
  return res;
}

/** Top-level Redis commands per request that touch `prefix`, by MONITOR over `n` requests. */
async function redisCommandsPerRequest(s: Scenario, prefix: string, n: number): Promise<string> {
  const monitor = await new Redis(REDIS_URL, {
    enableReadyCheck: false,
    lazyConnect: true,
  }).monitor();
  const names = new Map<string, number>();
  let inScripts = 0;
  monitor.on('monitor', (_time: string, args: string[], source: string) => {
    if (!args.some((arg) => arg.includes(prefix))) return; // the shared Redis serves others too
    if (source === 'lua') return void inScripts++;
    const name = args[0].toUpperCase();
    names.set(name, (names.get(name) ?? 0) + 1);
  });
  await sleep(200);
  await autocannon({ url: s.target.base + s.path, headers: s.headers, connections: 4, amount: n });
  await sleep(200);
  monitor.disconnect();
  const list = [...names].map(([name, count]) => `${name} ${fmt(count / n, 2)}`).join(', ');
  return `${list || 'none'} (in scripts: ${fmt(inScripts / n, 2)})`;
}

// ---------------------------------------------------------------------------------------------
// Profiles

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const META = new Set(['(root)', '(program)', '(idle)', '(garbage collector)']);

/** A short, checkout-independent name for a script URL. */
function fileOf(url: string, root: string): string {
  if (!url) return '';
  const path = url.replace(/^file:\/\//, '');
  const nm = path.lastIndexOf('/node_modules/');
  if (nm >= 0) return path.slice(nm + '/node_modules/'.length);
  if (path.startsWith(root + '/')) return path.slice(root.length + 1);
  return path;
}

/** The bucket of a file: a package, one of our source directories, node internals. */
function bucketOf(file: string, url: string): string {
  if (url.startsWith('node:')) return 'node internals (node:*)';
  if (url && !url.startsWith('file:') && !url.startsWith('/')) return `other (${url.slice(0, 40)})`;
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const parts = file.split('/');
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  const ours = /^dist\/([^/]+)\//.exec(file);
  if (ours) return `nest-warden src/${ours[1]}/`;
  if (file.startsWith('bench/')) return file;
  return file;
}

interface Tally {
  /** Sampled µs (non-idle) inside the windows. */
  sampled: number;
  selfByBucket: Map<string, number>;
  selfByFile: Map<string, number>;
  selfByFunction: Map<string, number>;
  totalByFunction: Map<string, number>;
  totalByBucket: Map<string, number>;
}

/**
 * Adds up the samples of `profile` that fall in `windows`: self time by bucket (a native or
 * builtin frame without a script, such as JSON.stringify or a crypto binding, counts for the
 * bucket of the nearest caller that has one; GC and `(program)` are buckets of their own) and by
 * function, total (inclusive) time by function and bucket, each counted once per sample.
 */
function tally(profile: CpuProfile, windows: Window[], root: string): Tally {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const info = new Map<number, { fn: string; bucket: string; file: string; meta: boolean }>();
  for (const n of profile.nodes) {
    const { functionName, url, lineNumber } = n.callFrame;
    const meta = META.has(functionName);
    const file = fileOf(url, root);
    const fn = meta
      ? functionName
      : url
        ? `${functionName || '(anonymous)'} ${file}:${lineNumber + 1}`
        : `${functionName || '(anonymous)'} (native)`;
    const bucket =
      functionName === '(garbage collector)'
        ? 'GC (main thread)'
        : functionName === '(program)'
          ? '(program): V8/native outside JS'
          : url
            ? bucketOf(file, url)
            : '';
    info.set(n.id, { fn, bucket, file: meta ? bucket : file, meta });
  }
  const bucketFor = (id: number): string => {
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const b = info.get(at)!.bucket;
      if (b) return b;
    }
    return 'native, no JS caller';
  };
  const fileFor = (id: number): string => {
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const f = info.get(at)!.file;
      if (f) return f;
    }
    return 'native, no JS caller';
  };
  const t: Tally = {
    sampled: 0,
    selfByBucket: new Map(),
    selfByFile: new Map(),
    selfByFunction: new Map(),
    totalByFunction: new Map(),
    totalByBucket: new Map(),
  };
  const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);
  const sorted = [...windows].sort((a, b) => a.startUs - b.startUs);
  let time = profile.startTime;
  const stamps = profile.timeDeltas.map((d) => (time += d));
  for (let i = 0; i < profile.samples.length; i++) {
    const at = stamps[i];
    if (!sorted.some((w) => at >= w.startUs && at < w.endUs)) continue;
    const weight = (stamps[i + 1] ?? profile.endTime) - at; // until the next sample
    const id = profile.samples[i];
    const node = byId.get(id)!;
    if (node.callFrame.functionName === '(idle)') continue;
    t.sampled += weight;
    add(t.selfByBucket, bucketFor(id), weight);
    add(t.selfByFile, fileFor(id), weight);
    add(t.selfByFunction, info.get(id)!.fn, weight);
    const seenFn = new Set<string>();
    const seenBucket = new Set<string>();
    for (let up: number | undefined = id; up !== undefined; up = parent.get(up)) {
      const { fn, meta } = info.get(up)!;
      if (fn === '(root)') break;
      if (!seenFn.has(fn)) {
        seenFn.add(fn);
        add(t.totalByFunction, fn, weight);
      }
      const b = meta ? info.get(up)!.bucket : bucketFor(up);
      if (b && !seenBucket.has(b)) {
        seenBucket.add(b);
        add(t.totalByBucket, b, weight);
      }
    }
  }
  return t;
}

function readProfile(dir: string): CpuProfile {
  // CPU.<date>.<time>.<pid>.<thread>.<n>.cpuprofile: thread 0 is the main thread (tsx's loader
  // hooks run on a thread of their own and write a profile too).
  const files = readdirSync(dir).filter((f) => /\.\d+\.0\.\d+\.cpuprofile$/.test(f));
  if (files.length !== 1)
    throw new Error(`${dir}: expected one .cpuprofile, found ${files.length}`);
  return JSON.parse(readFileSync(join(dir, files[0]), 'utf8')) as CpuProfile;
}

// ---------------------------------------------------------------------------------------------

interface Result {
  scenario: Scenario;
  windows: Window[];
  tally?: Tally;
  commands?: string;
}

/** µs per request: process CPU, main thread, other threads (median over the windows). */
function cpuPerRequest(r: Result) {
  const per = (pick: (w: Window) => number) =>
    median(r.windows.map((w) => (pick(w) * 1e6) / w.requests));
  return {
    process: per((w) => w.processCpu),
    main: per((w) => w.mainCpu),
    other: per((w) => w.processCpu - w.mainCpu),
    /** Main-thread CPU per request over all windows together (the scale of the profile). */
    mainAll:
      (r.windows.reduce((n, w) => n + w.mainCpu, 0) * 1e6) /
      r.windows.reduce((n, w) => n + w.requests, 0),
  };
}

/** `map`'s values as µs per request of main-thread CPU (profile shares scaled to /proc). */
function perRequest(r: Result, pick: (t: Tally) => Map<string, number>): Map<string, number> {
  const t = r.tally!;
  const scale = cpuPerRequest(r).mainAll / t.sampled;
  return new Map([...pick(t)].map(([k, v]) => [k, v * scale]));
}

function table(
  results: Result[],
  pick: (t: Tally) => Map<string, number>,
  options: { limit: number; diffAgainst?: Result; sum?: boolean },
): string[] {
  const maps = results.map((r) => perRequest(r, pick));
  const base = options.diffAgainst ? perRequest(options.diffAgainst, pick) : undefined;
  const keys = new Set(maps.flatMap((m) => [...m.keys()]));
  if (base) for (const k of base.keys()) keys.add(k);
  const diffs = (k: string) => maps.map((m) => (m.get(k) ?? 0) - (base?.get(k) ?? 0));
  const order = [...keys].sort((a, b) =>
    base
      ? Math.max(...diffs(b).map(Math.abs)) - Math.max(...diffs(a).map(Math.abs))
      : Math.max(...maps.map((m) => m.get(b) ?? 0)) - Math.max(...maps.map((m) => m.get(a) ?? 0)),
  );
  const shown = order.slice(0, options.limit);
  const cell = (v: number | undefined) => fmt(v ?? 0, 1);
  const head = [
    ...(base ? [options.diffAgainst!.scenario.label] : []),
    ...results.map((r) => r.scenario.label),
    ...(base
      ? results.map((r) => `${r.scenario.label} − ${options.diffAgainst!.scenario.label}`)
      : []),
  ];
  const rows = shown.map(
    (k) =>
      `| ${k.replace(/\|/g, '\\|')} | ${[
        ...(base ? [cell(base.get(k))] : []),
        ...maps.map((m) => cell(m.get(k))),
        ...(base ? diffs(k).map((d) => (d >= 0 ? '+' : '') + fmt(d, 1)) : []),
      ].join(' | ')} |`,
  );
  const sums = [
    ...(base ? [cell([...base.values()].reduce((a, b) => a + b, 0))] : []),
    ...maps.map((m) => cell([...m.values()].reduce((a, b) => a + b, 0))),
    ...(base ? results.map(() => '') : []),
  ];
  return [
    `| | ${head.join(' | ')} |`,
    `|---|${head.map(() => '---:').join('|')}|`,
    ...rows,
    ...(options.sum ? [`| **sum** | ${sums.join(' | ')} |`] : []),
  ];
}

async function main() {
  const db = new pg.Client({ connectionString: DATABASE_URL });
  await db.connect();
  const redis = new Redis(REDIS_URL);
  const targets: Target[] = [];
  const results: Result[] = [];
  let stopping: Promise<unknown> | undefined;
  const stopAll = () =>
    (stopping ??= (async () => {
      // One at a time: they share the PostgreSQL client that drops their schemas.
      for (const t of targets) await t.stop().catch((error: unknown) => console.error(error));
      redis.disconnect();
      await db.end();
    })());
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void stopAll().finally(() => process.exit(130)));
  }
  try {
    const port = 4600 + (process.pid % 300) * 8;
    const builds = [
      { dir: here, label: 'ours' },
      ...others.map((dir) => ({ dir, label: `ours@${basename(dir)}` })),
    ];
    // One at a time: they share the PostgreSQL client that creates their schemas.
    // (Each goes into `targets` as soon as it is up, so that a failed start stops the others.)
    const helloStarting = startHello(port).then((t) => (targets.push(t), t));
    const ours: Target[] = [];
    try {
      for (const [i, b] of builds.entries()) {
        ours.push(await startOurs(db, redis, b.dir, b.label, port + 1 + i));
        targets.push(ours[i]);
      }
    } finally {
      await helloStarting;
    }
    const hello = await helloStarting;
    const scenarios: Scenario[] = [{ label: 'hello', target: hello, path: '/hello', headers: {} }];
    for (const [i, target] of ours.entries()) {
      const credentials = { email: `profile-${i}@example.com`, password: PASSWORD };
      await post(target.base, '/auth/register', credentials);
      const cookie = async () => {
        const login = await post(target.base, '/auth/login', credentials);
        return { cookie: login.headers.getSetCookie()[0].split(';')[0] };
      };
      const bearer = async () => {
        const res = await post(target.base, '/auth/token', credentials);
        return {
          authorization: `Bearer ${((await res.json()) as { accessToken: string }).accessToken}`,
        };
      };
      const now = Date.now();
      const both: Scenario[] = [
        {
          label: `${target.label} cookie`,
          target,
          path: '/auth/me',
          headers: await cookie(),
          renew: cookie,
          renewedAt: now,
        },
        {
          label: `${target.label} bearer`,
          target,
          path: '/auth/me',
          headers: await bearer(),
          renew: bearer,
          renewedAt: now,
        },
      ];
      scenarios.push(
        ...(i === 0 ? both : both.filter((s) => EXTRA.some((e) => s.label.endsWith(e)))),
      );
    }
    for (const s of scenarios) await cannon(s, WARMUP);
    console.error(`profile ${run}: ${scenarios.length} scenarios up and warm`);
    for (const s of scenarios) results.push({ scenario: s, windows: [] });
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 ? [...results].reverse() : results;
      for (const r of order) r.windows.push(await measure(r.scenario));
      console.error(`round ${round + 1}/${ROUNDS} done`);
    }
    for (const r of results.slice(1)) {
      const prefix = `warden_prof_${run}_${r.scenario.target.base.split(':').pop()}:`;
      r.commands = await redisCommandsPerRequest(r.scenario, prefix, 200);
    }
  } finally {
    await stopAll();
  }
  if (PROFILE) {
    for (const r of results) {
      r.tally = tally(readProfile(r.scenario.target.profileDir), r.windows, r.scenario.target.root);
    }
  }
  for (const t of targets) rmSync(t.profileDir, { recursive: true, force: true });

  const [hello, ...ours] = results;
  const cpuRows = results.map((r) => {
    const c = cpuPerRequest(r);
    // hello's CPU per request over this one's, round by round (hello runs in every round, so a
    // busier or quieter host moves both), then the median: steadier than a ratio of medians.
    const perRequest = (w: Window) => w.processCpu / w.requests;
    const ratios = r.windows
      .map((w, i) => perRequest(hello.windows[i]) / perRequest(w))
      .sort((x, y) => x - y);
    const quartile = (q: number) => ratios[Math.floor((ratios.length - 1) * q)];
    const sampled = r.tally
      ? fmt(r.tally.sampled / r.windows.reduce((n, w) => n + w.requests, 0))
      : '—';
    const range = (pick: (w: Window) => number) => {
      const xs = r.windows.map((w) => (pick(w) * 1e6) / w.requests);
      return `${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))}`;
    };
    return `| ${r.scenario.label} | ${fmt(c.process)} (${range((w) => w.processCpu)}) | ${fmt(c.main)} | ${fmt(c.other)} | ${sampled} | ${fmt(median(ratios), 2)} (${fmt(quartile(0.25), 2)}–${fmt(quartile(0.75), 2)}) | ${r.commands ?? '—'} |`;
  });
  const lines = [
    `# bench/profile-get — ${new Date().toISOString()}`,
    '',
    `Machine: ${cpus()[0]?.model ?? 'cpu'} × ${availableParallelism()}, Node ${process.version}, load average at the end ${loadavg()
      .map((l) => fmt(l, 1))
      .join(' ')} (a shared host: read the ratios, not the absolute figures).`,
    `GET /auth/me of the example app (dist/main.js, NODE_ENV=production, PostgreSQL + Redis, Express) with a session cookie and with a bearer access token, and \`hello\` (bench/baselines/hello.ts) on /hello; each app one Node process${PROFILE ? ` under \`--cpu-prof --cpu-prof-interval=${INTERVAL_US}\`` : ' (no profiler)'}; autocannon in the bench process, ${CONNECTIONS} connections. ${ROUNDS} interleaved rounds of ${fmt(REQUESTS)} requests per scenario after ${fmt(WARMUP)} of warm-up.`,
    'Reproduce: `npm run build && npm run bench:profile` (`-- <dir>` adds another built checkout side by side).',
    '',
    '## CPU per request',
    '',
    "App CPU time over each window from /proc/<pid>/stat (median, min–max over the rounds), split into the main thread (JavaScript, the event loop) and the other threads (GC helpers, libuv, the profiler itself); `sampled` is the non-idle time the profile saw on the main thread per request. × hello: hello's process CPU per request over this one's in the same round, median and quartiles over the rounds (the throughput ratio when CPU-bound).",
    '',
    "| scenario | process µs/req (min–max) | main thread | other threads | sampled | × hello | Redis commands per request (with the app's key prefix) |",
    '|---|---:|---:|---:|---:|---:|---|',
    ...cpuRows,
    '',
  ];
  if (PROFILE) {
    lines.push(
      '## Main-thread self time by bucket, µs per request',
      '',
      "The profile's share of each bucket scaled to the main thread's CPU per request from /proc. A native or builtin frame without a script (JSON.stringify, a crypto or socket binding) counts for the nearest caller that has one; `nest-warden src/<dir>/` is this package's compiled code; GC is the main thread's part of garbage collection (its helper threads are under \"other threads\" above).",
      '',
      ...table(ours, (t) => t.selfByBucket, { limit: 40, diffAgainst: hello, sum: true }),
      '',
      '## Main-thread self time by file, µs per request (largest differences from hello first)',
      '',
      "As above (native frames count for their caller's file), by script.",
      '',
      ...table(ours, (t) => t.selfByFile, { limit: 40, diffAgainst: hello }),
      '',
      '## Main-thread total (inclusive) time by bucket, µs per request',
      '',
      'Time with a frame of the bucket anywhere on the stack (a bucket counted once per sample), so the rows overlap.',
      '',
      ...table(ours, (t) => t.totalByBucket, { limit: 25, diffAgainst: hello }),
      '',
      '## Functions by self time, µs per request (largest differences from hello first)',
      '',
      ...table(ours, (t) => t.selfByFunction, { limit: 60, diffAgainst: hello }),
      '',
      '## Functions by total (inclusive) time, µs per request (largest differences from hello first)',
      '',
      ...table(ours, (t) => t.totalByFunction, { limit: 80, diffAgainst: hello }),
      '',
    );
  }
  const report = lines.join('\n');
  console.log(report);
  writeFileSync(OUT, report);
  console.error(`written to ${OUT}`);
}

await main();
