// Helpers shared by the bench scripts.
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import type pg from 'pg';

/** PostgreSQL and Redis as the tests use them (override with TEST_DATABASE_URL, TEST_REDIS_URL). */
export const DATABASE_URL =
  process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** `n` with thousands separators and exactly `digits` decimals. */
export const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** Calls `each` with every batch of keys under `prefix` (SCAN, never KEYS). */
async function scanPrefix(
  redis: Redis,
  prefix: string,
  each: (keys: string[]) => Promise<unknown>,
): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    if (keys.length) await each(keys);
    cursor = next;
  } while (cursor !== '0');
}

/** Deletes every key under `prefix` (SCAN + UNLINK). */
export function deletePrefix(redis: Redis, prefix: string): Promise<void> {
  return scanPrefix(redis, prefix, (keys) => redis.unlink(...keys));
}

/** How many keys are under `prefix` (the shared Redis may hold others'). */
export async function countPrefix(redis: Redis, prefix: string): Promise<number> {
  let count = 0;
  await scanPrefix(redis, prefix, async (keys) => (count += keys.length));
  return count;
}

/** Runs `task(0..total-1)` with `width` in flight. */
export async function pool(
  total: number,
  width: number,
  task: (i: number) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < total) await task(next++);
    }),
  );
}

/** The example app as a bench script runs it: a child process, up and answering. */
export interface BenchApp {
  child: ChildProcess;
  /** The last 4,000 characters it printed (for a failed start). */
  tail(): string;
  /** Stops it (SIGTERM, SIGKILL after 5 s) and removes its schema, keys and scratch directory. */
  stop(): Promise<void>;
}

/**
 * Starts `dist/main.js` of `dir` on `port`, in PostgreSQL schema `schema` (created here) and
 * under Redis prefix `prefix`, with fresh secrets, `TRUST_PROXY=1` (each simulated client sends
 * its own X-Forwarded-For) and the registration throttle lifted (setup is not measured), plus
 * `env`; resolves once `GET /health` answers 200. `nodeArgs` go to `node` before the script
 * (`--cpu-prof`, ...).
 */
export async function startExampleApp(
  db: pg.Client,
  redis: Redis,
  options: {
    port: number;
    schema: string;
    prefix: string;
    dir?: string;
    env?: Record<string, string>;
    nodeArgs?: string[];
  },
): Promise<BenchApp> {
  const { port, schema, prefix, dir = process.cwd() } = options;
  await db.query(`CREATE SCHEMA "${schema}"`);
  const url = new URL(DATABASE_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  const scratch = mkdtempSync(join(tmpdir(), 'warden-bench-'));
  const child = spawn(
    process.execPath,
    [...(options.nodeArgs ?? []), join(dir, 'dist', 'main.js')],
    {
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
        TRUST_PROXY: '1',
        REGISTER_MAX_PER_IP: '100000',
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let tail = '';
  const keep = (chunk: Buffer) => (tail = (tail + chunk.toString()).slice(-4000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const app: BenchApp = {
    child,
    tail: () => tail,
    stop: async () => {
      await new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      });
      rmSync(scratch, { recursive: true, force: true });
      await db.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await deletePrefix(redis, prefix);
    },
  };
  try {
    for (let i = 0; ; i++) {
      if (child.exitCode !== null || i > 300) throw new Error(`app did not start:\n${tail}`);
      const up = await fetch(`http://127.0.0.1:${port}/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (up) return app;
      await sleep(100);
    }
  } catch (error) {
    await app.stop();
    throw error;
  }
}
