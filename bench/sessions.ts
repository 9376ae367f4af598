// bench/sessions: what a session costs in Redis, ours beside connect-redis (the docs' recipe)
// and better-auth (sessions in Redis through @better-auth/redis-storage, as the better-auth
// baseline of bench/http runs it), measured the same way in the same run.
// Run: npm run bench:sessions (needs Redis, and PostgreSQL for better-auth's users).
// Prints a Markdown report and writes bench/sessions-results.md. Figures, never pass/fail.
import 'reflect-metadata';
import { RedisStore } from 'connect-redis';
import session from 'express-session';
import { Redis } from 'ioredis';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { createClient } from 'redis';
import { systemClock } from '../src/core/clock.js';
import { RedisSessionStore } from '../src/session/redis-session.store.js';
import { resolveSessionOptions } from '../src/session/session.options.js';
import { SessionService } from '../src/session/session.service.js';
import { createBetterAuth, migrateBetterAuth } from './baselines/better-auth-setup.js';
import { DATABASE_URL, deletePrefix, fmt, median, pool } from './support.js';

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

/** Table scans and rows written in `schema` so far (pg_stat_user_tables; flushed every ~10 s). */
async function tableStats(db: pg.Client, schema: string) {
  const { rows } = await db.query<{ reads: string; writes: string }>(
    `SELECT coalesce(sum(seq_scan + coalesce(idx_scan, 0)), 0) AS reads,
            coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) AS writes
       FROM pg_stat_user_tables WHERE schemaname = $1`,
    [schema],
  );
  return { reads: Number(rows[0].reads), writes: Number(rows[0].writes) };
}

const STATS_FLUSH_MS = 11_000;

