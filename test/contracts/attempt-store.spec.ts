import { MemoryAttemptStore } from '../../src/security/memory-attempt.store.js';
import { RedisAttemptStore } from '../../src/security/redis-attempt.store.js';
import { redisHarness } from '../support/services.js';
import { describeAttemptStoreContract } from '../../src/testing/contracts/attempt-store.contract.js';

describeAttemptStoreContract('MemoryAttemptStore', () => ({
  create: async () => new MemoryAttemptStore(),
  destroy: async () => undefined,
}));

describeAttemptStoreContract('RedisAttemptStore', () =>
  redisHarness((redis, prefix) => new RedisAttemptStore(redis, { keyPrefix: prefix })),
);
