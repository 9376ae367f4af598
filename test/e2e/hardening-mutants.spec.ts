// Tests written to kill hand-made mutants of the security code that the rest of the suite did
// not notice (issue "Hardening"). Each describe names the behaviour a mutant removed.
import { jest } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import { Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { Redis } from 'ioredis';
import request from 'supertest';
import { DataSource } from 'typeorm';
import {
  AuthModule,
  MemoryUserRepository,
  RedisSessionStore,
  PasswordService,
  UsersModule,
  UsersService,
} from '../../src/index.js';
import { CachedUsers } from '../../src/users/cached-users.js';
import { resolvePasswordOptions } from '../../src/passwords/password.options.js';
import type { AuthModuleOptions } from '../../src/index.js';
import { Bulkhead } from '../../src/passwords/bulkhead.js';
import type { Adapter, TestApp } from '../support/app.js';
import { ADAPTERS, sessionCookie, startTestApp } from '../support/app.js';
import { FakeClock } from '../support/fake-clock.js';
import { deleteKeys, testRedis, uniqueName } from '../support/services.js';

const password = 'correct horse battery staple';

describe.each(ADAPTERS)('the example app on %s', (adapter) => {
  let t: TestApp;
  const clock = new FakeClock(Date.now());
  let n = 0;

  beforeAll(async () => {
    t = await startTestApp(adapter, {}, { clock });
  });
  afterAll(async () => {
    await t?.close();
  });

  async function register(): Promise<{ email: string; id: string }> {
    const email = `mutant${n++}@example.com`;
    const res = await request(t.server).post('/auth/register').send({ email, password });
    expect(res.status).toBe(201);
    return { email, id: res.body.id as string };
  }
  async function logIn(email: string): Promise<{ cookie: string; csrf: string }> {
    const res = await request(t.server).post('/auth/login').send({ email, password }).expect(200);
    return { cookie: sessionCookie(res)!, csrf: res.body.csrfToken as string };
  }
  async function tokenLogin(email: string): Promise<{ access: string; refresh: string }> {
    const res = await request(t.server).post('/auth/token').send({ email, password }).expect(200);
    return { access: res.body.accessToken as string, refresh: res.body.refreshToken as string };
  }
  const me = (headers: Record<string, string>) => request(t.server).get('/auth/me').set(headers);
  const refresh = (refreshToken: string) =>
    request(t.server).post('/auth/token/refresh').send({ refreshToken });

  describe('SessionAuthGuard: CSRF tokens are per session', () => {
    /** A's cookie with B's CSRF token: refused, A survives; then A's own token works. */
    async function expectCrossTokenRefused(
      a: { cookie: string; csrf: string },
      b: { cookie: string; csrf: string },
    ) {
      expect(a.csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(b.csrf).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(a.csrf).not.toBe(b.csrf);
      const crossed = await request(t.server)
        .post('/auth/logout')
        .set('Cookie', a.cookie)
        .set('X-CSRF-Token', b.csrf)
        .expect(403);
      expect(crossed.body.code).toBe('CSRF_INVALID');
      await me({ Cookie: a.cookie }).expect(200);
      await request(t.server)
        .post('/auth/logout')
        .set('Cookie', a.cookie)
        .set('X-CSRF-Token', a.csrf)
        .expect(204);
      await me({ Cookie: b.cookie }).expect(200);
    }

    it("refuses session B's token with session A's cookie (two users)", async () => {
      const a = await logIn((await register()).email);
      const b = await logIn((await register()).email);
      await expectCrossTokenRefused(a, b);
    });

    it("refuses session B's token with session A's cookie (two sessions of one user)", async () => {
      const { email } = await register();
      const a = await logIn(email);
      const b = await logIn(email);
      await expectCrossTokenRefused(a, b);
    });
  });

  describe('POST /auth/token/revoke with a spent refresh token', () => {
    it('revokes the family: the current refresh token and the access tokens die', async () => {
      const { email } = await register();
      const first = await tokenLogin(email);
      const second = (await refresh(first.refresh).expect(200)).body as {
        accessToken: string;
        refreshToken: string;
      };
      await me({ Authorization: `Bearer ${second.accessToken}` }).expect(200);
      await request(t.server)
        .post('/auth/token/revoke')
        .send({ refreshToken: first.refresh })
        .expect(204);
      await refresh(second.refreshToken).expect(401);
      await me({ Authorization: `Bearer ${second.accessToken}` }).expect(401);
      await me({ Authorization: `Bearer ${first.access}` }).expect(401);
    });
  });

  describe('a user deactivated without an authVersion bump', () => {
    it('is refused by the cookie guard, the bearer path and refresh (isActive is checked itself)', async () => {
      const { email, id } = await register();
      const session = await logIn(email);
      const tokens = await tokenLogin(email);
      await me({ Cookie: session.cookie }).expect(200); // the user is now cached
      await me({ Authorization: `Bearer ${tokens.access}` }).expect(200);

      // Only the flag changes, behind the library's back; authVersion stays what the sessions hold.
      const db = t.app.get(DataSource);
      await db.query('UPDATE warden_users SET is_active = false WHERE id = $1', [id]);
      await t.app.get(CachedUsers).invalidate(id);
      const rows: { is_active: boolean; auth_version: number }[] = await db.query(
        'SELECT is_active, auth_version FROM warden_users WHERE id = $1',
        [id],
      );
      expect(rows).toEqual([{ is_active: false, auth_version: 1 }]);

      const byBearer = await me({ Authorization: `Bearer ${tokens.access}` }).expect(401);
      expect(byBearer.body.code).toBe('SESSION_INVALID');
      const byCookie = await me({ Cookie: session.cookie }).expect(401);
      expect(byCookie.body.code).toBe('SESSION_INVALID');
      await refresh(tokens.refresh).expect(401);
    });
  });
});

/** A host app with `onContextChange` set as given, sessions in the real Redis. */
async function startHostApp(
  adapter: Adapter,
  onContextChange: AuthModuleOptions['onContextChange'],
): Promise<{ app: INestApplication; close: () => Promise<void> }> {
  const redis: Redis = await testRedis();
  const keyPrefix = `${uniqueName('warden_test')}:`;
  @Module({
    imports: [
      UsersModule.forRoot({ repository: new MemoryUserRepository() }),
      AuthModule.forRoot({
        sessionStore: new RedisSessionStore(redis, { keyPrefix }),
        session: { secrets: ['host-app-secret-0123456789abcdefghijk'], cookieSecure: false },
        ...(onContextChange ? { onContextChange } : {}),
      }),
    ],
  })
  class ContextHostModule {}
  const moduleRef = await Test.createTestingModule({ imports: [ContextHostModule] }).compile();
  let app: INestApplication;
  if (adapter === 'fastify') {
    app = moduleRef.createNestApplication<NestFastifyApplication>(
      new FastifyAdapter({ trustProxy: true }),
      { logger: false },
    );
    await app.init();
    await (app as NestFastifyApplication).getHttpAdapter().getInstance().ready();
  } else {
    const express = moduleRef.createNestApplication<NestExpressApplication>({ logger: false });
    express.set('trust proxy', true);
    app = express;
    await app.init();
  }
  return {
    app,
    close: async () => {
      await app.close();
      await deleteKeys(redis, keyPrefix);
      redis.disconnect();
    },
  };
}

describe.each(ADAPTERS)('SessionAuthGuard onContextChange, host app on %s', (adapter) => {
  const from = (userAgent: string, ip: string) => ({
    'User-Agent': userAgent,
    'X-Forwarded-For': ip,
  });
  const home = from('Agent A/1.0', '198.51.100.1');
  let m = 0;

  async function logIn(app: INestApplication): Promise<string> {
    const email = `context${m++}@example.com`;
    await app.get(UsersService).register({ email, password });
    const res = await request(app.getHttpServer())
      .post('/auth/login')
      .set(home)
      .send({ email, password })
      .expect(200);
    return sessionCookie(res)!;
  }

  describe("'reject'", () => {
    let host: { app: INestApplication; close: () => Promise<void> };
    beforeAll(async () => {
      host = await startHostApp(adapter, 'reject');
    });
    afterAll(async () => {
      await host?.close();
    });

    it.each([
      ['another user agent', from('Agent B/2.0', '198.51.100.1')],
      ['another IP', from('Agent A/1.0', '203.0.113.9')],
    ])(
      'ends the session used from %s: 401 there, and 401 from home afterwards',
      async (_, away) => {
        const server = host.app.getHttpServer();
        const cookie = await logIn(host.app);
        await request(server).get('/auth/me').set(home).set('Cookie', cookie).expect(200);
        const res = await request(server)
          .get('/auth/me')
          .set(away)
          .set('Cookie', cookie)
          .expect(401);
        expect(res.body.code).toBe('SESSION_INVALID');
        await request(server).get('/auth/me').set(home).set('Cookie', cookie).expect(401);
      },
    );
  });

  describe("default ('log')", () => {
    let host: { app: INestApplication; close: () => Promise<void> };
    beforeAll(async () => {
      host = await startHostApp(adapter, undefined);
    });
    afterAll(async () => {
      await host?.close();
    });

    it('lets the session through from another user agent and IP', async () => {
      const server = host.app.getHttpServer();
      const cookie = await logIn(host.app);
      const away = from('Agent B/2.0', '203.0.113.9');
      await request(server).get('/auth/me').set(away).set('Cookie', cookie).expect(200);
      await request(server).get('/auth/me').set(home).set('Cookie', cookie).expect(200);
    });
  });
});

describe('PasswordService', () => {
  describe('verifyDummy', () => {
    afterEach(() => {
      jest.restoreAllMocks();
    });

    it('takes a hashing slot like a real verification: queued behind a hash, it cannot finish first', async () => {
      const passwords = new PasswordService(resolvePasswordOptions({ maxConcurrent: 1 }));
      await passwords.verifyDummy('warm up: the dummy hash now exists');
      const hashing = passwords.hash('holds the only slot');
      const dummy = passwords.verifyDummy('an unknown account');
      // A no-op would resolve within microtasks, long before an Argon2 hash on the threadpool;
      // a real verification waits for the slot, so the hash always settles first.
      const first = await Promise.race([hashing.then(() => 'hash'), dummy.then(() => 'dummy')]);
      expect(first).toBe('hash');
      await expect(dummy).resolves.toBe(false);
    });

    it('verifies against an Argon2id hash made with the configured parameters, made once', async () => {
      const options = resolvePasswordOptions({ memoryCostKib: 24576, timeCost: 3 });
      const passwords = new PasswordService(options);
      const run = Bulkhead.prototype.run;
      const results: unknown[] = [];
      jest.spyOn(Bulkhead.prototype, 'run').mockImplementation(async function <T>(
        this: Bulkhead,
        task: () => Promise<T>,
      ): Promise<T> {
        const result = (await run.call(this, task)) as T;
        results.push(result);
        return result;
      });

      await expect(passwords.verifyDummy('first unknown account')).resolves.toBe(false);
      // Two operations in the bulkhead: the dummy hash, then a verification against it.
      expect(results).toHaveLength(2);
      const [dummyHash, verified] = results;
      const [, algorithm, version, params, salt, digest] = String(dummyHash).split('$');
      expect({ algorithm, version }).toEqual({ algorithm: 'argon2id', version: 'v=19' });
      expect(Object.fromEntries(params.split(',').map((kv) => kv.split('=')))).toEqual({
        m: String(options.memoryCostKib),
        t: String(options.timeCost),
        p: String(options.parallelism),
      });
      expect(Buffer.from(salt, 'base64')).toHaveLength(16);
      expect(Buffer.from(digest, 'base64')).toHaveLength(32);
      expect(verified).toBe(false);

      await expect(passwords.verifyDummy('second unknown account')).resolves.toBe(false);
      expect(results).toEqual([dummyHash, false, false]); // the hash is reused, verified again
    });
  });
});
