import { MemorySessionStore } from '../../src/session/memory-session.store.js';
import { RedisSessionStore } from '../../src/session/redis-session.store.js';
import { redisHarness } from '../support/services.js';
import { describeSessionStoreContract } from '../../src/testing/contracts/session-store.contract.js';

describeSessionStoreContract('MemorySessionStore', () => ({
  create: async (clock) => new MemorySessionStore({ clock }),
  destroy: async () => undefined,
}));

describeSessionStoreContract('RedisSessionStore', () =>
  redisHarness((redis, prefix) => new RedisSessionStore(redis, { keyPrefix: prefix })),
);
