import { jest } from '@jest/globals';
import { createHmac } from 'node:crypto';
import type { DynamicModule, INestApplication } from '@nestjs/common';
import { Controller, Get, Module, UseInterceptors } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import type { CachedUser } from '../../src/index.js';
import { loginForTest } from '../../src/testing/index.js';
import {
  Auth,
  WardenAuthGuard,
  AuthModule,
  CacheInterceptor,
  CurrentUser,
  MemorySessionStore,
  MemoryUserRepository,
  Public,
  UsersModule,
} from '../../src/index.js';
import type { SecurityEvent } from '../../src/core/security-events.js';
import type { Adapter, TestApp } from '../support/app.js';
import { ADAPTERS, sessionCookie, startTestApp, TEST_SECRETS } from '../support/app.js';

const password = 'correct horse battery staple';
const admin = { email: 'root@example.com', password: 'the admin passphrase here' };
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** `depth` nested arrays or objects, as JSON text. */
function nested(depth: number, shape: 'array' | 'object'): string {
  return shape === 'array'
    ? `${'['.repeat(depth)}${']'.repeat(depth)}`
    : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

/** A base64url string with its last character replaced by a twin that decodes to the same bytes. */
function twin(value: string): string {
  const last = ALPHABET.indexOf(value[value.length - 1]);
  return `${value.slice(0, -1)}${ALPHABET[last ^ 1]}`;
}

/** HS256 JWT signed with the test JWT_SECRET. */
function forge(header: object, payload: object): string {
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const input = `${b64(header)}.${b64(payload)}`;
  const signature = createHmac('sha256', TEST_SECRETS.JWT_SECRET).update(input).digest('base64url');
  return `${input}.${signature}`;
}

function decodePart(token: string, index: number): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[index], 'base64url').toString()) as Record<
    string,
    unknown
  >;
}

