import type { Redis } from 'ioredis';
import { Redis as RedisClient } from 'ioredis';
import { WardenUnavailableException } from '../../src/errors/warden.exceptions.js';
import { userTag } from '../../src/core/redis-keys.js';
import { RedisSessionStore } from '../../src/session/redis-session.store.js';
import type { SessionOptions } from '../../src/session/session.options.js';
import { resolveSessionOptions } from '../../src/session/session.options.js';
import { userAgentDigest } from '../../src/session/session.record.js';
import { SessionService } from '../../src/session/session.service.js';
import { systemClock } from '../../src/core/clock.js';
import { FakeClock } from '../support/fake-clock.js';
import { RedisMonitor } from '../support/redis-monitor.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { deleteKeys, testRedis, TEST_REDIS_URL, uniqueName } from '../support/services.js';

const secrets = ['redis-session-secret-0123456789abcdefghij'];

describe('RedisSessionStore', () => {
  let redis: Redis;
  let prefix: string;
  let sessions: SessionService;

  beforeEach(async () => {
    redis = await testRedis();
    prefix = `${uniqueName('warden_test')}:`;
    sessions = new SessionService(
      new RedisSessionStore(redis, { keyPrefix: prefix }),
      resolveSessionOptions({ secrets, maxSessionsPerUser: 100 }),
      systemClock,
    );
  });
  afterEach(async () => {
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });

  async function keys(): Promise<string[]> {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      found.push(...batch);
      cursor = next;
    } while (cursor !== '0');
    return found;
  }

  /** Fields of the one sessions hash of `userId`: the sessions (no `u`, no pointers). */
  async function sessionFields(userId: string): Promise<string[]> {
    const fields = await redis.hkeys(`${prefix}{${userTag(userId)}}:u`);
    return fields.filter((f) => f !== 'u' && !f.startsWith('>'));
  }

  it('never stores the raw session id, and every key has a TTL', async () => {
    const { token, session } = await sessions.create(
      { id: 'user-ttl', authVersion: 1 },
      { ip: '203.0.113.9', userAgent: 'jest agent' },
    );
    // A renewal-style rotation, which leaves a forward pointer for its grace window.
    const { ref, ...record } = session;
    const now = Date.now();
    await new RedisSessionStore(redis, { keyPrefix: prefix }).rotate(ref, 'e'.repeat(22), record, {
      ttlMs: 60_000,
      graceMs: 10_000,
      graceUntil: now + 10_000,
    });
    const id = token.split('.')[0];
    const all = (await keys()).sort();
    // The user's hash and the user agent's shared text.
    expect(all).toEqual([
      `${prefix}a:${userAgentDigest('jest agent')}`,
      `${prefix}{${userTag('user-ttl')}}:u`,
    ]);
    for (const key of all) {
      expect(key).not.toContain(id);
      expect(await redis.pttl(key)).toBeGreaterThan(0);
    }
    const hash = await redis.hgetallBuffer(all[1]);
    expect(Object.keys(hash).sort()).toEqual([`>${ref.idHash}`, 'e'.repeat(22), 'u']);
    const everything = Buffer.concat(Object.entries(hash).flatMap(([k, v]) => [Buffer.from(k), v]));
    expect(everything.includes(id)).toBe(false);
    expect(everything.includes(Buffer.from(id, 'base64url'))).toBe(false);
    expect(hash.u.toString()).toBe('user-ttl');
    expect(await redis.get(all[0])).toBe('jest agent');
  });

  it("writes a user agent's text once per process and hour, and again for a longer-lived session", async () => {
    const options = resolveSessionOptions({ secrets, maxSessionsPerUser: 100 });
    const service = (store: RedisSessionStore) => new SessionService(store, options, systemClock);
    const first = service(new RedisSessionStore(redis, { keyPrefix: prefix }));
    const agentKey = `${prefix}a:${userAgentDigest('jest agent')}`;
    const context = { ip: '203.0.113.9', userAgent: 'jest agent' };
    await first.create({ id: 'ua-1', authVersion: 1 }, context);
    const lifetime = options.absoluteTimeoutSeconds * 1000;
    // The entry outlives the session by an hour, so the next logins need not write it.
    expect(await redis.pttl(agentKey)).toBeGreaterThan(lifetime + 3_500_000);
    await redis.del(agentKey);
    await first.create({ id: 'ua-2', authVersion: 1 }, context);
    expect(await redis.exists(agentKey)).toBe(0); // remembered: not written again
    // A session living longer than what was written is written again.
    await first.create({ id: 'ua-2', authVersion: 1 }, context, undefined, {
      absoluteTimeoutSeconds: options.absoluteTimeoutSeconds * 2,
    });
    expect(await redis.get(agentKey)).toBe('jest agent');
    // Another process (store) writes it once itself.
    await redis.del(agentKey);
    await service(new RedisSessionStore(redis, { keyPrefix: prefix })).create(
      { id: 'ua-3', authVersion: 1 },
      context,
    );
    expect(await redis.get(agentKey)).toBe('jest agent');
  });

  it("keeps a user's hash in Redis's compact encoding with 1 and with 10 sessions", async () => {
    const chrome =
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
    const user = { id: '6f1c1a52-0000-4000-8000-0000000000e1', authVersion: 7 };
    const key = `${prefix}{${userTag(user.id)}}:u`;
    // Redis 7 says listpack, 6.2 ziplist: both are the small form; hashtable is not.
    const compact = ['listpack', 'ziplist'];
    await sessions.create(user, { ip: '203.0.113.9', userAgent: chrome });
    expect(compact).toContain(await redis.object('ENCODING', key));
    for (let i = 1; i < 10; i++) {
      await sessions.create(user, {
        ip: i % 2 ? `2001:db8:85a3::8a2e:370:${i}` : `198.51.100.${i}`,
        userAgent: chrome,
      });
    }
    expect(await redis.hlen(key)).toBe(11);
    expect(compact).toContain(await redis.object('ENCODING', key));
    for (const value of await redis.hvalsBuffer(key)) expect(value.length).toBeLessThanOrEqual(64);
  });

  it("puts all of a user's keys in one Redis Cluster hash slot", async () => {
    const { session } = await sessions.create({ id: 'user-slot', authVersion: 1 });
    await new RedisSessionStore(redis, { keyPrefix: prefix }).markSpent(
      session.ref,
      { userId: 'user-slot', handle: session.handle, spentAt: Date.now() },
      60_000,
    );
    const tagged = (await keys()).filter((key) => !key.startsWith(`${prefix}a:`));
    expect(tagged).toHaveLength(2);
    const tags = new Set(tagged.map((key) => /\{([^}]+)\}/.exec(key)?.[1]));
    expect(tags).toEqual(new Set([userTag('user-slot')]));
  });

  it('sends no Redis command for a cookie with a bad or missing signature, one script for a good one', async () => {
    const { token } = await sessions.create({ id: 'user-monitor', authVersion: 1 });
    const monitor = await RedisMonitor.start(TEST_REDIS_URL);
    try {
      const tampered = token.slice(0, 50) + (token[50] === 'A' ? 'B' : 'A') + token.slice(51);
      for (const bad of [
        tampered,
        token.split('.').slice(0, 2).join('.'),
        `${token.slice(0, -1)}`,
        'garbage',
      ]) {
        expect((await sessions.validate(bad)).ok).toBe(false);
      }
      // A valid cookie afterwards proves the monitor sees our commands: one script.
      expect((await sessions.validate(token)).ok).toBe(true);
      await monitor.settle();
      // Commands a Lua script runs show up too, with source "lua": count only what we send.
      const seen = monitor.commands
        .filter((c) => c.source !== 'lua' && c.args.some((arg) => arg.includes(prefix)))
        .map((c) => c.args[0].toLowerCase());
      expect(seen).toHaveLength(1);
      expect(seen[0]).toMatch(/^eval(sha)?$/); // EVAL the first time on a connection
    } finally {
      monitor.close();
    }
  });

  it('follows a rotated-away id to its successor in the same single script', async () => {
    const clock = new FakeClock(Date.now());
    const renewing = new SessionService(
      new RedisSessionStore(redis, { keyPrefix: prefix }),
      resolveSessionOptions({ secrets, renewalIntervalSeconds: 900, rotationGraceSeconds: 10 }),
      clock,
    );
    const { token } = await renewing.create({ id: 'user-pointer', authVersion: 1 });
    clock.advanceSeconds(900);
    expect((await renewing.validate(token)).ok).toBe(true); // rotates, leaves a pointer
    const monitor = await RedisMonitor.start(TEST_REDIS_URL);
    try {
      expect(await renewing.validate(token)).toMatchObject({ ok: true });
      await monitor.settle();
      const seen = monitor.commands
        .filter((c) => c.source !== 'lua' && c.args.some((arg) => arg.includes(prefix)))
        .map((c) => c.args[0].toLowerCase());
      expect(seen).toEqual(['evalsha']);
    } finally {
      monitor.close();
    }
  });

  it('drops idle- and absolute-expired sessions and spent pointers lazily, on the service clock', async () => {
    const clock = new FakeClock(Date.now());
    const service = (options: Partial<SessionOptions>) =>
      new SessionService(
        new RedisSessionStore(redis, { keyPrefix: prefix }),
        resolveSessionOptions({ secrets, ...options }),
        clock,
      );
    // A full hash (maxSessionsPerUser) is what makes a login read and purge the others.
    const idle = service({
      idleTimeoutSeconds: 600,
      absoluteTimeoutSeconds: 3600,
      maxSessionsPerUser: 2,
    });
    const user = { id: 'user-purge', authVersion: 1 };
    const old = await idle.create(user);
    clock.advanceSeconds(300);
    const recent = await idle.create(user);
    expect(await sessionFields(user.id)).toHaveLength(2);
    clock.advanceSeconds(301); // `old` idle for 601 s, `recent` for 301 s
    expect((await idle.create(user)).evicted).toEqual([]); // purged, not evicted
    const fields = await sessionFields(user.id);
    expect(fields).toHaveLength(2);
    expect(fields).not.toContain(old.session.ref.idHash);
    expect(fields).toContain(recent.session.ref.idHash);

    // The absolute clock: busy sessions (idle never runs out) die at 3600 s, on a list too.
    const busy = service({ idleTimeoutSeconds: 86_400, absoluteTimeoutSeconds: 3600 });
    clock.advanceSeconds(3600);
    expect(await busy.list(user.id)).toEqual([]);
    expect(await sessionFields(user.id)).toEqual([]);
    expect(await keys()).not.toContain(`${prefix}{${userTag(user.id)}}:u`); // nothing left: no hash

    // A forward pointer goes once its grace window is over.
    const renewing = service({ renewalIntervalSeconds: 900, rotationGraceSeconds: 10 });
    const { token } = await renewing.create(user);
    clock.advanceSeconds(900);
    const renewed = await renewing.validate(token);
    expect(renewed.ok && renewed.rotatedToken).toBeTruthy();
    const hashKey = `${prefix}{${userTag(user.id)}}:u`;
    expect((await redis.hkeys(hashKey)).filter((f) => f.startsWith('>'))).toHaveLength(1);
    await renewing.list(user.id);
    expect((await redis.hkeys(hashKey)).filter((f) => f.startsWith('>'))).toHaveLength(1);
    clock.advanceSeconds(11);
    await renewing.list(user.id);
    expect((await redis.hkeys(hashKey)).filter((f) => f.startsWith('>'))).toEqual([]);
    expect(await renewing.list(user.id)).toHaveLength(1);

    // Renewals drop the pointers of earlier renewals once their grace is over: a session
    // renewed all day long keeps one pointer, not one per renewal.
    let live = (renewed as { rotatedToken: string }).rotatedToken;
    for (let i = 0; i < 5; i++) {
      clock.advanceSeconds(900);
      const next = await renewing.validate(live);
      expect(next.ok && next.rotatedToken).toBeTruthy();
      live = (next as { rotatedToken: string }).rotatedToken;
    }
    expect((await redis.hkeys(hashKey)).filter((f) => f.startsWith('>'))).toHaveLength(1);
  });

  it('treats a tampered or garbage record as an unknown session, never an error', async () => {
    const user = { id: 'user-garbage', authVersion: 1 };
    const { token, session } = await sessions.create(user);
    const hashKey = `${prefix}{${userTag(user.id)}}:u`;
    const original = await redis.hgetBuffer(hashKey, session.ref.idHash);
    for (const garbage of [
      Buffer.from('garbage'),
      Buffer.alloc(0),
      original!.subarray(0, original!.length - 3),
      Buffer.concat([original!, Buffer.from('!')]),
      Buffer.from(JSON.stringify({ ...session, ref: undefined })),
    ]) {
      await redis.hset(hashKey, session.ref.idHash, garbage);
      expect(await sessions.validate(token)).toEqual({ ok: false, reason: 'unknown' });
      expect(await sessions.list(user.id)).toEqual([]); // the list skips it
    }
    // The scripts that scan the hash cope as well.
    await redis.hset(hashKey, session.ref.idHash, 'garbage');
    const next = await sessions.create(user);
    expect(await sessions.revokeAll(user.id, { except: next.session.handle })).toEqual([]);
    expect(await sessions.findByHandle(user.id, next.session.handle)).not.toBeNull();
    expect((await sessions.validate(next.token)).ok).toBe(true);
  });

  it('leaves exactly one live successor after 100 parallel rotations of one session', async () => {
    const { session } = await sessions.create({ id: 'user-race', authVersion: 1 });
    const results = await Promise.all(Array.from({ length: 100 }, () => sessions.rotate(session)));
    const winners = results.filter((r) => r !== null);
    expect(winners).toHaveLength(1);
    expect((await sessions.validate(winners[0]!.token)).ok).toBe(true);
    const listed = await sessions.list('user-race');
    expect(listed).toHaveLength(1);
    expect(await sessionFields('user-race')).toHaveLength(1);
  });

  it('keeps the hash equal to the live sessions through 50 parallel logins and 25 parallel revocations', async () => {
    const user = { id: 'user-index', authVersion: 1 };
    const created = await Promise.all(Array.from({ length: 50 }, () => sessions.create(user)));
    const victims = created.slice(0, 25);
    await Promise.all([
      ...victims.map((c) => sessions.revoke(user.id, c.session.handle)),
      ...Array.from({ length: 10 }, () => sessions.create(user)),
    ]);
    const listed = new Set((await sessions.list(user.id)).map((s) => s.handle));
    expect(listed.size).toBe(35);
    for (const c of victims) expect(listed.has(c.session.handle)).toBe(false);
    for (const c of created.slice(25)) {
      expect(listed.has(c.session.handle)).toBe(true);
      expect((await sessions.validate(c.token)).ok).toBe(true);
    }
    expect(await sessionFields(user.id)).toHaveLength(35);
  });

  it('fails fast with a 503 when Redis is unreachable, never hangs', async () => {
    const down = new RedisClient('redis://127.0.0.1:1', {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      lazyConnect: true,
      retryStrategy: () => null,
    });
    const offline = new SessionService(
      new RedisSessionStore(down, { keyPrefix: prefix, commandTimeoutMs: 500 }),
      resolveSessionOptions({ secrets }),
      systemClock,
    );
    const started = Date.now();
    await expect(offline.create({ id: 'user-down', authVersion: 1 })).rejects.toBeInstanceOf(
      WardenUnavailableException,
    );
    expect(Date.now() - started).toBeLessThan(1500);
    down.disconnect();
  });

  it('times out a stalled Redis (connection open, no answers) after commandTimeoutMs', async () => {
    const target = new URL(TEST_REDIS_URL);
    const proxy = new TcpProxy(target.hostname, Number(target.port) || 6379);
    const port = await proxy.start();
    const client = new RedisClient({
      host: '127.0.0.1',
      port,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
    });
    await new Promise((resolve) => client.once('ready', resolve));
    const slow = new SessionService(
      new RedisSessionStore(client, { keyPrefix: prefix, commandTimeoutMs: 300 }),
      resolveSessionOptions({ secrets }),
      systemClock,
    );
    try {
      proxy.stall();
      const started = Date.now();
      await expect(slow.create({ id: 'user-stall', authVersion: 1 })).rejects.toBeInstanceOf(
        WardenUnavailableException,
      );
      expect(Date.now() - started).toBeLessThan(1000);
    } finally {
      client.disconnect();
      await proxy.stop();
    }
  });
});
