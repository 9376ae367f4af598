import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { Cluster, Redis } from 'ioredis';
import { TooManyAttemptsException } from '../../src/errors/warden.exceptions.js';
import { LoginThrottle } from '../../src/security/login-throttle.js';
import { FakeClock } from '../support/fake-clock.js';
import { RedisUserCache } from '../../src/users/redis-user.cache.js';
import { RedisAttemptStore } from '../../src/security/redis-attempt.store.js';
import { systemClock } from '../../src/core/clock.js';
import { RedisSessionStore } from '../../src/session/redis-session.store.js';
import { resolveSessionOptions } from '../../src/session/session.options.js';
import { SessionService } from '../../src/session/session.service.js';
import { startRedisCluster } from '../support/redis-servers.js';
import { uniqueName } from '../support/services.js';
import { describeAttemptStoreContract } from '../../src/testing/contracts/attempt-store.contract.js';
import { describeSessionStoreContract } from '../../src/testing/contracts/session-store.contract.js';
import {
  alice,
  describeUserCacheContract,
} from '../../src/testing/contracts/user-cache.contract.js';

// Three masters of our own (redis-server --cluster-enabled yes, joined by redis-cli --cluster
// create); every Redis adapter runs its contract through ioredis' Cluster client.
let cluster: Awaited<ReturnType<typeof startRedisCluster>>;
let client: Cluster;

beforeAll(async () => {
  cluster = await startRedisCluster(3);
  client = new Cluster(cluster.nodes, { enableOfflineQueue: false });
  await new Promise<void>((resolve, reject) => {
    client.once('ready', () => resolve());
    client.once('error', reject);
  });
}, 30_000);
afterAll(async () => {
  client?.disconnect();
  await cluster?.stop();
});

/** A fresh key prefix per test; the cluster is thrown away at the end of the file. */
const onCluster = <T>(make: (redis: Cluster, prefix: string) => T) => ({
  create: async () => make(client, `${uniqueName('warden_cluster')}:`),
  destroy: async () => undefined,
});

describeSessionStoreContract('RedisSessionStore on Redis Cluster', () =>
  onCluster((redis, prefix) => new RedisSessionStore(redis, { keyPrefix: prefix })),
);
describeUserCacheContract('RedisUserCache on Redis Cluster', () =>
  onCluster((redis, prefix) => new RedisUserCache(redis, { keyPrefix: prefix })),
);
describeAttemptStoreContract('RedisAttemptStore on Redis Cluster', () =>
  onCluster((redis, prefix) => new RedisAttemptStore(redis, { keyPrefix: prefix })),
);

describe('one round trip on Redis Cluster', () => {
  it('reads the session (by cookie or by handle) and the cached user in one script', async () => {
    const prefix = `${uniqueName('warden_cluster')}:`;
    const store = new RedisSessionStore(client, { keyPrefix: prefix, prefetchCachedUser: true });
    const cache = new RedisUserCache(client, { keyPrefix: prefix });
    const sessions = new SessionService(
      store,
      resolveSessionOptions({ secrets: ['x'.repeat(32)] }),
      systemClock,
    );
    await cache.fill(alice, 60);
    const { token, session } = await sessions.create({ id: alice.id, authVersion: 3 });
    const validated = await sessions.validate(token);
    expect(validated.ok && validated.user?.email).toBe(alice.email);
    const byHandle = await store.findByHandle(sessions.userRef(alice.id), session.handle);
    expect(byHandle?.user?.email).toBe(alice.email);
  });
});

describe('RedisAttemptStore behind a proxy to a clustered server', () => {
  // A plain client (not ioredis' Cluster) to a one-node cluster that holds every slot: what a
  // proxy in front of a clustered database looks like. A script over an IP's and an account's
  // keys is refused (CROSSSLOT); the store then makes two calls per step, and counts all the same.
  let single: Awaited<ReturnType<typeof startRedisCluster>>;
  let plain: Redis;
  beforeAll(async () => {
    single = await startRedisCluster(1);
    plain = new Redis(single.nodes[0].port, '127.0.0.1', { enableOfflineQueue: false });
    await new Promise<void>((resolve) => plain.once('ready', () => resolve()));
  }, 30_000);
  afterAll(async () => {
    plain?.disconnect();
    await single?.stop();
  });

  it('falls back to one hash slot per script after CROSSSLOT, and still counts', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const store = new RedisAttemptStore(plain, { keyPrefix: `${uniqueName('warden_proxy')}:` });
    const clock = new FakeClock();
    const throttle = new LoginThrottle(
      store,
      { maxFailuresPerAccount: 2, maxFailuresPerIp: 10, maxPendingWaitMs: 200 },
      clock,
    );
    const right = await throttle.begin('proxied@example.com', '192.0.2.7');
    await right.succeeded();
    for (let i = 0; i < 2; i++)
      await (await throttle.begin('other@example.com', '192.0.2.8')).failed();
    await expect(throttle.begin('other@example.com', '192.0.2.8')).rejects.toBeInstanceOf(
      TooManyAttemptsException,
    );
    expect((await throttle.begin('proxied@example.com', '192.0.2.7')).knownClient).toBe(true);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('CROSSSLOT'));
    warn.mockRestore();
  });
});
