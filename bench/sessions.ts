// bench/sessions: what a session costs in Redis, ours beside connect-redis (the docs' recipe)
// and better-auth (sessions in Redis through @better-auth/redis-storage, as the better-auth
// baseline of bench/http runs it), measured the same way in the same run, on a redis-server this
// script starts for itself. Run: npm run bench:sessions (needs redis-server, installed by
// scripts/ensure-redis-server.sh, and PostgreSQL for better-auth's users). Prints a Markdown
// report and writes bench/sessions-results.md; bench/http.ts runs the memory part
// (`measureSessionMemory`) and puts it in bench/results.md. Figures, never pass/fail.
import 'reflect-metadata';
import { RedisStore } from 'connect-redis';
import session from 'express-session';
import { Redis } from 'ioredis';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { createClient } from 'redis';
import { systemClock } from '../src/core/clock.js';
import { RedisSessionStore } from '../src/session/redis-session.store.js';
import { resolveSessionOptions } from '../src/session/session.options.js';
import { SessionService } from '../src/session/session.service.js';
import { encodeSessionRecord } from '../src/session/redis-session.record.js';
import { userAgentDigest } from '../src/session/session.record.js';
import { OwnRedis } from '../test/support/redis-servers.js';
import { createBetterAuth, migrateBetterAuth } from './baselines/better-auth-setup.js';
import { DATABASE_URL, fmt, median, pool } from './support.js';

