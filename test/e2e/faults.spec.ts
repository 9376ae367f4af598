import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { DataSource } from 'typeorm';
import type { TestApp } from '../support/app.js';
import { ADAPTERS, sessionCookie, startTestApp } from '../support/app.js';
import { freePort, startMain } from '../support/processes.js';
import { OwnRedis } from '../support/redis-servers.js';
import {
  createTestSchema,
  deleteKeys,
  TEST_DATABASE_URL,
  TEST_REDIS_URL,
  testRedis,
  uniqueName,
} from '../support/services.js';
import { TcpProxy } from '../support/tcp-proxy.js';

const password = 'correct horse battery staple';

/** Login and token pair for a fresh user. */
async function signIn(t: TestApp, email: string) {
  await request(t.server).post('/auth/register').send({ email, password }).expect(201);
  const login = await request(t.server).post('/auth/login').send({ email, password }).expect(200);
  const pair = await request(t.server).post('/auth/token').send({ email, password }).expect(200);
  return {
    cookie: sessionCookie(login)!,
    csrf: login.body.csrfToken as string,
    access: pair.body.accessToken as string,
    refresh: pair.body.refreshToken as string,
  };
}

/** Polls /health until it says 200 (the app reconnected by itself). */
async function healthy(t: TestApp): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if ((await request(t.server).get('/health')).status === 200) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the app did not recover');
}

function expectFast503(res: request.Response, started: number) {
  expect(res.status).toBe(503);
  expect(Date.now() - started).toBeLessThan(2000);
  expect(res.headers['retry-after']).toMatch(/^\d+$/);
  expect(JSON.stringify(res.body)).not.toMatch(/at .*\.js|stack/i);
  const cookies = ([] as string[]).concat(res.headers['set-cookie'] ?? []);
  expect(
    cookies.filter((c) => /^(__Host-)?sid=[^;]+/.test(c) && !/Expires=Thu, 01 Jan 1970/i.test(c)),
  ).toEqual([]);
  expect(res.body.accessToken).toBeUndefined();
}

describe.each(ADAPTERS)('Redis faults on %s', (adapter) => {
  describe('Redis stalled (connections open, nothing answers)', () => {
    let proxy: TcpProxy;
    let t: TestApp;
    beforeAll(async () => {
      let proxiedUrl: string;
      ({ proxy, url: proxiedUrl } = await TcpProxy.inFrontOf(TEST_REDIS_URL));
      t = await startTestApp(adapter, { REDIS_URL: proxiedUrl });
    });
    afterAll(async () => {
      proxy?.restore();
      await t?.close();
      await proxy?.stop();
    });

    it('answers every Redis-backed route with 503 + Retry-After within 2 s, then recovers', async () => {
      const email = `stall-${adapter}@example.com`;
      const s = await signIn(t, email);
      proxy.stall();
      const calls: [string, () => request.Test][] = [
        ['me (cookie)', () => request(t.server).get('/auth/me').set('Cookie', s.cookie)],
        [
          'me (bearer)',
          () => request(t.server).get('/auth/me').set('Authorization', `Bearer ${s.access}`),
        ],
        ['login', () => request(t.server).post('/auth/login').send({ email, password })],
        ['token', () => request(t.server).post('/auth/token').send({ email, password })],
        [
          'login, wrong password',
          () =>
            request(t.server).post('/auth/login').send({ email, password: 'wrong wrong wrong' }),
        ],
        [
          'logout',
          () =>
            request(t.server)
              .post('/auth/logout')
              .set('Cookie', s.cookie)
              .set('X-CSRF-Token', s.csrf),
        ],
        [
          'refresh',
          () => request(t.server).post('/auth/token/refresh').send({ refreshToken: s.refresh }),
        ],
        [
          'revoke',
          () => request(t.server).post('/auth/token/revoke').send({ refreshToken: s.refresh }),
        ],
      ];
      for (const [, call] of calls) {
        const started = Date.now();
        expectFast503(await call(), started);
      }
      const health = await request(t.server).get('/health').expect(503);
      expect(health.body.error.redis.status).toBe('down');

      proxy.restore();
      await healthy(t);
      // Nothing above took effect: the session and the refresh token still work, and no failed
      // attempt was counted (five wrong passwords are still answered 401, not 429).
      await request(t.server).get('/auth/me').set('Cookie', s.cookie).expect(200);
      await request(t.server)
        .post('/auth/token/refresh')
        .send({ refreshToken: s.refresh })
        .expect(200);
      for (let i = 0; i < 5; i++)
        await request(t.server)
          .post('/auth/login')
          .send({ email, password: 'wrong wrong wrong' })
          .expect(401);
      await request(t.server)
        .post('/auth/logout')
        .set('Cookie', s.cookie)
        .set('X-CSRF-Token', s.csrf)
        .expect(204);
      await request(t.server).get('/auth/me').set('Cookie', s.cookie).expect(401);
    });
  });

  describe('Redis killed, then restarted empty', () => {
    let redis: OwnRedis;
    let t: TestApp;
    beforeAll(async () => {
      redis = await OwnRedis.start();
      t = await startTestApp(adapter, { REDIS_URL: redis.url });
    });
    afterAll(async () => {
      await t?.close().catch(() => undefined);
      await redis?.stop();
    });

    it('503 while down; afterwards old cookies get 401, a revoked refresh token stays refused, users log in again', async () => {
      const email = `restart-${adapter}@example.com`;
      const s = await signIn(t, email);
      await request(t.server)
        .post('/auth/token/revoke')
        .send({ refreshToken: s.refresh })
        .expect(204);

      await redis.kill();
      let started = Date.now();
      expectFast503(await request(t.server).get('/auth/me').set('Cookie', s.cookie), started);
      started = Date.now();
      expectFast503(await request(t.server).post('/auth/login').send({ email, password }), started);
      expect((await request(t.server).get('/health').expect(503)).body.error.redis.status).toBe(
        'down',
      );

      await redis.startProcess(); // same port, nothing in it
      await healthy(t);
      const statuses = [
        (await request(t.server).get('/auth/me').set('Cookie', s.cookie)).status,
        (await request(t.server).get('/auth/me').set('Authorization', `Bearer ${s.access}`)).status,
        (await request(t.server).post('/auth/token/refresh').send({ refreshToken: s.refresh }))
          .status,
      ];
      expect(statuses).toEqual([401, 401, 401]);
      const again = await request(t.server)
        .post('/auth/login')
        .send({ email, password })
        .expect(200);
      await request(t.server).get('/auth/me').set('Cookie', sessionCookie(again)!).expect(200);
    });
  });
});

