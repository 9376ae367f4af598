// bench/forgot: does POST /auth/password/forgot answer in the same time for a known and an
// unknown email (enumeration safety)? Starts the example app (dist/main.js) against the local
// PostgreSQL and Redis, registers USERS accounts, then sends forgot requests one at a time,
// known and unknown in random order within each pair, each from its own X-Forwarded-For IP.
// Run: npm run build && npm run bench:forgot. Knobs: BENCH_ROUNDS (3). Writes
// bench/forgot-results.md. Figures, never pass/fail.
import { randomBytes, randomInt } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import pg from 'pg';
import { DATABASE_URL, fmt, median, pool, REDIS_URL, startExampleApp } from './support.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const USERS = 200; // known emails; as many unknown ones; each is asked once per round
const WARMUP = 20;
const PASSWORD = 'correct horse battery staple';
// Every round asks each email again, and the app allows 5 per normalised email per window.
if (ROUNDS < 1 || ROUNDS > 5) throw new Error('BENCH_ROUNDS must be 1..5 (5 per email/window)');

const run = randomBytes(4).toString('hex');
const schema = `warden_bench_forgot_${run}`;
const prefix = `warden_bench_forgot_${run}:`;
const port = 5100 + (process.pid % 500);
const base = `http://127.0.0.1:${port}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
const ms = (x: number) => fmt(x, 3);
let nextIp = 0; // 198.18.0.0/15 (benchmarking range): a fresh client IP for every request
const ip = () => `198.${18 + (nextIp >> 16)}.${(nextIp >> 8) & 255}.${nextIp++ & 255}`;
const known = Array.from({ length: USERS }, (_, i) => `known-${run}-${i}@example.com`);
const unknown = Array.from({ length: USERS }, (_, i) => `unknown-${run}-${i}@example.com`);

interface Sample {
  known: boolean;
  afterKnown: boolean;
  ms: number;
}
let badAnswers = 0;
let firstBad = '';

/** One forgot request, timed from before fetch until its body has been read. */
async function forgot(email: string): Promise<number> {
  const t0 = performance.now();
  const res = await fetch(`${base}/auth/password/forgot`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': ip() },
    body: JSON.stringify({ email }),
  });
  const body = await res.text();
  const elapsed = performance.now() - t0;
  if (res.status !== 202 || body !== '{}') {
    badAnswers++;
    firstBad ||= `${res.status} ${body}`;
  }
  return elapsed;
}

/** Waits until the outbox worker has sent (logged) or dropped every queued mail. */
async function drained(db: pg.Client): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const { rows } = await db.query<{ n: string }>(
      `SELECT count(*) AS n FROM "${schema}".warden_mail_outbox`,
    );
    if (rows[0].n === '0') return;
    await sleep(100);
  }
  throw new Error('the mail outbox did not drain within 60 s');
}

/** One round: USERS pairs, known and unknown in random order within a pair, one at a time. */
async function round(): Promise<Sample[]> {
  const out: Sample[] = [];
  let afterKnown = false;
  for (let i = 0; i < USERS; i++) {
    const order = randomInt(2) ? [true, false] : [false, true];
    for (const isKnown of order) {
      const t = await forgot(isKnown ? known[i] : unknown[i]);
      out.push({ known: isKnown, afterKnown, ms: t });
      afterKnown = isKnown;
    }
  }
  return out;
}

/** n, median, p90, p99, max. */
const stats = (xs: number[]) => [xs.length, median(xs), pct(xs, 90), pct(xs, 99), Math.max(...xs)];

async function main() {
  const db = new pg.Client({ connectionString: DATABASE_URL });
  await db.connect();
  const redis = new Redis(REDIS_URL);
  const app = await startExampleApp(db, redis, { port, schema, prefix });
  try {
    const t0 = performance.now();
    await pool(USERS + WARMUP / 2, 4, async (i) => {
      const email = i < USERS ? known[i] : `warmup-${run}-${i}@example.com`;
      const res = await fetch(`${base}/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email, password: PASSWORD }),
      });
      if (!res.ok) throw new Error(`register ${email}: ${res.status} ${await res.text()}`);
    });
    const registerS = (performance.now() - t0) / 1000;
    await drained(db); // the verification mails of the registrations
    console.error(`bench ${run}: ${USERS + WARMUP / 2} users in ${fmt(registerS, 1)} s`);

    // Warm-up (not counted): its own known and unknown emails, so the measured ones start equal.
    for (let i = 0; i < WARMUP; i++) {
      await forgot(`${i % 2 ? 'warmup' : 'nobody'}-${run}-${USERS + (i >> 1)}@example.com`);
    }
    const rounds: Sample[][] = [];
    for (let r = 0; r < ROUNDS; r++) {
      await drained(db);
      rounds.push(await round());
      console.error(`round ${r + 1}/${ROUNDS} done`);
    }
    await drained(db);

    // Report.
    // One row of numbers per round; the last row is the median of each column over the rounds.
    const figures = rounds.map((samples) => {
      const k = stats(samples.filter((s) => s.known).map((s) => s.ms));
      const u = stats(samples.filter((s) => !s.known).map((s) => s.ms));
      return [...k, ...u, k[1] / u[1], k[4] / u[4], (k[1] - u[1]) * 1000];
    });
    const mid = figures[0].map((_, c) => median(figures.map((row) => row[c])));
    const digits = [0, 3, 3, 3, 3, 0, 3, 3, 3, 3, 3, 3, 0];
    const line = (label: string, row: number[]) =>
      `| ${label} | ${row.map((x, c) => fmt(x, digits[c])).join(' | ')} |`;
    const all = rounds.flat();
    const after = (prev: boolean, isKnown: boolean) =>
      ms(median(all.filter((s) => s.afterKnown === prev && s.known === isKnown).map((s) => s.ms)));
    const total = all.length + WARMUP;
    const report = [
      `# bench/forgot — ${new Date().toISOString()}`,
      '',
      `Machine: ${cpus()[0]?.model ?? 'cpu'} × ${availableParallelism()}, Node ${process.version}; the example app (\`node dist/main.js\`, Express, PostgreSQL and Redis on loopback, LogMailer).`,
      `Command: \`npm run build && npm run bench:forgot\` (BENCH_ROUNDS=${ROUNDS}).`,
      '',
      `POST /auth/password/forgot, one request in flight, client-side latency (performance.now() around fetch and reading the body, keep-alive). ${USERS} registered (known) and ${USERS} unregistered (unknown) emails, asked once per round each, known and unknown in random order within each pair; every request from its own X-Forwarded-For IP (TRUST_PROXY=1); ${WARMUP} warm-up requests first, not counted; the mail outbox drained before each round. ${ROUNDS} rounds; the last row is the median of each column over the rounds. Latencies in ms (nearest-rank percentiles); Δ = median known − median unknown.`,
      '',
      '| | known n | p50 | p90 | p99 | max | unknown n | p50 | p90 | p99 | max | p50 known ÷ unknown | p99 known ÷ unknown | Δ p50 µs |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
      ...figures.map((row, r) => line(`round ${r + 1}`, row)),
      line('**median of rounds**', mid),
      '',
      `Answers: ${badAnswers === 0 ? `all ${fmt(total)} were 202 with body \`{}\`` : `${badAnswers} of ${fmt(total)} were not 202 \`{}\` (first: ${firstBad})`}.`,
      '',
      "The worker renders and sends a known email's mail (a token insert, a log line) after the answer, so it may overlap the next request. Median ms by the previous request's email, all rounds:",
      '',
      '| | previous known | previous unknown |',
      '|---|---:|---:|',
      `| this one known | ${after(true, true)} | ${after(false, true)} |`,
      `| this one unknown | ${after(true, false)} | ${after(false, false)} |`,
      '',
    ].join('\n');
    console.log(report);
    writeFileSync(join(process.cwd(), 'bench', 'forgot-results.md'), report);
    if (badAnswers) process.exitCode = 1;
  } finally {
    await app.stop();
    await db.end();
    redis.disconnect();
  }
}

await main();
