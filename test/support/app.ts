import type { Server } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import type { ExampleConfig } from '../../src/example/config.js';
import type { Clock } from '../../src/core/clock.js';
import { createApp } from '../../src/example/create-app.js';
import {
  createTestSchema,
  deleteKeys,
  TEST_DATABASE_URL,
  TEST_REDIS_URL,
  testRedis,
  uniqueName,
} from './services.js';

/** The HTTP adapters every e2e suite runs on. */
export const ADAPTERS = ['express', 'fastify'] as const;
export type Adapter = (typeof ADAPTERS)[number];

/** Fixed 48-character test secrets: the app must never generate files during tests. */
export const TEST_SECRETS = {
  SESSION_SECRETS: 'test-session-secret-0123456789abcdefghijklmnopqrstuvwxyz',
  JWT_SECRET: 'test-jwt-secret-0123456789abcdefghijklmnopqrstuvwxyz012345',
};

export interface TestApp {
  app: INestApplication;
  config: ExampleConfig;
  /** The Node server for supertest. */
  server: Server;
  close: () => Promise<void>;
}

/**
 * Boots the example app in-process on `adapter`, against the real PostgreSQL (a fresh schema,
 * dropped on close) and Redis, unless `env` says otherwise.
 */
export async function startTestApp(
  adapter: Adapter,
  env: Record<string, string | undefined> = {},
  options: { schema?: string; clock?: Clock } = {},
): Promise<TestApp> {
  const owned = options.schema ? undefined : await createTestSchema();
  const keyPrefix = env.REDIS_KEY_PREFIX ?? `${uniqueName('warden_test')}:`;
  const schema = options.schema ?? owned?.schema;
  const { app, config } = await createApp(
    {
      NODE_ENV: 'test',
      HTTP_ADAPTER: adapter,
      DATABASE_URL: TEST_DATABASE_URL,
      REDIS_URL: TEST_REDIS_URL,
      REDIS_KEY_PREFIX: keyPrefix,
      // Suites register many users from 127.0.0.1; the registration throttle has its own tests.
      REGISTER_MAX_PER_IP: '1000',
      ...TEST_SECRETS,
      ...env,
    },
    { databaseSchema: schema, logger: ['error'], clock: options.clock },
  );
  await app.init();
  if (adapter === 'fastify') {
    await (app.getHttpAdapter().getInstance() as { ready: () => Promise<void> }).ready();
  }
  return {
    app,
    config,
    server: app.getHttpServer(),
    close: async () => {
      await app.close();
      await owned?.drop();
      const redis = await testRedis();
      try {
        await deleteKeys(redis, keyPrefix);
      } finally {
        redis.disconnect();
      }
    },
  };
}

/** `name=value` of the session cookie a response sets (`sid` or `__Host-sid`), if any. */
export function sessionCookie(res: { headers: Record<string, unknown> }): string | undefined {
  const cookies = ([] as string[]).concat(
    (res.headers['set-cookie'] as string[] | undefined) ?? [],
  );
  return cookies.find((c) => /^(__Host-)?sid=[^;]/.test(c))?.split(';')[0];
}
