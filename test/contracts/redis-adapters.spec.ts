import type { Redis } from 'ioredis';
import { createRedisAdapters } from '../../src/auth/redis-adapters.js';
import { RedisKeys } from '../../src/core/redis-keys.js';
import { systemClock } from '../../src/core/clock.js';
import { resolveSessionOptions } from '../../src/session/session.options.js';
import { SessionService } from '../../src/session/session.service.js';
import { deleteKeys, testRedis, uniqueName } from '../support/services.js';

const alice = {
  id: '9b2d3c1e-0000-4000-8000-00000000a11c',
  email: 'alice@example.com',
  displayName: 'alice',
  roles: ['user'],
  emailVerified: false,
  mfaEnabled: false,
  isActive: true,
  authVersion: 2,
  createdAt: new Date('2026-01-01T00:00:00Z'),
};

describe('createRedisAdapters', () => {
  let redis: Redis;
  let prefix: string;
  beforeEach(async () => {
    redis = await testRedis();
    prefix = `${uniqueName('warden_test')}:`;
  });
  afterEach(async () => {
    await deleteKeys(redis, prefix);
    redis.disconnect();
  });

  it('builds adapters that agree on one key layout: the session brings its cached user along', async () => {
    const { sessionStore, userCache, attemptStore } = createRedisAdapters(redis, {
      keyPrefix: prefix,
    });
    const sessions = new SessionService(
      sessionStore,
      resolveSessionOptions({ secrets: ['adapters-secret-0123456789abcdefghijkl'] }),
      systemClock,
    );
    await userCache.fill(alice, 60);
    const { token, session } = await sessions.create(alice);
    const validated = await sessions.validate(token);
    expect(validated).toMatchObject({ ok: true, user: { id: alice.id, email: alice.email } });
    const byHandle = await sessionStore.findByHandle(sessions.userRef(alice.id), session.handle);
    expect(byHandle?.user).toEqual(alice);
    await userCache.invalidate(alice.id, 10);
    expect(await sessions.validate(token)).toMatchObject({ ok: true, user: null });
    const counted = await attemptStore.consume(
      { counters: [{ key: '{i:x}:n', limit: 3 }] },
      { now: Date.now(), windowMs: 60_000, baseDelayMs: 1000 },
    );
    expect(counted.allowed).toBe(true);
    const keys = new RedisKeys(prefix);
    expect(await redis.exists(keys.cachedUser(alice.id), `${keys.attempts()}{i:x}:n`)).toBe(2);
  });
});

describe('RedisKeys', () => {
  it('refuses a prefix that would break hash tags or key parsing', () => {
    for (const bad of ['', 'a{b', 'a}b', 'a b'])
      expect(() => new RedisKeys(bad)).toThrow(/keyPrefix/);
    expect(new RedisKeys().prefix).toBe('warden:');
  });
});
