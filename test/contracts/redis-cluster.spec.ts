import { Cluster } from 'ioredis';
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