describe.each(ADAPTERS)('hardening over HTTP on %s', (adapter) => {
  let t: TestApp;
  let cookie: string;
  let csrf: string;
  let tokens: { accessToken: string; refreshToken: string };
  const email = `hardening-${adapter}@example.com`;
  const events: SecurityEvent[] = [];

  beforeAll(async () => {
    t = await startTestApp(adapter, { ADMIN_EMAIL: admin.email, ADMIN_PASSWORD: admin.password });
    t.app.get(EventEmitter2).onAny((_n: string | string[], e: SecurityEvent) => events.push(e));
    await request(t.server).post('/auth/register').send({ email, password }).expect(201);
    const login = await request(t.server).post('/auth/login').send({ email, password }).expect(200);
    cookie = sessionCookie(login)!;
    csrf = login.body.csrfToken as string;
    tokens = (await request(t.server).post('/auth/token').send({ email, password }).expect(200))
      .body as typeof tokens;
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('deeply nested JSON bodies', () => {
    const routes: Array<[string, Record<string, string>, boolean]> = [
      ['/auth/register', { email: 'deep@example.com', password }, false],
      ['/auth/login', { email, password }, false],
      ['/auth/token/refresh', { refreshToken: 'x' }, false],
      ['/auth/password', { currentPassword: password, newPassword: 'another passphrase' }, true],
    ];
    const post = (path: string, fields: object, authed: boolean, n: string) => {
      const req = request(t.server).post(path).set('Content-Type', 'application/json');
      if (authed) req.set('Cookie', cookie).set('X-CSRF-Token', csrf);
      return req.send(`${JSON.stringify(fields).slice(0, -1)},"n":${n}}`);
    };

    it.each(routes)(
      'answers %s 400 VALIDATION_FAILED past 32 levels, logging nothing',
      async (path, fields, authed) => {
        const written: string[] = [];
        const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: unknown) => {
          written.push(String(chunk));
          return true;
        });
        try {
          for (const depth of [33, 2000]) {
            for (const shape of ['array', 'object'] as const) {
              const res = await post(path, fields, authed, nested(depth, shape));
              expect({ depth, shape, status: res.status, code: res.body.code }).toEqual({
                depth,
                shape,
                status: 400,
                code: 'VALIDATION_FAILED',
              });
              expect(JSON.stringify(res.body)).toMatch(/nested/);
              expect(JSON.stringify(res.body)).not.toMatch(/RangeError|stack/i);
            }
          }
        } finally {
          spy.mockRestore();
        }
        expect(written.join('')).not.toMatch(/RangeError|Maximum call stack|\n\s+at /);
      },
    );

    it.each(routes)(
      'answers %s the ordinary 400 for an unknown field up to 32 levels',
      async (path, fields, authed) => {
        for (const shape of ['array', 'object'] as const) {
          const res = await post(path, fields, authed, nested(32, shape)).expect(400);
          expect(res.body).toMatchObject({ code: 'VALIDATION_FAILED', error: 'Bad Request' });
          expect(JSON.stringify(res.body.message)).toContain('property n should not exist');
        }
      },
    );
  });

  describe('Cache-Control: no-store where the response is made', () => {
    const noStore = (res: { headers: Record<string, unknown> }) =>
      expect(res.headers['cache-control']).toBe('no-store');
    // Express matches routes case-insensitively and Fastify decodes %61 before routing: each
    // reaches the controller on one adapter and is a 404 (nothing of ours) on the other.
    const reaches = (express: boolean) => (adapter === 'express') === express;

    it('marks GET /AUTH/ME and GET /%61uth/me whichever adapter routes them', async () => {
      const upper = await request(t.server).get('/AUTH/ME').set('Cookie', cookie);
      expect(upper.status).toBe(reaches(true) ? 200 : 404);
      if (upper.status === 200) noStore(upper);
      const encoded = await request(t.server).get('/%61uth/me').set('Cookie', cookie);
      expect(encoded.status).toBe(reaches(false) ? 200 : 404);
      if (encoded.status === 200) noStore(encoded);
    });

    it('marks POST /AUTH/LOGIN, success and 401 alike', async () => {
      const ok = await request(t.server).post('/AUTH/LOGIN').send({ email, password });
      const bad = await request(t.server)
        .post('/AUTH/LOGIN')
        .send({ email, password: 'not the password' });
      expect([ok.status, bad.status]).toEqual(reaches(true) ? [200, 401] : [404, 404]);
      if (ok.status === 200) {
        noStore(ok);
        noStore(bad);
      }
    });

    it('marks /admin/users: 200 for the admin, 403 for a user, 401 from the guard', async () => {
      const root = await request(t.server).post('/auth/login').send(admin).expect(200);
      noStore(
        await request(t.server).get('/admin/users').set('Cookie', sessionCookie(root)!).expect(200),
      );
      noStore(await request(t.server).get('/admin/users').set('Cookie', cookie).expect(403));
      noStore(await request(t.server).get('/admin/users').expect(401));
      noStore(await request(t.server).get('/auth/me').expect(401));
    });
  });

  describe('session cookies and refresh tokens in canonical base64url only', () => {
    it('answers 401 to a cookie whose last character is its non-canonical twin', async () => {
      await request(t.server).get('/auth/me').set('Cookie', cookie).expect(200);
      await request(t.server).get('/auth/me').set('Cookie', twin(cookie)).expect(401);
    });

    it('answers 401 to a refresh token whose last character is its non-canonical twin', async () => {
      await request(t.server)
        .post('/auth/token/refresh')
        .send({ refreshToken: twin(tokens.refreshToken) })
        .expect(401);
    });
  });

  describe('Sec-Fetch-Site', () => {
    it('refuses a cookie POST marked Cross-Site (any case) or with the header repeated', async () => {
      for (const site of ['Cross-Site', 'CROSS-SITE', ['same-origin', 'cross-site']]) {
        const res = await request(t.server)
          .post('/auth/logout')
          .set('Cookie', cookie)
          .set('X-CSRF-Token', csrf)
          .set('Sec-Fetch-Site', site as string) // an array is sent as two header lines
          .expect(403);
        expect(res.body.code).toBe('CSRF_INVALID');
      }
      await request(t.server).get('/auth/me').set('Cookie', cookie).expect(200);
    });
  });

  describe('access tokens', () => {
    const me = (token: string) =>
      request(t.server).get('/auth/me').set('Authorization', `Bearer ${token}`);

    it('accepts a re-signed token unchanged and an aud array containing our audience', async () => {
      const header = decodePart(tokens.accessToken, 0);
      const payload = decodePart(tokens.accessToken, 1);
      await me(forge(header, payload)).expect(200);
      await me(forge(header, { ...payload, aud: ['other', payload.aud] })).expect(200);
    });

    it('refuses crit, and aud arrays without our audience, empty or with non-strings', async () => {
      const header = decodePart(tokens.accessToken, 0);
      const payload = decodePart(tokens.accessToken, 1);
      await me(forge({ ...header, crit: ['x-ext'], 'x-ext': 1 }, payload)).expect(401);
      await me(forge({ ...header, crit: [] }, payload)).expect(401);
      for (const aud of [['other'], [], [payload.aud, 5], [payload.aud, null]]) {
        await me(forge(header, { ...payload, aud })).expect(401);
      }
    });

    it('answers 401, not 500, to a token whose header is JSON null', async () => {
      const [, body, signature] = tokens.accessToken.split('.');
      const res = await me(`${Buffer.from('null').toString('base64url')}.${body}.${signature}`);
      expect(res.status).toBe(401);
    });
  });

  describe('security events', () => {
    it('puts the client IP on login.failed', async () => {
      await request(t.server).post('/auth/login').send({ email, password: 'wrong one here' });
      const failed = events.filter((e) => e.type === 'warden.login.failed').at(-1);
      expect(failed?.ip).toMatch(/127\.0\.0\.1|::1/);
    });
  });
});

