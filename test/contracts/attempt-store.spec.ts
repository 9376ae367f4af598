import type { Redis } from 'ioredis';
import { Redis as RedisClient } from 'ioredis';
import { WardenUnavailableException } from '../../src/errors/warden.exceptions.js';
import { MemoryAttemptStore } from '../../src/security/memory-attempt.store.js';
import { RedisAttemptStore } from '../../src/security/redis-attempt.store.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import {
  deleteKeys,
  redisHarness,
  testRedis,
  TEST_REDIS_URL,
  uniqueName,
} from '../support/services.js';
import { describeAttemptStoreContract } from '../../src/testing/contracts/attempt-store.contract.js';

describeAttemptStoreContract('MemoryAttemptStore', () => ({
  create: async () => new MemoryAttemptStore(),
  destroy: async () => undefined,
}));

describeAttemptStoreContract('RedisAttemptStore', () =>
  redisHarness((redis, prefix) => new RedisAttemptStore(redis, { keyPrefix: prefix })),
);

describe('RedisAttemptStore', () => {
  describe('claimOnce', () => {
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

    it('writes one prefixed key that expires after the ttl', async () => {
      const store = new RedisAttemptStore(redis, { keyPrefix: prefix });
      expect(await store.claimOnce('m{u:abcd}:t:58', 90_000, 0)).toBe(true);
      const pttl = await redis.pttl(`${prefix}tm{u:abcd}:t:58`);
      expect(pttl).toBeGreaterThan(80_000);
      expect(pttl).toBeLessThanOrEqual(90_000);
    });

    it('fails fast with a 503 when Redis is unreachable (the replay check fails closed)', async () => {
      const down = new RedisClient('redis://127.0.0.1:1', {
        enableOfflineQueue: false,
        maxRetriesPerRequest: 0,
        lazyConnect: true,
        retryStrategy: () => null,
      });
      const store = new RedisAttemptStore(down, { keyPrefix: prefix, commandTimeoutMs: 500 });
      const started = Date.now();
      await expect(store.claimOnce('m{u:abcd}:t:1', 90_000, 0)).rejects.toBeInstanceOf(
        WardenUnavailableException,
      );
      expect(Date.now() - started).toBeLessThan(1500);
      down.disconnect();
    });

    it('times out a stalled Redis after commandTimeoutMs', async () => {
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
      const store = new RedisAttemptStore(client, { keyPrefix: prefix, commandTimeoutMs: 300 });
      try {
        proxy.stall();
        const started = Date.now();
        await expect(store.claimOnce('m{u:abcd}:t:2', 90_000, 0)).rejects.toBeInstanceOf(
          WardenUnavailableException,
        );
        expect(Date.now() - started).toBeLessThan(1000);
      } finally {
        client.disconnect();
        await proxy.stop();
      }
    });
  });
});
