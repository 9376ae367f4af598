import type { Redis } from 'ioredis';
import { MemorySessionStore } from '../../src/session/memory-session.store.js';
import { RedisSessionStore } from '../../src/session/redis-session.store.js';
import { deleteKeys, testRedis, uniqueName } from '../support/services.js';
import { describeSessionStoreContract } from './session-store.contract.js';

describeSessionStoreContract('MemorySessionStore', () => ({
  create: async (clock) => new MemorySessionStore({ clock }),
  destroy: async () => undefined,
}));

describeSessionStoreContract('RedisSessionStore', () => {
  let redis: Redis;
  let prefix: string;
  return {
    create: async () => {
      redis = testRedis();
      prefix = `${uniqueName('warden_test')}:`;
      return new RedisSessionStore(redis, { keyPrefix: prefix });
    },
    destroy: async () => {
      await deleteKeys(redis, prefix);
      redis.disconnect();
    },
  };
});
