import type { Redis } from 'ioredis';
import { Redis as RedisClient } from 'ioredis';
import { WardenUnavailableException } from '../../src/errors/warden.exceptions.js';
import { RedisSessionStore } from '../../src/session/redis-session.store.js';
import { resolveSessionOptions } from '../../src/session/session.options.js';
import { SessionService } from '../../src/session/session.service.js';
import { systemClock } from '../../src/core/clock.js';
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

  it('never stores the raw session id, and every key has a TTL', async () => {
    const { token, session } = await sessions.create({ id: 'user-ttl', authVersion: 1 });
    // A renewal-style rotation, which leaves a forward pointer for its grace window.
    const { ref, ...record } = session;
    const now = Date.now();
    await new RedisSessionStore(redis, { keyPrefix: prefix }).rotate(ref, 'e'.repeat(64), record, {
      ttlMs: 60_000,
      graceMs: 10_000,
      graceUntil: now + 10_000,
    });
    const id = token.split('.')[0];
    const all = await keys();
    expect(all.length).toBe(3); // session, pointer, index
    for (const key of all) {
      expect(key).not.toContain(id);
      expect(await redis.pttl(key)).toBeGreaterThan(0);
      const type = await redis.type(key);
      const value =
        type === 'string' ? await redis.get(key) : (await redis.zrange(key, 0, -1)).join(' ');
      expect(value).not.toContain(id);
    }
  });

  it('gives the index a TTL again when a rotation recreates it', async () => {
    const { session } = await sessions.create({ id: 'user-index-ttl', authVersion: 1 });
    const indexes = (await keys()).filter((k) => k.includes(':u:'));
    expect(indexes).toHaveLength(1);
    await redis.del(indexes[0]); // expired just before the rotation (a change near the absolute end)
    expect(await sessions.rotate(session)).not.toBeNull();
    expect(await redis.pttl(indexes[0])).toBeGreaterThan(0);
  });

  it('puts a session and its user index in one Redis Cluster hash slot', async () => {
    await sessions.create({ id: 'user-slot', authVersion: 1 });
    const tags = new Set((await keys()).map((key) => /\{([^}]+)\}/.exec(key)?.[1]));
    expect(tags.size).toBe(1);
  });

  it('sends no Redis command for a cookie with a bad or missing signature', async () => {
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
      // A valid cookie afterwards proves the monitor sees our commands: one GET.
      expect((await sessions.validate(token)).ok).toBe(true);
      await monitor.settle();
      // Commands a Lua script runs show up too, with source "lua": count only what we send.
      const seen = monitor.commands
        .filter((c) => c.source !== 'lua' && c.args.some((arg) => arg.includes(prefix)))
        .map((c) => c.args.join(' '));
      expect(seen).toEqual([expect.stringMatching(/^get /)]);
    } finally {
      monitor.close();
    }
  });

  it('leaves exactly one live successor after 100 parallel rotations of one session', async () => {
    const { session } = await sessions.create({ id: 'user-race', authVersion: 1 });
    const results = await Promise.all(Array.from({ length: 100 }, () => sessions.rotate(session)));
    const winners = results.filter((r) => r !== null);
    expect(winners).toHaveLength(1);
    expect((await sessions.validate(winners[0]!.token)).ok).toBe(true);
    const listed = await sessions.list('user-race');
    expect(listed).toHaveLength(1);
    expect((await keys()).filter((key) => key.includes('}:s:'))).toHaveLength(1);
  });

  it('keeps the index equal to the live sessions through 50 parallel logins and 25 parallel revocations', async () => {
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
    const sessionKeys = (await keys()).filter((key) => key.includes('}:s:'));
    const indexKey = (await keys()).find((key) => key.includes('}:u:'))!;
    expect(await redis.zcard(indexKey)).toBe(sessionKeys.length);
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