const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 100_000);
const VALIDATIONS = Number(process.env.BENCH_VALIDATIONS ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONCURRENCY = 50;
const FILL_CONCURRENCY = 256;

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

/** Sum of MEMORY USAGE (SAMPLES 0: every element counted) over the keys under `prefix`. */
async function memoryUsage(redis: Redis, prefix: string): Promise<{ bytes: number; keys: number }> {
  let bytes = 0;
  let keys = 0;
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    const sizes = await Promise.all(
      batch.map((key) => redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0') as Promise<number>),
    );
    for (const size of sizes) bytes += Number(size);
    keys += batch.length;
  } while (cursor !== '0');
  return { bytes, keys };
}

/** A Redis memory figure for SESSIONS sessions: INFO delta and MEMORY USAGE, per session. */
interface Cost {
  info: number;
  usage: number;
  keys: number;
  seconds: number;
}

/**
 * Fills SESSIONS sessions into our empty private Redis with `fill` and measures what they cost,
 * then empties it again. Nothing else runs on that server, so the INFO delta is the sessions'
 * (main and expires dictionaries included); the Lua scripts are loaded before `before`.
 */
async function cost(redis: Redis, prefix: string, fill: () => Promise<unknown>): Promise<Cost> {
  await redis.flushall();
  const before = await usedMemory(redis);
  const t0 = performance.now();
  await fill();
  const seconds = (performance.now() - t0) / 1000;
  const after = await usedMemory(redis);
  const usage = await memoryUsage(redis, prefix);
  return {
    info: (after - before) / SESSIONS,
    usage: usage.bytes / SESSIONS,
    keys: usage.keys,
    seconds,
  };
}

/** Bytes of the binary record of a session made `ageDays` ago and used just now. */
function recordBytes(ip: string, ageDays: number, kind?: 'token'): number {
  const created = Date.UTC(2026, 0, 1, 9, 13, 27, 481);
  const now = created + ageDays * 86_400_000 + 7_777;
  return encodeSessionRecord({
    v: 1,
    handle: randomBytes(8).toString('base64url'),
    userId: 'u',
    authVersion: 3,
    createdAt: created,
    lastSeenAt: now,
    authTime: ageDays ? now - 3_600_123 : created,
    renewedAt: ageDays ? now - 611_337 : created,
    absoluteExpiresAt: created + (kind ? 30 : 0.5) * 86_400_000,
    ip,
    userAgentDigest: userAgentDigest(CHROME_UA),
    csrfSecret: randomBytes(16).toString('base64url'),
    data: {},
    ...(kind ? { kind, idleTimeoutSeconds: 30 * 86_400 } : {}),
  }).length;
}

const BENCH_UA = 'Mozilla/5.0 (X11; Linux x86_64) bench';
const CHROME_UA =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

function versionOf(pkg: string): string {
  const file = join(process.cwd(), 'node_modules', pkg, 'package.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

/** What the three stores cost per session, and how the figures were obtained. */
export interface SessionMemory {
  ours1: Cost;
  ours10: Cost;
  chrome1: Cost;
  chrome10: Cost;
  connectRedis: Cost;
  betterAuth1: Cost;
  betterAuth10: Cost;
  /** MEMORY USAGE of one user-agent dictionary entry (the Chrome one). */
  uaEntry: number;
  /** The Markdown section: the side-by-side table and what each stores. */
  markdown: string;
}

/** A private redis-server with the three stores on it, for {@link measureSessionMemory}. */
interface Bench {
  redis: Redis;
  sessions: SessionService;
  fillOurs: (perUser: number, userAgent: string, tokens?: string[]) => Promise<void>;
  fillConnectRedis: (sids?: string[]) => Promise<void>;
  fillBetterAuth: (perUser: number, tokens?: string[]) => Promise<void>;
  findBetterAuthSession: (token: string) => Promise<unknown>;
  recipe: RedisStore;
  nodeRedis: ReturnType<typeof createClient>;
  oursPrefix: string;
  theirsPrefix: string;
  betterAuthPrefix: string;
  betterAuthUsers: string[];
  close: () => Promise<void>;
}

async function openBench(): Promise<Bench> {
  // A redis-server of our own (scripts/ensure-redis-server.sh installs it), on a free port:
  // the shared one's other clients would blur INFO used_memory.
  const server = await OwnRedis.start();
  const redis = new Redis(server.url, { enableOfflineQueue: false });
  // Fills go through each store's own API on a client that pipelines whatever is in flight.
  const filler = new Redis(server.url, { enableOfflineQueue: false, enableAutoPipelining: true });
  await Promise.all([redis, filler].map((c) => new Promise((resolve) => c.once('ready', resolve))));
  const nodeRedis = createClient({ url: server.url });
  await nodeRedis.connect();
  const run = randomBytes(4).toString('hex');
  const oursPrefix = `warden_bench_${run}:`;
  const theirsPrefix = `sess_bench_${run}:`;
  const betterAuthPrefix = `better_auth_bench_${run}:`;
  const betterAuthSchema = `better_auth_bench_${run}`;
  const options = resolveSessionOptions({
    secrets: [randomBytes(32).toString('base64')],
    cookieSecure: true,
  });
  const sessions = new SessionService(
    new RedisSessionStore(redis, { keyPrefix: oursPrefix }),
    options,
    systemClock,
  );
  const fillSessions = new SessionService(
    new RedisSessionStore(filler, { keyPrefix: oursPrefix, commandTimeoutMs: 60_000 }),
    options,
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
  // session.storeSessionInDatabase: false, so sessions live in Redis only), its users in a
  // PostgreSQL schema of its own: its sessions copy the user row, read when a session is made.
  const db = new pg.Client({ connectionString: DATABASE_URL });
  await db.connect();
  await db.query(`CREATE SCHEMA "${betterAuthSchema}"`);
  const betterAuthDb = new URL(DATABASE_URL);
  betterAuthDb.searchParams.set('options', `-c search_path=${betterAuthSchema}`);
  const { auth, options: betterAuthOptions } = createBetterAuth({
    databaseUrl: betterAuthDb.toString(),
    redis: filler,
    keyPrefix: betterAuthPrefix,
    secret: randomBytes(32).toString('base64'),
    baseURL: 'https://bench.example.test',
    cookieCache: false,
  });
  const close = async () => {
    await betterAuthOptions.database.end();
    await db.query(`DROP SCHEMA IF EXISTS "${betterAuthSchema}" CASCADE`);
    await db.end();
    redis.disconnect();
    filler.disconnect();
    await nodeRedis.quit();
    await server.stop();
  };
  try {
    await migrateBetterAuth(betterAuthOptions);
  } catch (error) {
    await close();
    throw error;
  }
  const betterAuth = (await auth.$context).internalAdapter;
  // Users for one session each (SESSIONS) and for ten each (SESSIONS / 10).
  const betterAuthUsers: string[] = [];
  await pool(SESSIONS + SESSIONS / 10, CONCURRENCY, async (i) => {
    const user = await betterAuth.createUser(
      { email: `user-${i}@example.com`, name: 'Bench User', emailVerified: false },
      { method: 'email-password' },
    );
    betterAuthUsers[i] = user.id;
  });

  return {
    redis,
    sessions,
    recipe,
    nodeRedis,
    oursPrefix,
    theirsPrefix,
    betterAuthPrefix,
    betterAuthUsers,
    close,
    /** SESSIONS sessions through SessionService, `perUser` per user, one IPv4 and user agent. */
    fillOurs: (perUser, userAgent, tokens) => {
      const users = Array.from({ length: SESSIONS / perUser }, () => randomUUID());
      return pool(SESSIONS, FILL_CONCURRENCY, async (i) => {
        const { token } = await fillSessions.create(
          { id: users[i % users.length], authVersion: 1 },
          { ip: '203.0.113.7', userAgent },
        );
        if (tokens && tokens.length < 1000) tokens.push(token);
      });
    },
    fillConnectRedis: (sids) =>
      pool(SESSIONS, FILL_CONCURRENCY, async () => {
        const sid = randomBytes(24).toString('base64url');
        await recipe.set(sid, recipeSession(randomUUID()) as never);
        if (sids && sids.length < 1000) sids.push(sid);
      }),
    /** Through its internal adapter's createSession, what sign-in calls. */
    fillBetterAuth: (perUser, tokens) => {
      const users =
        perUser === 1 ? betterAuthUsers.slice(0, SESSIONS) : betterAuthUsers.slice(SESSIONS);
      return pool(SESSIONS, FILL_CONCURRENCY, async (i) => {
        const created = await betterAuth.createSession(users[i % users.length], false, {
          ipAddress: '203.0.113.7',
          userAgent: BENCH_UA,
        });
        if (tokens && tokens.length < 1000) tokens.push(created.token);
      });
    },
    findBetterAuthSession: (token) => betterAuth.findSession(token),
  };
}

/** Memory per session of the three stores, measured one after the other on an emptied server. */
async function memoryOf(bench: Bench): Promise<SessionMemory> {
  const { redis, oursPrefix, theirsPrefix, betterAuthPrefix } = bench;
  // Load the scripts once, outside the measured deltas.
  for (let i = 0; i < 3; i++)
    await bench.sessions.create({ id: 'warm-up', authVersion: 1 }, { userAgent: BENCH_UA });
  const ours1 = await cost(redis, oursPrefix, () => bench.fillOurs(1, BENCH_UA));
  const ours10 = await cost(redis, oursPrefix, () => bench.fillOurs(10, BENCH_UA));
  const chrome1 = await cost(redis, oursPrefix, () => bench.fillOurs(1, CHROME_UA));
  const chrome10 = await cost(redis, oursPrefix, () => bench.fillOurs(10, CHROME_UA));
  const connectRedis = await cost(redis, theirsPrefix, () => bench.fillConnectRedis());
  const betterAuth1 = await cost(redis, betterAuthPrefix, () => bench.fillBetterAuth(1));
  const betterAuth10 = await cost(redis, betterAuthPrefix, () => bench.fillBetterAuth(10));
  const [betterAuthKey] = (
    await redis.scan('0', 'MATCH', `${betterAuthPrefix}*`, 'COUNT', 1000)
  )[1].filter((key) => !key.includes('active-sessions'));
  const sampleBetterAuth = await redis.get(betterAuthKey);
  const sampleBetterAuthList = await redis.get(
    `${betterAuthPrefix}active-sessions-${bench.betterAuthUsers[SESSIONS]}`,
  );
  // What one distinct user agent costs: its dictionary entry.
  const chromeKey = `${oursPrefix}a:${userAgentDigest(CHROME_UA)}`;
  await redis.set(chromeKey, CHROME_UA, 'PX', 60_000);
  const uaEntry = Number(await redis.call('MEMORY', 'USAGE', chromeKey, 'SAMPLES', '0'));
  await redis.flushall();
  const sids: string[] = [];
  await bench.fillConnectRedis(sids);
  const sampleTheirs = await redis.get(`${theirsPrefix}${sids[0]}`);
  await bench.fillOurs(1, BENCH_UA);
  const [sampleHash] = (await redis.scan('0', 'MATCH', `${oursPrefix}{*}:u`, 'COUNT', 1000))[1];
  const sampleEncoding = await redis.object('ENCODING', sampleHash);
  const sampleRecord = Object.entries(await redis.hgetallBuffer(sampleHash)).find(
    ([field]) => field !== 'u',
  )?.[1];
  await redis.flushall();

  const row = (label: string, pick: (c: Cost) => number, ours: Cost, ba: Cost) =>
    `| ${label} | ${fmt(pick(ours))} B | ${fmt(pick(connectRedis))} B | ${fmt(pick(ba))} B | ${fmt(pick(ours) / pick(connectRedis), 2)} | ${fmt(pick(ours) / pick(ba), 2)} |`;
  const markdown = [
    `${fmt(SESSIONS)} sessions per figure, written through each store's own API (ours: \`SessionService.create\`; connect-redis: \`RedisStore.set\` of what express-session stores; better-auth ${versionOf('better-auth')} with @better-auth/redis-storage ${versionOf('@better-auth/redis-storage')}: its internal adapter's \`createSession\`, what sign-in calls, for users made in PostgreSQL beforehand) on a redis-server of the bench's own (nothing else on it), emptied before each fill. INFO used_memory after minus before (main and expires dictionaries included) and the sum of \`MEMORY USAGE key SAMPLES 0\` over the keys written, both divided by ${fmt(SESSIONS)}. Every session comes from one IPv4 address and one user agent (\`${BENCH_UA}\`).`,
    '',
    '| | nest-warden `RedisSessionStore` | connect-redis 10 (docs recipe) | better-auth `secondaryStorage` | ours ÷ connect-redis | ours ÷ better-auth |',
    '|---|---:|---:|---:|---:|---:|',
    row(
      'Redis memory per session (INFO delta), one session per user',
      (c) => c.info,
      ours1,
      betterAuth1,
    ),
    row('same, ten sessions per user', (c) => c.info, ours10, betterAuth10),
    row(
      'sum of MEMORY USAGE per session, one session per user',
      (c) => c.usage,
      ours1,
      betterAuth1,
    ),
    row('same, ten sessions per user', (c) => c.usage, ours10, betterAuth10),
    '',
    `With a current Chrome user agent (${CHROME_UA.length} characters) instead, ours: ${fmt(chrome1.info)} B (one per user) and ${fmt(chrome10.info)} B (ten per user) by INFO delta, ${fmt(chrome1.usage)} B and ${fmt(chrome10.usage)} B by MEMORY USAGE. A session keeps a 6-byte digest of its user agent; the text lives once per distinct user agent under \`<prefix>a:<digest>\` (this one: ${fmt(uaEntry)} B by MEMORY USAGE), so sessions sharing a user agent share it; were every session's user agent distinct, that would add about ${fmt(uaEntry)} B per session. Fills of ${fmt(SESSIONS)} of ours took ${fmt(ours1.seconds, 1)} s (one per user) and ${fmt(ours10.seconds, 1)} s (ten per user), ${FILL_CONCURRENCY} in flight, auto-pipelined.`,
    '',
    'What each stores per session:',
    '',
    `- ours: one Redis hash per user, \`<prefix>{<tag>}:u\` (${sampleEncoding} here), field \`u\` = the user id, then one field per session: 128 bits of SHA-256(id) → a binary record (${sampleRecord?.length ?? 0} B here; ${recordBytes('203.0.113.7', 0)} B fresh with IPv4, ${recordBytes('2001:db8:85a3::8a2e:370:7334', 0)} B with IPv6; a 30-day refresh-token session used today ${recordBytes('203.0.113.7', 29, 'token')} B with IPv4, ${recordBytes('2001:db8:85a3::8a2e:370:7334', 29, 'token')} B with IPv6) holding handle, authVersion, five timestamps, ip, user-agent digest, CSRF secret, idle override and data bag. Records over 64 B (old IPv6 sessions, a data bag) turn that user's hash into Redis's larger hashtable form. The cookie's signature is checked before any lookup.`,
    `- connect-redis (${sampleTheirs?.length ?? 0} B value): \`${sampleTheirs}\``,
    `- better-auth (${sampleBetterAuth?.length ?? 0} B value): key = prefix + the session token itself (the cookie's value before its signature, stored as is, not hashed), TTL = the session's expiry (7 days); the value is JSON of the session and a copy of the user row: \`${sampleBetterAuth}\`. Per user, \`active-sessions-<userId>\`, a JSON list of {token, expiresAt} of every live session (${sampleBetterAuthList?.length ?? 0} B with ten sessions), read and rewritten whole (GET + SET) at every session made.`,
  ].join('\n');
  return {
    ours1,
    ours10,
    chrome1,
    chrome10,
    connectRedis,
    betterAuth1,
    betterAuth10,
    uaEntry,
    markdown,
  };
}

/** The memory part alone (bench/http.ts runs it for bench/results.md). */
export async function measureSessionMemory(): Promise<SessionMemory> {
  const bench = await openBench();
  try {
    return await memoryOf(bench);
  } finally {
    await bench.close();
  }
}

async function main() {
  const bench = await openBench();
  const { redis, sessions, recipe } = bench;
  try {
    const memory = await memoryOf(bench);
    // The sessions the validation rounds use: one per user, of each store.
    const tokens: string[] = [];
    const sids: string[] = [];
    const betterAuthTokens: string[] = [];
    await bench.fillOurs(1, BENCH_UA, tokens);
    await bench.fillConnectRedis(sids);
    await bench.fillBetterAuth(1, betterAuthTokens);

    // Validation throughput and round trips, interleaved A B C A B C.
    const oursRate: number[] = [];
    const theirsRate: number[] = [];
    const betterAuthRate: number[] = [];
    let oursTrips = 0;
    let theirsTrips = 0;
    let betterAuthTrips = 0;
    const rawIoredis: number[] = [];
    const rawNodeRedis: number[] = [];
    const someKey = `${bench.theirsPrefix}${sids[0]}`;
    for (let round = 0; round < ROUNDS; round++) {
      let t1 = performance.now();
      await pool(VALIDATIONS, CONCURRENCY, () => redis.get(someKey));
      rawIoredis.push(VALIDATIONS / ((performance.now() - t1) / 1000));
      t1 = performance.now();
      await pool(VALIDATIONS, CONCURRENCY, () => bench.nodeRedis.get(someKey));
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

      // better-auth's findSession, what getSession does once the cookie's signature is checked.
      before = await commandCalls(redis);
      t0 = performance.now();
      await pool(VALIDATIONS, CONCURRENCY, async (i) => {
        const found = await bench.findBetterAuthSession(
          betterAuthTokens[i % betterAuthTokens.length],
        );
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
      `Machine: ${cpus()[0]?.model ?? 'cpu'} × ${availableParallelism()}, Node ${process.version}, Redis ${(await info(redis, 'server')).redis_version} on loopback. ${fmt(VALIDATIONS)} validations per round, ${CONCURRENCY} in flight, ${ROUNDS} interleaved rounds (medians).`,
      '',
      '## Memory per session',
      '',
      memory.markdown,
      '',
      '## Validation',
      '',
      '| | nest-warden | connect-redis | better-auth | ours ÷ connect-redis | ours ÷ better-auth |',
      '|---|---:|---:|---:|---:|---:|',
      `| validations/s (median; min–max) | ${rate(oursRate)} | ${rate(theirsRate)} | ${rate(betterAuthRate)} | ${fmt(median(oursRate) / median(theirsRate), 2)} | ${fmt(median(oursRate) / median(betterAuthRate), 2)} |`,
      `| client ceiling: bare GET/s, same concurrency | ${rate(rawIoredis)} (ioredis) | ${rate(rawNodeRedis)} (node-redis) | ${rate(rawIoredis)} (ioredis) | ${fmt(median(rawIoredis) / median(rawNodeRedis), 2)} | 1.00 |`,
      `| Redis round trips per validation | ${fmt(oursTrips, 2)} (one script: session, user id, forward pointers) | ${fmt(theirsTrips, 2)} (GET + EXPIRE) | ${fmt(betterAuthTrips, 2)} (GET of the session, GET of the user's revocation time) | | |`,
      '',
      'Ours validates through `SessionService.validate` (cookie signature, lookup, clocks); connect-redis as express-session does on every request (GET, then EXPIRE to touch); better-auth through its `findSession`.',
      '',
    ].join('\n');
    console.log(report);
    writeFileSync(join(process.cwd(), 'bench', 'sessions-results.md'), report);
  } finally {
    await bench.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
