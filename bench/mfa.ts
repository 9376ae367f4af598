// bench/mfa: what does the MFA step cost per request? Starts the example app (dist/main.js)
// against the local PostgreSQL and Redis, registers users without MFA and users with TOTP on
// (setup + confirm each), then times, one request in flight: (a) a password login of a user
// without MFA, (b) the password step of a user with MFA (→ pending `mfa` cookie), (c) the MFA
// step (POST /auth/login/mfa with that cookie and a fresh code), (d) GET /auth/me (reference).
// Each (b)/(c) pair is a fresh enrolled user: a TOTP code is accepted once per user and step, and
// a real process's clock cannot be faked. Every user keeps its own X-Forwarded-For IP
// (TRUST_PROXY=1) and User-Agent, as a pending login is bound to them, and so logins come from a
// known client (no new-client notice mail). Also the app's CPU per request (/proc/<pid>/stat over
// back-to-back batches of one kind) and, untimed, Redis commands and SQL table accesses per kind.
// Run: npm run build && npm run bench:mfa. Knobs: BENCH_ROUNDS (3). Writes bench/mfa-results.md.
// Figures, never pass/fail (exit 1 only when an answer was not the expected one).
import argon2 from 'argon2';
import { randomBytes, randomInt } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import pg from 'pg';
import { MfaSecretCipher } from '../src/mfa/mfa-secret-cipher.js';
import { PendingMfaTokens, userAgentHash } from '../src/mfa/mfa-pending.js';
import { generateTotpSecret, matchTotp } from '../src/mfa/totp.js';
import { totpCode } from '../src/testing/index.js';
import { DATABASE_URL, fmt, median, pool, REDIS_URL, startExampleApp } from './support.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const PER_ROUND = 100; // timed (a), (b)+(c), (d) per round
const CPU_BATCH = 50; // back-to-back requests of one kind per CPU reading ((d): ×10, it is cheap)
const COUNT_BATCH = 10; // untimed requests of one kind while counting Redis commands and SQL
const WARMUP = 10;
const PASSWORD = 'correct horse battery staple';
const ARGON2 = { memoryCost: 19456, timeCost: 2, parallelism: 1 }; // the example app's default
const UA = 'nest-warden-bench-mfa/1';
const STEP_MS = 30_000;
const STATS_FLUSH_MS = 11_000; // an idle backend flushes pg_stat_user_tables after ~10 s
if (!Number.isInteger(ROUNDS) || ROUNDS < 1 || ROUNDS > 7) {
  throw new Error(
    'BENCH_ROUNDS must be 1..7 (a user without MFA logs in twice a round, 10 sessions max)',
  );
}
// One user with MFA per (b)/(c) pair, timed or not.
const MFA_USERS = ROUNDS * (PER_ROUND + CPU_BATCH) + WARMUP + COUNT_BATCH;
const PLAIN_USERS = PER_ROUND + CPU_BATCH; // reused every round (their own client IP each)

