import { createConnection } from 'node:net';

// Loaded by Jest outside its module system: no relative imports here.

/** PostgreSQL the tests use. Override with TEST_DATABASE_URL. */
export const TEST_DATABASE_URL =
  process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/** Redis the tests use. Override with TEST_REDIS_URL. */
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Fails the whole run at once, with what to start, when PostgreSQL or Redis is unreachable. */
export default async function globalSetup(): Promise<void> {
  const problems: string[] = [];
  if (!(await reachable(TEST_DATABASE_URL, 5432))) {
    problems.push(
      `PostgreSQL is not reachable at ${redact(TEST_DATABASE_URL)}: start it (Debian: pg_ctlcluster 15 main start) or set TEST_DATABASE_URL`,
    );
  }
  if (!(await reachable(TEST_REDIS_URL, 6379))) {
    problems.push(
      `Redis is not reachable at ${redact(TEST_REDIS_URL)}: start it (redis-server --daemonize yes) or set TEST_REDIS_URL`,
    );
  }
  if (problems.length > 0) throw new Error(`\n${problems.join('\n')}\n`);
  await dropLeftovers();
}

/**
 * Test schemas and Redis keys are named `warden_test_<pid>_<random>`; a run that crashed
 * leaves some behind. Drop the ones whose process is gone (other runs sharing the services
 * are alive and keep theirs).
 */
async function dropLeftovers(): Promise<void> {
  const dead = (name: string) => {
    const pid = Number(/^warden_test_(\d+)_/.exec(name)?.[1]);
    if (!pid) return false;
    try {
      process.kill(pid, 0);
      return false;
    } catch {
      return true;
    }
  };
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ nspname: string }>(
      "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'warden\\_test\\_%'",
    );
    for (const { nspname } of rows.filter((row) => dead(row.nspname))) {
      await client.query(`DROP SCHEMA IF EXISTS "${nspname}" CASCADE`);
    }
  } finally {
    await client.end();
  }
  const { Redis } = await import('ioredis');
  const redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', 'warden_test_*', 'COUNT', 1000);
      const stale = keys.filter(dead);
      if (stale.length > 0) await redis.unlink(...stale);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

function reachable(url: string, defaultPort: number): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = createConnection({ host: hostname, port: Number(port) || defaultPort });
    socket.setTimeout(2000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

function redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}
