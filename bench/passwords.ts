// bench/passwords: Argon2id cost on this machine, and what a registration flood does to a cheap
// request. Run: npm run bench:passwords (needs PostgreSQL and Redis, like the tests).
// Prints a Markdown report and writes it to bench/passwords-results.md. Figures, never pass/fail.
import 'reflect-metadata';
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { resolvePasswordOptions } from '../src/passwords/password.options.js';
import { PasswordService } from '../src/passwords/password.service.js';
import { median } from './support.js';

const DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);

const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
const fmt = (n: number, digits = 1) => n.toFixed(digits);

/** Throughput and latency of `count` verifications issued at once through PasswordService. */
async function hashing(
  label: string,
  params: { memoryCostKib: number; timeCost: number; parallelism: number },
) {
  const service = new PasswordService(
    resolvePasswordOptions({ ...params, maxQueued: 1000, queueDeadlineMs: 120_000 }),
  );
  const hash = await service.hash('correct horse battery staple');
  // One at a time: the cost of one verification (wall and CPU).
  const single: number[] = [];
  const cpuStart = process.cpuUsage();
  for (let i = 0; i < 10; i++) {
    const t0 = performance.now();
    await service.verify(hash, 'correct horse battery staple');
    single.push(performance.now() - t0);
  }
  const cpu = process.cpuUsage(cpuStart);
  const cpuMsPerVerify = (cpu.user + cpu.system) / 1000 / 10;
  // Saturated: many at once, limited by the bulkhead.
  const count = 60;
  const latencies: number[] = [];
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: count }, async () => {
      const s = performance.now();
      await service.verify(hash, 'correct horse battery staple');
      latencies.push(performance.now() - s);
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  return {
    label,
    params: `m=${params.memoryCostKib} t=${params.timeCost} p=${params.parallelism}`,
    singleMs: median(single),
    cpuMsPerVerify,
    perSecond: count / seconds,
    ceiling: (availableParallelism() * 1000) / cpuMsPerVerify,
    p50: pct(latencies, 50),
    p99: pct(latencies, 99),
    maxConcurrent: service.options.maxConcurrent,
  };
}

async function startApp(cwd: string, port: number, schema: string) {
  const url = new URL(DATABASE_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  const child = spawn(process.execPath, [join(process.cwd(), 'dist', 'main.js')], {
    cwd,
    env: {
      PATH: process.env.PATH,
      PORT: String(port),
      DATABASE_URL: url.toString(),
      REDIS_URL,
      // Every flood round registers 200 users from one IP: the registration throttle is not measured.
      REGISTER_MAX_PER_IP: '100000',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c) => {
      out += c;
      if (out.includes('nest-warden example on')) resolve();
    });
    child.once('exit', () => reject(new Error(`app exited:\n${out}`)));
  });
  return child;
}

function cannon(url: string, seconds: number) {
  return new Promise<autocannon.Result>((resolve, reject) =>
    autocannon({ url, connections: 4, duration: seconds }, (err, res) =>
      err ? reject(err) : resolve(res),
    ),
  );
}

async function flood(base: string, round: number) {
  const started = performance.now();
  const statuses = await Promise.all(
    Array.from({ length: 200 }, (_, i) =>
      fetch(`${base}/auth/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          email: `flood-${round}-${i}@example.com`,
          password: 'correct horse battery staple',
        }),
      }).then((r) => r.status),
    ),
  );
  return { ms: performance.now() - started, statuses };
}

async function main() {
  const rows = [
    await hashing('OWASP floor (nest-warden default)', {
      memoryCostKib: 19456,
      timeCost: 2,
      parallelism: 1,
    }),
    await hashing('argon2 package default', { memoryCostKib: 65536, timeCost: 3, parallelism: 4 }),
  ];

  const cwd = mkdtempSync(join(tmpdir(), 'warden-bench-'));
  const schema = `warden_bench_${process.pid}`;
  const db = new pg.Client({ connectionString: DATABASE_URL });
  await db.connect();
  await db.query(`CREATE SCHEMA "${schema}"`);
  const port = 3900 + (process.pid % 90);
  const app = await startApp(cwd, port, schema);
  const base = `http://127.0.0.1:${port}`;
  const idle: number[] = [];
  const loaded: number[] = [];
  const floods: { ms: number; statuses: number[] }[] = [];
  try {
    await cannon(`${base}/health`, 2); // warm-up
    for (let round = 0; round < ROUNDS; round++) {
      idle.push((await cannon(`${base}/health`, 3)).latency.p99);
      const during = cannon(`${base}/health`, 3);
      await new Promise((r) => setTimeout(r, 200));
      floods.push(await flood(base, round));
      loaded.push((await during).latency.p99);
    }
  } finally {
    app.kill('SIGTERM');
    await db.query(`DROP SCHEMA "${schema}" CASCADE`);
    await db.end();
    rmSync(cwd, { recursive: true, force: true });
  }

  const counts = (code: number) => floods.map((f) => f.statuses.filter((s) => s === code).length);
  const report = [
    `# bench/passwords — ${new Date().toISOString()}`,
    '',
    `Machine: ${cpus()[0]?.model ?? 'cpu'} × ${availableParallelism()}, Node ${process.version}, UV_THREADPOOL_SIZE=${process.env.UV_THREADPOOL_SIZE ?? 4 + ' (default)'}.`,
    '',
    '## Argon2id verification through PasswordService',
    '',
    '| parameters | one verify (wall ms) | CPU ms / verify | verifies/s (60 at once) | ceiling: cores ÷ CPU time | ratio | p50 ms | p99 ms | in flight |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.label}: ${r.params} | ${fmt(r.singleMs)} | ${fmt(r.cpuMsPerVerify)} | ${fmt(r.perSecond)} | ${fmt(r.ceiling)} | ${fmt(r.perSecond / r.ceiling, 2)} | ${fmt(r.p50)} | ${fmt(r.p99)} | ${r.maxConcurrent} |`,
    ),
    '',
    `## p99 of GET /health (PostgreSQL SELECT 1 + Redis PING) while 200 registrations arrive at once`,
    '',
    `Interleaved idle/loaded, ${ROUNDS} rounds, autocannon 4 connections × 3 s each.`,
    '',
    '| | median p99 ms | min–max |',
    '|---|---:|---|',
    `| idle | ${median(idle)} | ${Math.min(...idle)}–${Math.max(...idle)} |`,
    `| during 200 registrations | ${median(loaded)} | ${Math.min(...loaded)}–${Math.max(...loaded)} |`,
    `| ratio loaded ÷ idle | ${fmt(median(loaded) / median(idle), 2)} | |`,
    '',
    `Registrations per flood: 201 ${counts(201).join('/')}, 503 (hashing queue full) ${counts(503).join('/')}; flood took ${floods.map((f) => fmt(f.ms / 1000, 2) + ' s').join(', ')}.`,
    '',
  ].join('\n');
  console.log(report);
  writeFileSync(join(process.cwd(), 'bench', 'passwords-results.md'), report);
}

await main();