const run = randomBytes(4).toString('hex');
const schema = `warden_bench_mfa_${run}`;
const prefix = `warden_bench_mfa_${run}:`;
const port = 5600 + (process.pid % 400);
const base = `http://127.0.0.1:${port}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Nearest-rank percentile: the ceil(p% × n)-th smallest (p99 of 100 is the 99th, not the max). */
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.max(0, Math.ceil((p / 100) * xs.length) - 1)];
let nextIp = 0; // 198.18.0.0/15 (benchmarking range): one client IP per user
const newIp = () => `198.${18 + (nextIp >> 16)}.${(nextIp >> 8) & 255}.${nextIp++ & 255}`;

interface User {
  email: string;
  ip: string;
}
interface MfaUser extends User {
  secret: string;
  /** TOTP steps already claimed (confirm, the MFA step): never offered again. */
  claimed: Set<number>;
}
type Kind = 'a' | 'b' | 'c' | 'd';
const KINDS: Kind[] = ['a', 'b', 'c', 'd'];
const LABEL: Record<Kind, string> = {
  a: '(a) password login, no MFA → session',
  b: '(b) password step, MFA on → pending',
  c: '(c) MFA step: POST /auth/login/mfa → session',
  d: '(d) GET /auth/me (cookie)',
};

let badAnswers = 0;
let firstBad = '';
function bad(what: string) {
  badAnswers++;
  firstBad ||= what;
}

interface Answer {
  status: number;
  body: string;
  cookies: Map<string, string>;
  ms: number;
}

/** One request from `user`'s client, timed from before fetch until its body has been read. */
async function call(
  user: User,
  method: 'GET' | 'POST',
  path: string,
  options: { body?: unknown; cookie?: string; csrf?: string } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { 'x-forwarded-for': user.ip, 'user-agent': UA };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  if (options.cookie) headers.cookie = options.cookie;
  if (options.csrf) headers['x-csrf-token'] = options.csrf;
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  const t0 = performance.now();
  const res = await fetch(base + path, { method, headers, body: payload });
  const body = await res.text();
  const ms = performance.now() - t0;
  const cookies = new Map<string, string>();
  for (const line of res.headers.getSetCookie()) {
    const pair = line.split(';')[0];
    const eq = pair.indexOf('=');
    if (eq > 0 && pair.slice(eq + 1)) cookies.set(pair.slice(0, eq), pair);
  }
  return { status: res.status, body, cookies, ms };
}

async function mustOk(answer: Promise<Answer>, what: string): Promise<Answer> {
  const a = await answer;
  if (a.status < 200 || a.status > 299) throw new Error(`${what}: ${a.status} ${a.body}`);
  return a;
}

/** A code of the current step, or of the next one (accepted: ±1) when the current is spent. */
function freshCode(user: MfaUser): string {
  const now = Math.floor(Date.now() / STEP_MS);
  const step = user.claimed.has(now) ? now + 1 : now;
  user.claimed.add(step);
  return totpCode(user.secret, step * STEP_MS + STEP_MS / 2);
}

const login = (user: User) =>
  call(user, 'POST', '/auth/login', { body: { email: user.email, password: PASSWORD } });

/** (a): a session cookie and a csrf token, or a bad answer. */
async function kindA(user: User): Promise<number> {
  const r = await login(user);
  if (r.status !== 200 || !r.cookies.has('sid') || !JSON.parse(r.body).csrfToken) {
    bad(`(a) ${r.status} ${r.body}`);
  }
  return r.ms;
}

/** (b): the pending cookie (empty on a bad answer) and the time. */
async function kindB(user: MfaUser): Promise<{ pending: string; ms: number }> {
  const r = await login(user);
  const pending = r.cookies.get('mfa') ?? '';
  if (r.status !== 200 || !pending || r.cookies.has('sid') || !JSON.parse(r.body).mfaRequired) {
    bad(`(b) ${r.status} ${r.body}`);
  }
  return { pending, ms: r.ms };
}

/** (c): the MFA step with `pending` and a fresh code (computed before the clock starts). */
async function kindC(user: MfaUser, pending: string): Promise<number> {
  const code = freshCode(user);
  const r = await call(user, 'POST', '/auth/login/mfa', { body: { code }, cookie: pending });
  if (r.status !== 200 || !r.cookies.has('sid') || !JSON.parse(r.body).csrfToken) {
    bad(`(c) ${r.status} ${r.body}`);
  }
  return r.ms;
}

/** (d): the reference, with one long-lived session. */
async function kindD(user: User, cookie: string): Promise<number> {
  const r = await call(user, 'GET', '/auth/me', { cookie });
  if (r.status !== 200) bad(`(d) ${r.status} ${r.body}`);
  return r.ms;
}

async function register(user: User): Promise<void> {
  await mustOk(
    call(user, 'POST', '/auth/register', { body: { email: user.email, password: PASSWORD } }),
    `register ${user.email}`,
  );
}

/** Register, log in (the client becomes known), set up and confirm TOTP. */
async function enrol(user: User): Promise<MfaUser> {
  await register(user);
  const session = await mustOk(login(user), `login ${user.email}`);
  const cookie = session.cookies.get('sid') ?? '';
  const csrf = JSON.parse(session.body).csrfToken as string;
  const setup = await mustOk(
    call(user, 'POST', '/auth/mfa/totp/setup', { cookie, csrf }),
    `setup ${user.email}`,
  );
  const enrolled: MfaUser = { ...user, secret: JSON.parse(setup.body).secret, claimed: new Set() };
  const confirm = await mustOk(
    call(user, 'POST', '/auth/mfa/totp/confirm', {
      body: { code: freshCode(enrolled) },
      cookie,
      csrf,
    }),
    `confirm ${user.email}`,
  );
  if (JSON.parse(confirm.body).recoveryCodes?.length !== 10) {
    throw new Error(`confirm ${user.email}: ${confirm.body}`);
  }
  return enrolled;
}

/** Waits until the outbox worker has sent (logged) or dropped every queued mail. */
async function drained(db: pg.Client): Promise<void> {
  for (let i = 0; i < 1200; i++) {
    const { rows } = await db.query<{ n: string }>(
      `SELECT count(*) AS n FROM "${schema}".warden_mail_outbox`,
    );
    if (rows[0].n === '0') return;
    await sleep(100);
  }
  throw new Error('the mail outbox did not drain within 120 s');
}

/** CPU seconds (utime + stime, all threads) the process has used so far, from /proc. */
function processCpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // clock ticks (USER_HZ 100)
}

async function redisCpuSeconds(redis: Redis): Promise<number> {
  const text = await redis.info('cpu');
  const read = (name: string) => Number(new RegExp(`${name}:([0-9.]+)`).exec(text)?.[1] ?? 0);
  return read('used_cpu_user') + read('used_cpu_sys');
}

async function tableStats(db: pg.Client) {
  const { rows } = await db.query<{ reads: string; writes: string }>(
    `SELECT coalesce(sum(seq_scan + coalesce(idx_scan, 0)), 0) AS reads,
            coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) AS writes
       FROM pg_stat_user_tables WHERE schemaname = $1`,
    [schema],
  );
  return { reads: Number(rows[0].reads), writes: Number(rows[0].writes) };
}

/** n, p50, p90, p99, max. */
const stats = (xs: number[]) => [xs.length, median(xs), pct(xs, 90), pct(xs, 99), Math.max(...xs)];

/** A random order of a, b, c, d with b before c (uniform over those orders). */
function order(): Kind[] {
  const ks: Kind[] = [...KINDS];
  for (let i = ks.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [ks[i], ks[j]] = [ks[j], ks[i]];
  }
  const ib = ks.indexOf('b');
  const ic = ks.indexOf('c');
  if (ic < ib) [ks[ib], ks[ic]] = ['c', 'b'];
  return ks;
}

interface RoundResult {
  ms: Record<Kind, number[]>;
  /** (b) + (c) of the same pair. */
  pair: number[];
  /** App CPU ms per request, Redis CPU µs per request. */
  cpu: Record<Kind, { app: number; redis: number }>;
  /** The machine's 1-minute load average at the end of the round (others' work shows here). */
  load: number;
}

/** Median µs of `fn` over `n` calls, in 5 batches (the median batch's mean). */
function microUs(n: number, fn: (i: number) => unknown): number {
  const means: number[] = [];
  for (let b = 0; b < 5; b++) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) fn(i);
    means.push(((performance.now() - t0) * 1000) / n);
  }
  return median(means);
}

/** Median ms of `n` sequential awaits of `fn`. */
async function roundTripMs(n: number, fn: () => Promise<unknown>): Promise<number> {
  const xs: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await fn();
    xs.push(performance.now() - t0);
  }
  return median(xs);
}

/**
 * References for reading (c): the in-process crypto of the MFA step, timed here (same Node),
 * and single round trips from this client to PostgreSQL and Redis.
 */
async function references(db: pg.Client, redis: Redis) {
  const key = randomBytes(48).toString('base64');
  const cipher = new MfaSecretCipher([key]);
  const secret = generateTotpSecret();
  const userId = '00000000-0000-4000-8000-000000000000';
  const sealedSecret = cipher.encrypt(secret, userId);
  const tokens = new PendingMfaTokens([key]);
  const now = Date.now();
  const pending = tokens.seal({
    userId,
    authVersion: 1,
    nonce: PendingMfaTokens.newNonce(),
    expiresAt: now + 300_000,
    ip: '198.18.0.1',
    userAgentHash: userAgentHash(UA),
    kind: 'cookie',
    rememberMe: false,
    newClient: false,
  });
  const code = totpCode(secret, now);
  const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
  await db.query(`CREATE TABLE "${schema}".bench_commit (id int PRIMARY KEY, n int)`);
  await db.query(`INSERT INTO "${schema}".bench_commit VALUES (1, 0)`);
  const hash = await argon2.hash(PASSWORD, { type: argon2.argon2id, ...ARGON2 });
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < 20; i++) await argon2.verify(hash, PASSWORD);
  const cpu = process.cpuUsage(cpu0);
  return {
    argon2VerifyCpuMs: (cpu.user + cpu.system) / 1000 / 20,
    openPendingUs: microUs(2000, () => tokens.open(pending, now)),
    decryptSecretUs: microUs(2000, () => cipher.decrypt(sealedSecret, userId)),
    matchTotpUs: microUs(2000, () => matchTotp(secret, code, now)),
    matchTotpWrongUs: microUs(2000, () => matchTotp(secret, wrong, now)),
    pgSelectMs: await roundTripMs(200, () => db.query('SELECT 1')),
    pgCommitMs: await roundTripMs(200, () =>
      db.query(`UPDATE "${schema}".bench_commit SET n = n + 1 WHERE id = 1`),
    ),
    redisPingMs: await roundTripMs(200, () => redis.ping()),
  };
}

async function main() {
  const db = new pg.Client({ connectionString: DATABASE_URL });
  await db.connect();
  const redis = new Redis(REDIS_URL);
  const redisVersion = /redis_version:(\S+)/.exec(await redis.info('server'))?.[1] ?? '?';
  const pgVersion = (await db.query<{ server_version: string }>('SHOW server_version')).rows[0]
    .server_version;
  const app = await startExampleApp(db, redis, { port, schema, prefix });
  const pid = app.child.pid!;
  try {
    // Setup (not timed): users without MFA log in once (their client becomes known), and one
    // more of them holds the session of (d); users with MFA enrol.
    const t0 = performance.now();
    const plain: User[] = Array.from({ length: PLAIN_USERS + 1 }, (_, i) => ({
      email: `plain-${run}-${i}@example.com`,
      ip: newIp(),
    }));
    await pool(plain.length, 4, async (i) => {
      await register(plain[i]);
      await mustOk(login(plain[i]), `login ${plain[i].email}`);
    });
    const meUser = plain.pop()!;
    const meCookie = (await mustOk(login(meUser), 'login (d)')).cookies.get('sid')!;
    const mfaUsers: MfaUser[] = new Array(MFA_USERS);
    const mfaPlan: User[] = Array.from({ length: MFA_USERS }, (_, i) => ({
      email: `mfa-${run}-${i}@example.com`,
      ip: newIp(),
    }));
    await pool(MFA_USERS, 4, async (i) => (mfaUsers[i] = await enrol(mfaPlan[i])));
    const setupS = (performance.now() - t0) / 1000;
    await drained(db); // verification and MFA-enabled mails
    console.error(
      `bench ${run}: ${plain.length + 1} users without MFA, ${MFA_USERS} enrolled, in ${fmt(setupS, 1)} s`,
    );
    let nextMfa = 0;
    const takeMfa = () => mfaUsers[nextMfa++];

    // Warm-up (not counted).
    for (let i = 0; i < WARMUP; i++) {
      await kindA(plain[i]);
      const u = takeMfa();
      await kindC(u, (await kindB(u)).pending);
      await kindD(meUser, meCookie);
    }

    const rounds: RoundResult[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      await drained(db);
      const ms: Record<Kind, number[]> = { a: [], b: [], c: [], d: [] };
      const pair: number[] = [];
      for (let i = 0; i < PER_ROUND; i++) {
        const u = takeMfa();
        let pending = '';
        let b = 0;
        for (const kind of order()) {
          if (kind === 'a') ms.a.push(await kindA(plain[i]));
          else if (kind === 'd') ms.d.push(await kindD(meUser, meCookie));
          else if (kind === 'b') ({ pending, ms: b } = await kindB(u));
          else {
            const c = await kindC(u, pending);
            ms.b.push(b);
            ms.c.push(c);
            pair.push(b + c);
          }
        }
      }
      // CPU: back-to-back batches of one kind, the groups a, b then c, d in random order.
      await drained(db);
      const cpu = {} as RoundResult['cpu'];
      const batch = async (kind: Kind, n: number, each: (j: number) => Promise<unknown>) => {
        const app0 = processCpuSeconds(pid);
        const redis0 = await redisCpuSeconds(redis);
        for (let j = 0; j < n; j++) await each(j);
        cpu[kind] = {
          app: ((processCpuSeconds(pid) - app0) * 1000) / n,
          redis: (((await redisCpuSeconds(redis)) - redis0) * 1e6) / n,
        };
      };
      const groups: (() => Promise<void>)[] = [
        () => batch('a', CPU_BATCH, (j) => kindA(plain[PER_ROUND + j])),
        async () => {
          const users = Array.from({ length: CPU_BATCH }, takeMfa);
          const pendings: string[] = [];
          await batch('b', CPU_BATCH, async (j) => pendings.push((await kindB(users[j])).pending));
          await batch('c', CPU_BATCH, (j) => kindC(users[j], pendings[j]));
        },
        () => batch('d', CPU_BATCH * 10, () => kindD(meUser, meCookie)),
      ];
      for (let i = groups.length - 1; i > 0; i--) {
        const j = randomInt(i + 1);
        [groups[i], groups[j]] = [groups[j], groups[i]];
      }
      for (const g of groups) await g();
      rounds.push({ ms, pair, cpu, load: loadavg()[0] });
      console.error(`round ${r + 1}/${ROUNDS} done`);
    }

    // Counting (untimed): Redis commands under the app's prefix (MONITOR) and SQL table accesses
    // (pg_stat_user_tables) per request of each kind, COUNT_BATCH requests each.
    await drained(db);
    const counts = new Map<Kind, { reads: number; writes: number; redis: number; names: string }>();
    const countUsers = Array.from({ length: COUNT_BATCH }, takeMfa);
    const countPendings: string[] = [];
    await sleep(STATS_FLUSH_MS);
    let before = await tableStats(db);
    for (const kind of KINDS) {
      const mon = new Redis(REDIS_URL, { enableReadyCheck: false, lazyConnect: true });
      const monitor = await mon.monitor();
      const names = new Map<string, number>();
      let total = 0;
      monitor.on('monitor', (_time: string, args: string[], source: string) => {
        if (!args.some((a) => a.includes(prefix))) return; // the shared Redis may serve others
        const name = source === 'lua' ? `(script) ${args[0].toUpperCase()}` : args[0].toUpperCase();
        if (source !== 'lua') total++;
        names.set(name, (names.get(name) ?? 0) + 1);
      });
      await sleep(200);
      for (let j = 0; j < COUNT_BATCH; j++) {
        if (kind === 'a') await kindA(plain[j]);
        else if (kind === 'b') countPendings.push((await kindB(countUsers[j])).pending);
        else if (kind === 'c') await kindC(countUsers[j], countPendings[j]);
        else await kindD(meUser, meCookie);
      }
      await sleep(200);
      monitor.disconnect();
      mon.disconnect();
      await sleep(STATS_FLUSH_MS);
      const after = await tableStats(db);
      counts.set(kind, {
        reads: (after.reads - before.reads) / COUNT_BATCH,
        writes: (after.writes - before.writes) / COUNT_BATCH,
        redis: total / COUNT_BATCH,
        names: [...names.entries()]
          .sort((x, y) => y[1] - x[1])
          .map(([name, n]) => `${name} ${fmt(n / COUNT_BATCH, 1)}`)
          .join(', '),
      });
      before = after;
      console.error(`counted ${kind}`);
    }

    const ref = await references(db, redis);
    const syncCommit = (await db.query<{ synchronous_commit: string }>('SHOW synchronous_commit'))
      .rows[0].synchronous_commit;

    // Report: per kind, each column's median over the rounds.
    const mid = (pick: (r: RoundResult) => number) => median(rounds.map(pick));
    const kindStats = (pick: (r: RoundResult) => number[]) =>
      [1, 2, 3, 4].map((c) => mid((r) => stats(pick(r))[c]));
    const row = (label: string, s: number[], cpu: string, redisUs: string) =>
      `| ${label} | ${s.map((x) => fmt(x, 2)).join(' | ')} | ${cpu} | ${redisUs} |`;
    const cpuOf = (k: Kind) => mid((r) => r.cpu[k].app);
    const redisOf = (k: Kind) => mid((r) => r.cpu[k].redis);
    const p50 = (r: RoundResult, k: Kind) => median(r.ms[k]);
    const ratioCols = (r: RoundResult) => [
      p50(r, 'a'),
      p50(r, 'b'),
      p50(r, 'c'),
      p50(r, 'd'),
      median(r.pair),
      p50(r, 'c') / p50(r, 'd'),
      p50(r, 'c') / p50(r, 'a'),
      median(r.pair) / p50(r, 'a'),
      r.cpu.a.app,
      r.cpu.b.app,
      r.cpu.c.app,
      r.cpu.d.app,
      r.cpu.c.app / r.cpu.d.app,
      (r.cpu.b.app + r.cpu.c.app) / r.cpu.a.app,
      r.load,
    ];
    const ratioRows = rounds.map(ratioCols);
    const ratioMid = ratioRows[0].map((_, c) => median(ratioRows.map((x) => x[c])));
    const ratioLine = (label: string, xs: number[]) =>
      `| ${label} | ${xs.map((x, c) => fmt(x, c < 5 || (c >= 8 && c < 12) || c === 14 ? 2 : 3)).join(' | ')} |`;
    const requests =
      rounds.length * (PER_ROUND * 4 + CPU_BATCH * 13) + WARMUP * 4 + COUNT_BATCH * 4;
    const report = [
      `# bench/mfa — ${new Date().toISOString()}`,
      '',
      `Machine: ${cpus()[0]?.model ?? 'cpu'} × ${availableParallelism()}, Node ${process.version}, PostgreSQL ${pgVersion}, Redis ${redisVersion}, all on loopback; the example app (\`node dist/main.js\`, Express, development mode, LogMailer, Argon2id defaults 19 MiB / t=2 / p=1).`,
      `Command: \`npm run build && npm run bench:mfa\` (BENCH_ROUNDS=${ROUNDS}).`,
      '',
      `${plain.length + 1} users without MFA and ${MFA_USERS} with TOTP enrolled (setup + confirm), set up in ${fmt(setupS, 1)} s, not timed. Each user has its own X-Forwarded-For IP (TRUST_PROXY=1) and the same User-Agent, and logged in once during setup, so every timed login comes from a known client. One request in flight, client-side latency (performance.now() around fetch and reading the body, keep-alive). Per round ${PER_ROUND} of each kind, a, b, c, d in random order within each quadruple (b before c): (a) and (d) reuse users across rounds, each (b)/(c) pair is a fresh enrolled user (a TOTP code counts once per user and 30-s step) with a code computed before the clock starts. ${WARMUP} quadruples of warm-up first, not counted; the mail outbox drained before each round. ${ROUNDS} rounds; each figure is the median over the rounds of that round's figure. Latencies in ms, nearest-rank percentiles.`,
      '',
      `App CPU: utime + stime of the app process (all threads: Argon2 runs on libuv's pool) from /proc/<pid>/stat, 10-ms ticks, around back-to-back batches of one kind (${CPU_BATCH} each; ${CPU_BATCH * 10} for (d)), per request. Redis CPU: INFO cpu around the same batches (the Redis is shared; others' load would show).`,
      '',
      '| kind | p50 | p90 | p99 | max | app CPU ms/req | Redis CPU µs/req |',
      '|---|---:|---:|---:|---:|---:|---:|',
      ...KINDS.map((k) =>
        row(
          LABEL[k],
          kindStats((r) => r.ms[k]),
          fmt(cpuOf(k), 2),
          fmt(redisOf(k), 0),
        ),
      ),
      row(
        '(b)+(c) of one pair: a login with MFA',
        kindStats((r) => r.pair),
        fmt(
          mid((r) => r.cpu.b.app + r.cpu.c.app),
          2,
        ),
        fmt(
          mid((r) => r.cpu.b.redis + r.cpu.c.redis),
          0,
        ),
      ),
      '',
      `Per round: p50 latency (ms), app CPU per request (ms), ratios, and the machine's 1-minute load average at the round's end (${availableParallelism()} CPUs; the machine is shared, so rounds differ; the ratios hold better than the absolute figures).`,
      '',
      '| | (a) | (b) | (c) | (d) | (b)+(c) | (c) ÷ (d) | (c) ÷ (a) | (b)+(c) ÷ (a) | CPU ms (a) | CPU (b) | CPU (c) | CPU (d) | CPU (c) ÷ (d) | CPU (b)+(c) ÷ (a) | load avg |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
      ...ratioRows.map((xs, r) => ratioLine(`round ${r + 1}`, xs)),
      ratioLine('**median of rounds**', ratioMid),
      '',
      `Per request, untimed (${COUNT_BATCH} of each kind, after the rounds): SQL table accesses (pg_stat_user_tables seq + index scans) and row writes, Redis commands under the app's key prefix (MONITOR; "(script)" = issued inside a Lua script).`,
      '',
      '| kind | SQL reads | SQL row writes | Redis commands | by name |',
      '|---|---:|---:|---:|---|',
      ...KINDS.map((k) => {
        const c = counts.get(k)!;
        return `| ${LABEL[k]} | ${fmt(c.reads, 1)} | ${fmt(c.writes, 1)} | ${fmt(c.redis, 1)} | ${c.names} |`;
      }),
      '',
      `References, for reading (c). In this process (same Node), per call: an Argon2id verify with the app's parameters ${fmt(ref.argon2VerifyCpuMs, 1)} ms CPU; opening the pending cookie (AES-256-GCM + JSON) ${fmt(ref.openPendingUs, 1)} µs, decrypting the TOTP secret (AES-256-GCM; its HKDF key is derived once at boot) ${fmt(ref.decryptSecretUs, 1)} µs, matchTotp ±1 step (otpauth HMAC-SHA-1) ${fmt(ref.matchTotpUs, 1)} µs for a right code, ${fmt(ref.matchTotpWrongUs, 1)} µs for a wrong one. From this client, one round trip, p50 of 200: PostgreSQL \`SELECT 1\` ${fmt(ref.pgSelectMs, 3)} ms, a one-row UPDATE committed (synchronous_commit=${syncCommit}) ${fmt(ref.pgCommitMs, 3)} ms; Redis PING ${fmt(ref.redisPingMs, 3)} ms.`,
      '',
      `Answers: ${badAnswers === 0 ? `all ${fmt(requests)} measured, warm-up and counted requests were as expected (200; a session cookie for (a) and (c), the pending cookie and \`mfaRequired\` for (b))` : `${badAnswers} of ${fmt(requests)} were not as expected (first: ${firstBad})`}.`,
      '',
    ].join('\n');
    console.log(report);
    writeFileSync(join(process.cwd(), 'bench', 'mfa-results.md'), report);
    if (badAnswers) process.exitCode = 1;
  } finally {
    await app.stop();
    await db.end();
    redis.disconnect();
  }
}

await main();
