import { MemoryUserCache } from '../../src/users/memory-user.cache.js';
import { RedisUserCache } from '../../src/users/redis-user.cache.js';
import { redisHarness } from '../support/services.js';
import { describeUserCacheContract } from '../../src/testing/contracts/user-cache.contract.js';

describeUserCacheContract('MemoryUserCache', () => ({
  create: async () => new MemoryUserCache(),
  destroy: async () => undefined,
}));

describeUserCacheContract('RedisUserCache', () =>
  redisHarness((redis, prefix) => new RedisUserCache(redis, { keyPrefix: prefix })),
);
