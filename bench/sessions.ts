// bench/sessions: what a session costs in Redis, ours beside connect-redis (the docs' recipe),
// measured the same way in the same run. Run: npm run bench:sessions (needs Redis).
// Prints a Markdown report and writes bench/sessions-results.md. Figures, never pass/fail.
import 'reflect-metadata';
import { RedisStore } from 'connect-redis';
import session from 'express-session';
import { Redis } from 'ioredis';
import { randomBytes, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createClient } from 'redis';
import { systemClock } from '../src/core/clock.js';
import { RedisSessionStore } from '../src/session/redis-session.store.js';
import { resolveSessionOptions } from '../src/session/session.options.js';
import { SessionService } from '../src/session/session.service.js';
import { deletePrefix, fmt, median, pool } from './support.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 100_000);
const VALIDATIONS = Number(process.env.BENCH_VALIDATIONS ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONCURRENCY = 50;

async function info(redis: Redis, section: string): Promise<Record<string, string>> {
  const text = await redis.info(section);
  return Object.fromEntries(
    text
      .split('\r\n')
      .filter((line) => line.includes(':'))
      .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1)]),
  );
}

/** Calls per command since `before`, from INFO commandstats. */
async function commandCalls(redis: Redis): Promise<Record<string, number>> {
  const stats = await info(redis, 'commandstats');
  return Object.fromEntries(
    Object.entries(stats).map(([k, v]) => [
      k.replace('cmdstat_', ''),
      Number(/calls=(\d+)/.exec(v)?.[1] ?? 0),
    ]),
  );
}

function delta(
  before: Record<string, number>,
  after: Record<string, number>,
  name: string,
): number {
  return (after[name] ?? 0) - (before[name] ?? 0);
}

async function usedMemory(redis: Redis): Promise<number> {
  return Number((await info(redis, 'memory')).used_memory);
}

