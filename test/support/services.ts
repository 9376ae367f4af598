import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';

const { Client } = pg;

import { TEST_DATABASE_URL, TEST_REDIS_URL } from './global-setup.js';

export { TEST_DATABASE_URL, TEST_REDIS_URL };

/** A name unique to this test file's run, for schemas and key prefixes. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

/** A fresh PostgreSQL schema, dropped (with everything in it) by `drop()`. */
export async function createTestSchema(): Promise<{ schema: string; drop: () => Promise<void> }> {
  const schema = uniqueName('warden_test');
  const client = new Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA "${schema}"`);
  } finally {
    await client.end();
  }
  return {
    schema,
    drop: async () => {
      const dropper = new Client({ connectionString: TEST_DATABASE_URL });
      await dropper.connect();
      try {
        await dropper.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await dropper.end();
      }
    },
  };
}

/** A Redis client for tests, and a way to delete every key under a prefix (SCAN, never KEYS). */
export async function testRedis(): Promise<Redis> {
  // Configured as the README tells users to (no offline queue): the Redis adapters warn
  // otherwise. Without the queue a command fails until the client is ready, so wait for it.
  const redis = new Redis(TEST_REDIS_URL, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
  });
  await redis.connect();
  return redis;
}

/** Deletes every key that starts with `prefix`. */
export async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    if (keys.length > 0) await redis.unlink(...keys);
    cursor = next;
  } while (cursor !== '0');
}

/**
 * A contract harness for a Redis adapter: a fresh client and key prefix per test, every key
 * under the prefix deleted afterwards.
 */
export function redisHarness<T>(make: (redis: Redis, prefix: string) => T) {
  let redis: Redis;
  let prefix: string;
  return {
    create: async () => {
      redis = await testRedis();
      prefix = `${uniqueName('warden_test')}:`;
      return make(redis, prefix);
    },
    destroy: async () => {
      await deleteKeys(redis, prefix);
      redis.disconnect();
    },
  };
}