describe('PostgreSQL unreachable', () => {
  let proxy: TcpProxy;
  let t: TestApp;
  let dropSchema: () => Promise<void>;
  let schema: string;
  beforeAll(async () => {
    let proxiedUrl: string;
    ({ proxy, url: proxiedUrl } = await TcpProxy.inFrontOf(TEST_DATABASE_URL));
    ({ schema, drop: dropSchema } = await createTestSchema());
    t = await startTestApp('express', { DATABASE_URL: proxiedUrl }, { schema });
  });
  afterAll(async () => {
    proxy?.restore();
    await t?.close();
    await proxy?.stop();
    await dropSchema?.();
  });

  it('login, token and register get 503 and count nothing; afterwards no partial or duplicate user', async () => {
    const email = 'pg-down@example.com';
    await request(t.server).post('/auth/register').send({ email, password }).expect(201);
    const session = await request(t.server)
      .post('/auth/login')
      .send({ email, password })
      .expect(200);
    const cookie = sessionCookie(session)!;
    await request(t.server).get('/auth/me').set('Cookie', cookie).expect(200); // cached now
    proxy.cutAll();
    // A cached user's requests need no database.
    await request(t.server).get('/auth/me').set('Cookie', cookie).expect(200);
    for (let i = 0; i < 6; i++) {
      for (const path of ['/auth/login', '/auth/token']) {
        const res = await request(t.server)
          .post(path)
          .send({ email, password: 'a wrong password' });
        expect(res.status).toBe(503);
        expect(res.headers['retry-after']).toMatch(/^\d+$/);
      }
    }
    const late = 'pg-down-new@example.com';
    expect(
      (await request(t.server).post('/auth/register').send({ email: late, password })).status,
    ).toBe(503);

    proxy.restore();
    // Twelve attempts during the outage were not counted as failures: the right password works.
    await request(t.server).post('/auth/login').send({ email, password }).expect(200);
    await request(t.server).post('/auth/register').send({ email: late, password }).expect(201);
    await request(t.server).post('/auth/register').send({ email: late, password }).expect(409);
    const db = new DataSource({ type: 'postgres', url: TEST_DATABASE_URL, schema });
    await db.initialize();
    try {
      const rows = await db.query(
        `SELECT count(*)::int AS n FROM "${schema}".warden_users WHERE email = $1`,
        [late],
      );
      expect(rows[0].n).toBe(1);
    } finally {
      await db.destroy();
    }
  });
});

describe('the example app restarting', () => {
  it('keeps every session (they live in Redis) and regenerates no secret', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'warden-restart-'));
    const { schema, drop } = await createTestSchema();
    const url = new URL(TEST_DATABASE_URL);
    url.searchParams.set('options', `-c search_path=${schema}`);
    const port = await freePort();
    const env = {
      PORT: String(port),
      DATA_DIR: dataDir,
      DATABASE_URL: url.toString(),
      REDIS_URL: TEST_REDIS_URL,
      REDIS_KEY_PREFIX: `${uniqueName('warden_test')}:`,
    };
    const base = `http://127.0.0.1:${port}`;
    let app = await startMain(dataDir, env);
    try {
      await request(base)
        .post('/auth/register')
        .send({ email: 'r@example.com', password })
        .expect(201);
      const login = await request(base)
        .post('/auth/login')
        .send({ email: 'r@example.com', password })
        .expect(200);
      const pair = await request(base)
        .post('/auth/token')
        .send({ email: 'r@example.com', password })
        .expect(200);
      const secrets = readFileSync(join(dataDir, 'secrets.json'), 'utf8');
      await app.stop();
      app = await startMain(dataDir, env);
      await request(base).get('/auth/me').set('Cookie', sessionCookie(login)!).expect(200);
      await request(base)
        .get('/auth/me')
        .set('Authorization', `Bearer ${pair.body.accessToken}`)
        .expect(200);
      expect(readFileSync(join(dataDir, 'secrets.json'), 'utf8')).toBe(secrets);
    } finally {
      await app.stop();
      await drop();
      const redis = await testRedis();
      await deleteKeys(redis, env.REDIS_KEY_PREFIX).finally(() => redis.disconnect());
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