async function main() {
  const redis = new Redis(REDIS_URL, { enableOfflineQueue: false });
  await new Promise((resolve) => redis.once('ready', resolve));
  const nodeRedis = createClient({ url: REDIS_URL });
  await nodeRedis.connect();
  const run = randomBytes(4).toString('hex');
  const oursPrefix = `warden_bench_${run}:`;
  const theirsPrefix = `sess_bench_${run}:`;
  const sessions = new SessionService(
    new RedisSessionStore(redis, { keyPrefix: oursPrefix }),
    resolveSessionOptions({ secrets: [randomBytes(32).toString('base64')], cookieSecure: true }),
    systemClock,
  );
  const recipe = new RedisStore({ client: nodeRedis, prefix: theirsPrefix });
  const recipeSession = (userId: string) => ({
    cookie: new (session.Cookie as unknown as new (options: object) => object)({
      maxAge: 86_400_000,
      httpOnly: true,
      sameSite: 'lax',
      secure: false,
    }),
    passport: { user: userId },
  });

  try {
    // Memory per session: INFO memory delta over SESSIONS sessions, one user each (worst case
    // for us: every session also has its own user index).
    const memBefore1 = await usedMemory(redis);
    const tokens: string[] = [];
    await pool(SESSIONS, CONCURRENCY, async (i) => {
      const { token } = await sessions.create(
        { id: randomUUID(), authVersion: 1 },
        { ip: '203.0.113.7', userAgent: 'Mozilla/5.0 (X11; Linux x86_64) bench' },
      );
      if (i < 1000) tokens.push(token);
    });
    const oursBytes = (await usedMemory(redis)) - memBefore1;
    // Same count, ten sessions per user: the per-user index is shared.
    const memBefore3 = await usedMemory(redis);
    const users = Array.from({ length: SESSIONS / 10 }, () => randomUUID());
    await pool(SESSIONS, CONCURRENCY, async (i) => {
      await sessions.create(
        { id: users[i % users.length], authVersion: 1 },
        { ip: '203.0.113.7', userAgent: 'Mozilla/5.0 (X11; Linux x86_64) bench' },
      );
    });
    const oursSharedBytes = (await usedMemory(redis)) - memBefore3;
    const memBefore2 = await usedMemory(redis);
    const sids: string[] = [];
    await pool(SESSIONS, CONCURRENCY, async (i) => {
      const sid = randomBytes(24).toString('base64url');
      await recipe.set(sid, recipeSession(randomUUID()) as never);
      if (i < 1000) sids.push(sid);
    });
    const theirsBytes = (await usedMemory(redis)) - memBefore2;
    const sampleOurs = await redis.get(
      (await redis.scan('0', 'MATCH', `${oursPrefix}*:s:*`, 'COUNT', 1000))[1][0],
    );
    const sampleTheirs = await redis.get(`${theirsPrefix}${sids[0]}`);

    // Validation throughput and round trips, interleaved A B A B.
    const oursRate: number[] = [];
    const theirsRate: number[] = [];
    let oursTrips = 0;
    let theirsTrips = 0;
    const rawIoredis: number[] = [];
    const rawNodeRedis: number[] = [];
    const someKey = `${theirsPrefix}${sids[0]}`;
    for (let round = 0; round < ROUNDS; round++) {
      let t1 = performance.now();
      await pool(VALIDATIONS, CONCURRENCY, () => redis.get(someKey));
      rawIoredis.push(VALIDATIONS / ((performance.now() - t1) / 1000));
      t1 = performance.now();
      await pool(VALIDATIONS, CONCURRENCY, () => nodeRedis.get(someKey));
      rawNodeRedis.push(VALIDATIONS / ((performance.now() - t1) / 1000));

      let before = await commandCalls(redis);
      let t0 = performance.now();
      await pool(VALIDATIONS, CONCURRENCY, async (i) => {
        const result = await sessions.validate(tokens[i % tokens.length]);
        if (!result.ok) throw new Error('validation failed');
      });
      oursRate.push(VALIDATIONS / ((performance.now() - t0) / 1000));
      let after = await commandCalls(redis);
      oursTrips =
        (delta(before, after, 'get') +
          delta(before, after, 'evalsha') +
          delta(before, after, 'set')) /
        VALIDATIONS;

      before = await commandCalls(redis);
      t0 = performance.now();
      await pool(VALIDATIONS, CONCURRENCY, async (i) => {
        const sid = sids[i % sids.length];
        const sess = await recipe.get(sid);
        if (!sess) throw new Error('recipe session missing');
        await recipe.touch(sid, sess); // express-session touches on every request by default
      });
      theirsRate.push(VALIDATIONS / ((performance.now() - t0) / 1000));
      after = await commandCalls(redis);
      theirsTrips = (delta(before, after, 'get') + delta(before, after, 'expire')) / VALIDATIONS;
    }

    const report = [
      `# bench/sessions — ${new Date().toISOString()}`,
      '',
      `Machine: ${cpus()[0]?.model ?? 'cpu'} × ${availableParallelism()}, Node ${process.version}, Redis ${(await info(redis, 'server')).redis_version} on loopback. ${fmt(SESSIONS)} sessions each, ${fmt(VALIDATIONS)} validations per round, ${CONCURRENCY} in flight, ${ROUNDS} interleaved rounds (medians).`,
      '',
      '| | nest-warden `RedisSessionStore` | connect-redis 10 default (docs recipe) | ratio |',
      '|---|---:|---:|---:|',
      `| Redis memory per session (INFO memory delta), one user each | ${fmt(oursBytes / SESSIONS)} B | ${fmt(theirsBytes / SESSIONS)} B | ${fmt(oursBytes / theirsBytes, 2)} |`,
      `| same, ten sessions per user (index shared) | ${fmt(oursSharedBytes / SESSIONS)} B | ${fmt(theirsBytes / SESSIONS)} B | ${fmt(oursSharedBytes / theirsBytes, 2)} |`,
      `| validations/s (median; min–max) | ${fmt(median(oursRate))} (${fmt(Math.min(...oursRate))}–${fmt(Math.max(...oursRate))}) | ${fmt(median(theirsRate))} (${fmt(Math.min(...theirsRate))}–${fmt(Math.max(...theirsRate))}) | ${fmt(median(oursRate) / median(theirsRate), 2)} |`,
      `| client ceiling: bare GET/s, same concurrency | ${fmt(median(rawIoredis))} (ioredis) | ${fmt(median(rawNodeRedis))} (node-redis) | ${fmt(median(rawIoredis) / median(rawNodeRedis), 2)} |`,
      `| Redis round trips per validation | ${fmt(oursTrips, 2)} (GET; a script only for rotated-away ids) | ${fmt(theirsTrips, 2)} (GET + EXPIRE) | |`,
      '',
      'What each stores per session:',
      '',
      `- ours (${sampleOurs?.length ?? 0} B value): signature-checked before any lookup; key = prefix + {slot tag} + SHA-256(id); value holds user id, authVersion, five timestamps, ip, user agent, CSRF secret, handle, data bag.`,
      `- connect-redis (${sampleTheirs?.length ?? 0} B value): \`${sampleTheirs}\``,
      '',
    ].join('\n');
    console.log(report);
    writeFileSync(join(process.cwd(), 'bench', 'sessions-results.md'), report);
  } finally {
    await deletePrefix(redis, oursPrefix);
    await deletePrefix(redis, theirsPrefix);
    redis.disconnect();
    await nodeRedis.quit();
  }
}

await main();
