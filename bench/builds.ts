// Compares two builds of the example app on GET /auth/me: app CPU per request, cookie and
// bearer, with both apps up side by side and the rounds interleaved (so drift of a shared host
// hits both alike). Run: node --import tsx bench/builds.ts <dir A> <dir B> (each a checkout with
// dist/ built, e.g. a `git worktree` of an older commit). Knobs: BENCH_ROUNDS (5),
// BENCH_REQUESTS (15000 per measurement). Redis on 127.0.0.1:6379, SQLite per app. Figures only.
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { deletePrefix, fmt, median } from './support.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 15_000);
const secret = 'bench-builds-secret-0123456789abcdefghijklmnopqrstuvwxyz';
const password = 'correct horse battery staple';
const dirs = process.argv.slice(2);
if (dirs.length !== 2) throw new Error('usage: node --import tsx bench/builds.ts <dir A> <dir B>');

interface App {
  dir: string;
  port: number;
  prefix: string;
  data: string;
  pid: number;
  kill: () => void;
  headers: { cookie: Record<string, string>; bearer: Record<string, string> };
  cpu: { cookie: number[]; bearer: number[]; hello: number[] };
}

/** CPU time of a process so far, in µs (utime + stime at 100 ticks/s). */
function cpuMicros(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

async function post(app: App, path: string, body: unknown): Promise<Response> {
  return fetch(`http://127.0.0.1:${app.port}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

async function start(dir: string, index: number): Promise<App> {
  const port = 3950 + index;
  const prefix = `bench_builds_${process.pid}_${index}:`;
  const data = mkdtempSync(join(tmpdir(), 'bench-builds-'));
  const child = spawn(process.execPath, ['dist/main.js'], {
    cwd: dir,
    env: {
      PATH: process.env.PATH ?? '',
      PORT: String(port),
      DATA_DIR: data,
      REDIS_URL: 'redis://127.0.0.1:6379',
      REDIS_KEY_PREFIX: prefix,
      SESSION_SECRETS: secret,
      JWT_SECRET: secret,
      REGISTER_MAX_PER_IP: '1000',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const app: App = {
    dir,
    port,
    prefix,
    data,
    pid: child.pid!,
    kill: () => child.kill(),
    headers: { cookie: {}, bearer: {} },
    cpu: { cookie: [], bearer: [], hello: [] },
  };
  for (let i = 0; ; i++) {
    try {
      await fetch(`http://127.0.0.1:${port}/health`);
      break;
    } catch (error) {
      if (i > 100) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  const email = `bench-builds-${index}@example.com`;
  await post(app, '/auth/register', { email, password });
  const login = await post(app, '/auth/login', { email, password });
  app.headers.cookie = { cookie: login.headers.getSetCookie()[0].split(';')[0] };
  const token = (await (await post(app, '/auth/token', { email, password })).json()) as {
    accessToken: string;
  };
  app.headers.bearer = { authorization: `Bearer ${token.accessToken}` };
  return app;
}

/** App CPU µs per request over REQUESTS requests to `path`. */
async function measure(app: App, path: string, headers: Record<string, string>) {
  const before = cpuMicros(app.pid);
  await autocannon({
    url: `http://127.0.0.1:${app.port}${path}`,
    connections: 16,
    amount: REQUESTS,
    headers,
  });
  return (cpuMicros(app.pid) - before) / REQUESTS;
}

const apps: App[] = [];
try {
  for (const [i, dir] of dirs.entries()) apps.push(await start(dir, i));
  for (let round = 0; round < ROUNDS; round++) {
    for (const app of round % 2 ? [...apps].reverse() : apps) {
      app.cpu.cookie.push(await measure(app, '/auth/me', app.headers.cookie));
      app.cpu.bearer.push(await measure(app, '/auth/me', app.headers.bearer));
      app.cpu.hello.push(await measure(app, '/no-such-route', {}));
    }
    console.log(`round ${round + 1}/${ROUNDS} done`);
  }
  console.log('\n| build | cookie µs/request | bearer µs/request | 404 µs/request |');
  console.log('|---|---:|---:|---:|');
  for (const app of apps) {
    const cell = (xs: number[]) =>
      `${fmt(median(xs))} (${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))})`;
    console.log(
      `| ${app.dir} | ${cell(app.cpu.cookie)} | ${cell(app.cpu.bearer)} | ${cell(app.cpu.hello)} |`,
    );
  }
} finally {
  const redis = new Redis('redis://127.0.0.1:6379');
  for (const app of apps) {
    app.kill();
    await deletePrefix(redis, app.prefix);
    rmSync(app.data, { recursive: true, force: true });
  }
  redis.disconnect();
}