@Controller('host')
class HostController {
  @Auth()
  @Get('private')
  mine(@CurrentUser() user: CachedUser) {
    return { email: user.email };
  }

  @Public()
  @UseInterceptors(CacheInterceptor)
  @Get('greeting')
  greeting(@CurrentUser() user?: CachedUser) {
    return { hello: user?.email ?? 'anonymous' };
  }

  @Get('global')
  global(@CurrentUser() user?: CachedUser) {
    return { email: user?.email };
  }
}

@Module({})
class HostModule {
  static with(globalGuard: boolean): DynamicModule {
    return {
      module: HostModule,
      imports: [
        UsersModule.forRoot({ repository: new MemoryUserRepository() }),
        AuthModule.forRoot({
          sessionStore: new MemorySessionStore(),
          session: { secrets: ['host-app-secret-0123456789abcdefghijk'], cookieSecure: false },
        }),
      ],
      controllers: [HostController],
      providers: globalGuard ? [{ provide: APP_GUARD, useClass: WardenAuthGuard }] : [],
    };
  }
}

async function startHost(adapter: Adapter, globalGuard: boolean): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [HostModule.with(globalGuard)],
  }).compile();
  const app =
    adapter === 'fastify'
      ? moduleRef.createNestApplication(new FastifyAdapter(), { logger: false })
      : moduleRef.createNestApplication({ logger: false });
  await app.init();
  if (adapter === 'fastify') {
    await (app.getHttpAdapter().getInstance() as { ready: () => Promise<void> }).ready();
  }
  return app;
}

describe.each(ADAPTERS)('Cache-Control: no-store in a host app on %s', (adapter) => {
  it.each([false, true])('marks authenticated host routes (global guard: %s)', async (global) => {
    const app = await startHost(adapter, global);
    try {
      const server = app.getHttpServer();
      const alice = await loginForTest(app, { email: 'alice@example.com', password });
      const path = global ? '/host/global' : '/host/private';
      const ok = await request(server).get(path).set('Cookie', alice.cookie).expect(200);
      expect(ok.headers['cache-control']).toBe('no-store');
      const denied = await request(server).get(path).expect(401);
      expect(denied.headers['cache-control']).toBe('no-store');
      const greeted = await request(server)
        .get('/host/greeting')
        .set('Cookie', alice.cookie)
        .expect(200, { hello: 'alice@example.com' });
      expect(greeted.headers['cache-control']).toBe('no-store');
      const anonymous = await request(server).get('/host/greeting').expect(200);
      expect(anonymous.headers['cache-control']).toBeUndefined();
    } finally {
      await app.close();
    }
  });

  it("marks every /auth answer of the library, errors included, with no middleware's help", async () => {
    const app = await startHost(adapter, false);
    try {
      const server = app.getHttpServer();
      const statuses: number[] = [];
      const send = async (res: request.Response) => {
        statuses.push(res.status);
        expect(res.headers['cache-control']).toBe('no-store');
      };
      await send(await request(server).post('/auth/register').send({}));
      await send(await request(server).post('/auth/register').type('text/plain').send('x'));
      await send(await request(server).get('/auth/me'));
      await send(await request(server).get('/auth/sessions'));
      for (let i = 0; i < 6; i++) {
        await send(
          await request(server)
            .post('/auth/login')
            .send({ email: 'nobody@example.com', password: 'wrong password' }),
        );
      }
      expect(statuses).toEqual([400, 415, 401, 401, 401, 401, 401, 401, 401, 429]);
    } finally {
      await app.close();
    }
  });
});
