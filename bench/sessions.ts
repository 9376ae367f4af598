// bench/sessions: what a session costs in Redis, ours beside connect-redis (the docs' recipe),
// measured the same way in the same run, on a redis-server this script starts for itself.
// Run: npm run bench:sessions (needs redis-server: scripts/ensure-redis-server.sh).
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
import { encodeSessionRecord } from '../src/session/redis-session.record.js';
import { userAgentDigest } from '../src/session/session.record.js';
import { OwnRedis } from '../test/support/redis-servers.js';
import { fmt, median, pool } from './support.js';

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

async function main() {
  // A redis-server of our own (scripts/ensure-redis-server.sh installs it), on a free port:
  // the shared one's other clients would blur INFO used_memory.
  const server = await OwnRedis.start();
  const redis = new Redis(server.url, { enableOfflineQueue: false });
  // Fills go through SessionService on a client that pipelines whatever is in flight together.
  const filler = new Redis(server.url, { enableOfflineQueue: false, enableAutoPipelining: true });
  await Promise.all([redis, filler].map((c) => new Promise((resolve) => c.once('ready', resolve))));
  const nodeRedis = createClient({ url: server.url });
  await nodeRedis.connect();
  const run = randomBytes(4).toString('hex');
  const oursPrefix = `warden_bench_${run}:`;
  const theirsPrefix = `sess_bench_${run}:`;
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
  /** SESSIONS sessions through SessionService, `perUser` per user, all from one IPv4 and UA. */
  const fillOurs = (perUser: number, userAgent: string, tokens?: string[]) => {
    const users = Array.from({ length: SESSIONS / perUser }, () => randomUUID());
    return pool(SESSIONS, FILL_CONCURRENCY, async (i) => {
      const { token } = await fillSessions.create(
        { id: users[i % users.length], authVersion: 1 },
        { ip: '203.0.113.7', userAgent },
      );
      if (tokens && tokens.length < 1000) tokens.push(token);
    });
  };

  try {
    // Load the scripts once, outside the measured deltas.
    for (let i = 0; i < 3; i++)
      await fillSessions.create({ id: 'warm-up', authVersion: 1 }, { userAgent: BENCH_UA });
    const ours1 = await cost(redis, oursPrefix, () => fillOurs(1, BENCH_UA));
    const ours10 = await cost(redis, oursPrefix, () => fillOurs(10, BENCH_UA));
    const chrome1 = await cost(redis, oursPrefix, () => fillOurs(1, CHROME_UA));
    const chrome10 = await cost(redis, oursPrefix, () => fillOurs(10, CHROME_UA));
    const sids: string[] = [];
    const theirs = await cost(redis, theirsPrefix, () =>
      pool(SESSIONS, FILL_CONCURRENCY, async (i) => {
        const sid = randomBytes(24).toString('base64url');
        await recipe.set(sid, recipeSession(randomUUID()) as never);
        if (i < 1000) sids.push(sid);
      }),
    );
    const sampleTheirs = await redis.get(`${theirsPrefix}${sids[0]}`);
    // What one distinct user agent costs: its dictionary entry.
    const chromeKey = `${oursPrefix}a:${userAgentDigest(CHROME_UA)}`;
    await redis.set(chromeKey, CHROME_UA, 'PX', 60_000);
    const uaEntry = Number(await redis.call('MEMORY', 'USAGE', chromeKey, 'SAMPLES', '0'));

    // The sessions the validation rounds use: one per user, beside connect-redis' (kept).
    const tokens: string[] = [];
    await fillOurs(1, BENCH_UA, tokens);
    const [sampleHash] = (await redis.scan('0', 'MATCH', `${oursPrefix}{*}:u`, 'COUNT', 1000))[1];
    const sampleEncoding = await redis.object('ENCODING', sampleHash);
    const sampleRecord = Object.entries(await redis.hgetallBuffer(sampleHash)).find(
      ([field]) => field !== 'u',
    )?.[1];

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
      `| Redis memory per session (INFO memory delta), one user each | ${fmt(ours1.info)} B | ${fmt(theirs.info)} B | ${fmt(ours1.info / theirs.info, 2)} |`,
      `| same, ten sessions per user | ${fmt(ours10.info)} B | ${fmt(theirs.info)} B | ${fmt(ours10.info / theirs.info, 2)} |`,
      `| sum of MEMORY USAGE per session, one user each | ${fmt(ours1.usage)} B | ${fmt(theirs.usage)} B | ${fmt(ours1.usage / theirs.usage, 2)} |`,
      `| same, ten sessions per user | ${fmt(ours10.usage)} B | ${fmt(theirs.usage)} B | ${fmt(ours10.usage / theirs.usage, 2)} |`,
      `| validations/s (median; min–max) | ${fmt(median(oursRate))} (${fmt(Math.min(...oursRate))}–${fmt(Math.max(...oursRate))}) | ${fmt(median(theirsRate))} (${fmt(Math.min(...theirsRate))}–${fmt(Math.max(...theirsRate))}) | ${fmt(median(oursRate) / median(theirsRate), 2)} |`,
      `| client ceiling: bare GET/s, same concurrency | ${fmt(median(rawIoredis))} (ioredis) | ${fmt(median(rawNodeRedis))} (node-redis) | ${fmt(median(rawIoredis) / median(rawNodeRedis), 2)} |`,
      `| Redis round trips per validation | ${fmt(oursTrips, 2)} (one script: session, forward pointers) | ${fmt(theirsTrips, 2)} (GET + EXPIRE) | |`,
      '',
      `Memory is measured on a redis-server of the bench's own (nothing else on it), emptied before each fill: INFO used_memory after minus before (main and expires dictionaries included), and the sum of \`MEMORY USAGE key SAMPLES 0\` over the keys written, both divided by ${fmt(SESSIONS)}. Every session comes from one IPv4 address and, above, one user agent (\`${BENCH_UA}\`). With a current Chrome user agent (${CHROME_UA.length} characters) instead:`,
      '',
      '| nest-warden, Chrome user agent | INFO delta | MEMORY USAGE | keys | fill time |',
      '|---|---:|---:|---:|---:|',
      `| one session per user | ${fmt(chrome1.info)} B | ${fmt(chrome1.usage)} B | ${fmt(chrome1.keys)} | ${fmt(chrome1.seconds, 1)} s |`,
      `| ten sessions per user | ${fmt(chrome10.info)} B | ${fmt(chrome10.usage)} B | ${fmt(chrome10.keys)} | ${fmt(chrome10.seconds, 1)} s |`,
      '',
      `A session keeps a 6-byte digest of its user agent; the text lives once per distinct user agent under \`<prefix>a:<digest>\` (this one: ${fmt(uaEntry)} B by MEMORY USAGE). Sessions sharing a user agent share that entry; with every session's user agent distinct it would add about that much per session. Fills (${fmt(SESSIONS)} sessions through \`SessionService.create\`, ${FILL_CONCURRENCY} in flight, auto-pipelined) took ${fmt(ours1.seconds, 1)} s (one per user) and ${fmt(ours10.seconds, 1)} s (ten per user).`,
      '',
      'What each stores per session:',
      '',
      `- ours: one Redis hash per user, \`<prefix>{<tag>}:u\` (${sampleEncoding} here), field \`u\` = the user id, then one field per session: 128 bits of SHA-256(id) → a binary record (${sampleRecord?.length ?? 0} B here; ${recordBytes('203.0.113.7', 0)} B fresh with IPv4, ${recordBytes('2001:db8:85a3::8a2e:370:7334', 0)} B with IPv6; a 30-day refresh-token session used today ${recordBytes('203.0.113.7', 29, 'token')} B with IPv4, ${recordBytes('2001:db8:85a3::8a2e:370:7334', 29, 'token')} B with IPv6) holding handle, authVersion, five timestamps, ip, user-agent digest, CSRF secret, idle override and data bag. The cookie's signature is checked before any lookup.`,
      `- connect-redis (${sampleTheirs?.length ?? 0} B value): \`${sampleTheirs}\``,
      '',
    ].join('\n');
    console.log(report);
    writeFileSync(join(process.cwd(), 'bench', 'sessions-results.md'), report);
  } finally {
    redis.disconnect();
    filler.disconnect();
    await nodeRedis.quit();
    await server.stop();
  }
}

await main();