function versionOf(pkg: string): string {
  const file = join(process.cwd(), 'node_modules', pkg, 'package.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main() {
  const redis = new Redis(REDIS_URL, { enableOfflineQueue: false });
  await new Promise((resolve) => redis.once('ready', resolve));
  const nodeRedis = createClient({ url: REDIS_URL });
  await nodeRedis.connect();
  const run = randomBytes(4).toString('hex');
  const oursPrefix = `warden_bench_${run}:`;
  const theirsPrefix = `sess_bench_${run}:`;
  const betterAuthPrefix = `better_auth_bench_${run}:`;
  const betterAuthSchema = `better_auth_bench_${run}`;
  const db = new pg.Client({ connectionString: DATABASE_URL });
  await db.connect();
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

  // better-auth as bench/baselines/better-auth.ts sets it up (secondaryStorage, and the default
  // session.storeSessionInDatabase: false, so sessions live in Redis only), in a schema of its
  // own for its users.
  await db.query(`CREATE SCHEMA "${betterAuthSchema}"`);
  const betterAuthDb = new URL(DATABASE_URL);
  betterAuthDb.searchParams.set('options', `-c search_path=${betterAuthSchema}`);
  const { auth, options: betterAuthOptions } = createBetterAuth({
    databaseUrl: betterAuthDb.toString(),
    redis,
    keyPrefix: betterAuthPrefix,
    secret: randomBytes(32).toString('base64'),
    baseURL: 'https://bench.example.test',
    cookieCache: false,
  });

  try {
    await migrateBetterAuth(betterAuthOptions);
    const betterAuth = (await auth.$context).internalAdapter;
    // Its sessions copy the user row, read from PostgreSQL when the session is created: the
    // users exist first (SESSIONS for one session each, SESSIONS / 10 for ten each).
    const betterAuthUsers: string[] = [];
    await pool(SESSIONS + SESSIONS / 10, CONCURRENCY, async (i) => {
      const user = await betterAuth.createUser(
        { email: `user-${i}@example.com`, name: 'Bench User', emailVerified: false },
        { method: 'email-password' },
      );
      betterAuthUsers[i] = user.id;
    });
    const betterAuthSession = (userId: string) =>
      betterAuth.createSession(userId, false, {
        ipAddress: '203.0.113.7',
        userAgent: 'Mozilla/5.0 (X11; Linux x86_64) bench',
      });

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
    // better-auth, one session per user, then ten per user (its per-user list is shared), through
    // its internal adapter's createSession, what sign-in calls. Its SQL per session created
    // is counted over the first pass.
    await sleep(STATS_FLUSH_MS);
    const sql0 = await tableStats(db, betterAuthSchema);
    const memBefore4 = await usedMemory(redis);
    const betterAuthTokens: string[] = [];
    await pool(SESSIONS, CONCURRENCY, async (i) => {
      const created = await betterAuthSession(betterAuthUsers[i]);
      if (i < 1000) betterAuthTokens.push(created.token);
    });
    const betterAuthBytes = (await usedMemory(redis)) - memBefore4;
    await sleep(STATS_FLUSH_MS);
    const sql1 = await tableStats(db, betterAuthSchema);
    const betterAuthSql = {
      reads: (sql1.reads - sql0.reads) / SESSIONS,
      writes: (sql1.writes - sql0.writes) / SESSIONS,
    };
    const memBefore5 = await usedMemory(redis);
    const sharedUsers = betterAuthUsers.slice(SESSIONS);
    await pool(SESSIONS, CONCURRENCY, (i) =>
      betterAuthSession(sharedUsers[i % sharedUsers.length]),
    );
    const betterAuthSharedBytes = (await usedMemory(redis)) - memBefore5;
    const sampleBetterAuth = await redis.get(`${betterAuthPrefix}${betterAuthTokens[0]}`);
    const sampleBetterAuthList = await redis.get(
      `${betterAuthPrefix}active-sessions-${betterAuthUsers[0]}`,
    );
    const sampleBetterAuthList10 = await redis.get(
      `${betterAuthPrefix}active-sessions-${sharedUsers[0]}`,
    );
    const sampleOurs = await redis.get(
      (await redis.scan('0', 'MATCH', `${oursPrefix}*:s:*`, 'COUNT', 1000))[1][0],
    );
    const sampleTheirs = await redis.get(`${theirsPrefix}${sids[0]}`);

    // Validation throughput and round trips, interleaved A B A B.
    const oursRate: number[] = [];
    const theirsRate: number[] = [];
    const betterAuthRate: number[] = [];
    let oursTrips = 0;
    let theirsTrips = 0;
    let betterAuthTrips = 0;
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

      // better-auth's findSession, what getSession does after checking the cookie's signature.
      before = await commandCalls(redis);
      t0 = performance.now();
      await pool(VALIDATIONS, CONCURRENCY, async (i) => {
        const found = await betterAuth.findSession(betterAuthTokens[i % betterAuthTokens.length]);
        if (!found) throw new Error('better-auth session missing');
      });
      betterAuthRate.push(VALIDATIONS / ((performance.now() - t0) / 1000));
      after = await commandCalls(redis);
      betterAuthTrips = delta(before, after, 'get') / VALIDATIONS;
    }

    const rate = (xs: number[]) =>
      `${fmt(median(xs))} (${fmt(Math.min(...xs))}–${fmt(Math.max(...xs))})`;
    const report = [
      `# bench/sessions — ${new Date().toISOString()}`,
      '',
      `Machine: ${cpus()[0]?.model ?? 'cpu'} × ${availableParallelism()}, Node ${process.version}, Redis ${(await info(redis, 'server')).redis_version} on loopback. ${fmt(SESSIONS)} sessions each, ${fmt(VALIDATIONS)} validations per round, ${CONCURRENCY} in flight, ${ROUNDS} interleaved rounds (medians). better-auth ${versionOf('better-auth')} with @better-auth/redis-storage ${versionOf('@better-auth/redis-storage')} as \`secondaryStorage\` on ioredis, configured as the \`better-auth\` baseline of bench/http (bench/baselines/better-auth-setup.ts); its sessions are made by its internal adapter's \`createSession\` (what sign-in calls) for users it created in PostgreSQL beforehand, and checked by its \`findSession\` (what getSession calls once the cookie's signature is checked).`,
      '',
      '| | nest-warden `RedisSessionStore` | connect-redis 10 default (docs recipe) | better-auth `secondaryStorage` (redis-storage) | ours ÷ connect-redis | ours ÷ better-auth |',
      '|---|---:|---:|---:|---:|---:|',
      `| Redis memory per session (INFO memory delta), one user each | ${fmt(oursBytes / SESSIONS)} B | ${fmt(theirsBytes / SESSIONS)} B | ${fmt(betterAuthBytes / SESSIONS)} B | ${fmt(oursBytes / theirsBytes, 2)} | ${fmt(oursBytes / betterAuthBytes, 2)} |`,
      `| same, ten sessions per user (per-user index or list shared) | ${fmt(oursSharedBytes / SESSIONS)} B | ${fmt(theirsBytes / SESSIONS)} B | ${fmt(betterAuthSharedBytes / SESSIONS)} B | ${fmt(oursSharedBytes / theirsBytes, 2)} | ${fmt(oursSharedBytes / betterAuthSharedBytes, 2)} |`,
      `| validations/s (median; min–max) | ${rate(oursRate)} | ${rate(theirsRate)} | ${rate(betterAuthRate)} | ${fmt(median(oursRate) / median(theirsRate), 2)} | ${fmt(median(oursRate) / median(betterAuthRate), 2)} |`,
      `| client ceiling: bare GET/s, same concurrency | ${fmt(median(rawIoredis))} (ioredis) | ${fmt(median(rawNodeRedis))} (node-redis) | ${fmt(median(rawIoredis))} (ioredis) | ${fmt(median(rawIoredis) / median(rawNodeRedis), 2)} | 1.00 |`,
      `| Redis round trips per validation | ${fmt(oursTrips, 2)} (GET; a script only for rotated-away ids) | ${fmt(theirsTrips, 2)} (GET + EXPIRE) | ${fmt(betterAuthTrips, 2)} (GET of the session, GET of the user's revocation time) | | |`,
      '',
      'What each stores per session:',
      '',
      `- ours (${sampleOurs?.length ?? 0} B value): signature-checked before any lookup; key = prefix + {slot tag} + SHA-256(id); value holds user id, authVersion, five timestamps, ip, user agent, CSRF secret, handle, data bag.`,
      `- connect-redis (${sampleTheirs?.length ?? 0} B value): \`${sampleTheirs}\``,
      `- better-auth (${sampleBetterAuth?.length ?? 0} B value): key = prefix + the session token itself (32 characters: the cookie's value before its signature, stored as is, not hashed), TTL = the session's expiry (7 days); the value is JSON of the session and a copy of the whole user row, which is why it reads the user from PostgreSQL (${fmt(betterAuthSql.reads, 2)} table reads and ${fmt(betterAuthSql.writes, 2)} rows written per session created, from pg_stat_user_tables: the session itself goes to Redis only, and there is no session table): \`${sampleBetterAuth}\``,
      `- better-auth, per user: \`active-sessions-<userId>\`, a JSON list of {token, expiresAt} of every live session of the user (${sampleBetterAuthList?.length ?? 0} B with one session, ${sampleBetterAuthList10?.length ?? 0} B with ten), TTL = its latest session's; read and rewritten whole (GET + SET) at every session created, so its cost grows with the user's sessions: \`${sampleBetterAuthList}\`. Revoking sessions adds \`revoked-sessions-before-<userId>\` (a timestamp) that every validation reads.`,
      '',
    ].join('\n');
    console.log(report);
    writeFileSync(join(process.cwd(), 'bench', 'sessions-results.md'), report);
  } finally {
    await deletePrefix(redis, oursPrefix);
    await deletePrefix(redis, theirsPrefix);
    await deletePrefix(redis, betterAuthPrefix);
    await betterAuthOptions.database.end();
    await db.query(`DROP SCHEMA IF EXISTS "${betterAuthSchema}" CASCADE`);
    await db.end();
    redis.disconnect();
    await nodeRedis.quit();
  }
}

await main();
