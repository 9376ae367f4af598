import request from 'supertest';
import { UsersService } from '../../src/users/users.service.js';
import { systemClock } from '../../src/core/clock.js';
import { userTag } from '../../src/core/redis-keys.js';
import { SessionCookieCodec } from '../../src/session/session-cookie.js';
import { resolveAccessTokenOptions } from '../../src/tokens/access-token.options.js';
import { AccessTokenService } from '../../src/tokens/access-token.service.js';
import { DataSource } from 'typeorm';
import type { TestApp } from '../support/app.js';
import { ADAPTERS, startTestApp } from '../support/app.js';
import { createTestSchema, TEST_DATABASE_URL } from '../support/services.js';
import { TcpProxy } from '../support/tcp-proxy.js';

const password = 'correct horse battery staple';

describe.each(ADAPTERS)('backing services failing, on %s', (adapter) => {
  describe('PostgreSQL cut after boot', () => {
    let proxy: TcpProxy;
    let t: TestApp;
    let dropSchema: () => Promise<void>;

    beforeAll(async () => {
      const target = new URL(TEST_DATABASE_URL);
      proxy = new TcpProxy(target.hostname, Number(target.port) || 5432);
      const port = await proxy.start();
      target.host = `127.0.0.1:${port}`;
      const schema = await createTestSchema();
      dropSchema = schema.drop;
      t = await startTestApp(
        adapter,
        { DATABASE_URL: target.toString() },
        { schema: schema.schema },
      );
    });
    afterAll(async () => {
      proxy.restore();
      await t?.close();
      await proxy?.stop();
      await dropSchema?.();
    });

    it('answers register with a fast 503 + Retry-After, and /health with 503, then recovers', async () => {
      proxy.cutAll();
      const started = Date.now();
      const res = await request(t.server)
        .post('/auth/register')
        .send({ email: 'down@example.com', password });
      expect(res.status).toBe(503);
      expect(Date.now() - started).toBeLessThan(5000);
      expect(res.headers['retry-after']).toMatch(/^\d+$/);
      expect(res.body).toEqual({
        statusCode: 503,
        message: 'Database unavailable',
        error: 'Service Unavailable',
        code: 'SERVICE_UNAVAILABLE',
      });
      const health = await request(t.server).get('/health');
      expect(health.status).toBe(503);
      expect(health.body.error.database.status).toBe('down');

      proxy.restore();
      await request(t.server)
        .post('/auth/register')
        .send({ email: 'down@example.com', password })
        .expect(201);
      await request(t.server).get('/health').expect(200);
      const rows = await t.app
        .get(DataSource)
        .query('SELECT count(*) AS n FROM warden_users WHERE email = $1', ['down@example.com']);
      expect(Number(rows[0].n)).toBe(1);
    });
  });

  describe('Redis unreachable', () => {
    let t: TestApp;
    beforeAll(async () => {
      // Port 1 on loopback: nothing listens there, connections are refused at once.
      t = await startTestApp(adapter, { REDIS_URL: 'redis://127.0.0.1:1' });
    });
    afterAll(async () => {
      await t?.close();
    });

    it('answers register, login, cookie and bearer routes with a fast 503 + Retry-After, never a cookie', async () => {
      const started = Date.now();
      // Registration is throttled per IP in Redis: it fails closed too, and creates nothing.
      const register = await request(t.server)
        .post('/auth/register')
        .send({ email: 'r@example.com', password });
      expect(register.status).toBe(503);
      expect(register.headers['retry-after']).toMatch(/^\d+$/);
      expect(await t.app.get(UsersService).findByEmail('r@example.com')).toBeNull();
      const { id: userId } = await t.app
        .get(UsersService)
        .register({ email: 'r@example.com', password });
      expect(userId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      const login = await request(t.server)
        .post('/auth/login')
        .send({ email: 'r@example.com', password });
      expect(login.status).toBe(503);
      expect(login.headers['retry-after']).toMatch(/^\d+$/);
      expect(login.headers['set-cookie']).toBeUndefined();
      expect(login.body.code).toBe('SERVICE_UNAVAILABLE');
      const token = await request(t.server)
        .post('/auth/token')
        .send({ email: 'r@example.com', password });
      expect(token.status).toBe(503);
      expect(token.body.accessToken).toBeUndefined();
      const forged = 'sid=' + 'A'.repeat(43) + '.' + 'B'.repeat(22) + '.' + 'C'.repeat(43);
      await request(t.server).get('/auth/me').set('Cookie', forged).expect(401); // bad signature: no Redis needed
      // Well-signed credentials need Redis to be checked: 503, not 401, not 500, not a pass.
      const codec = new SessionCookieCodec(t.config.sessionSecrets, false);
      const cookie = `sid=${codec.encode({ id: SessionCookieCodec.newId(), tag: userTag('abcd') })}`;
      const me = await request(t.server).get('/auth/me').set('Cookie', cookie);
      expect(me.status).toBe(503);
      expect(me.headers['retry-after']).toMatch(/^\d+$/);
      const access = new AccessTokenService(
        resolveAccessTokenOptions({ secrets: t.config.jwtSecrets }),
        systemClock,
      );
      // A real user's id: the database finds them, so only the unreachable session store can
      // make this a 503 (a malformed id would fail in PostgreSQL and give a 503 of its own).
      const { token: bearer } = await access.sign({ userId, sessionHandle: 'hhhhhhhhhhg' });
      const byBearer = await request(t.server)
        .get('/auth/me')
        .set('Authorization', `Bearer ${bearer}`);
      expect(byBearer.status).toBe(503);
      expect(byBearer.body).toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
      expect(Date.now() - started).toBeLessThan(5000);
    });

    it('reports Redis down on /health with 503, the database still up', async () => {
      const res = await request(t.server).get('/health').expect(503);
      expect(res.body.error.redis.status).toBe('down');
      expect(res.body.info.database.status).toBe('up');
    });
  });
});

describe('cookie security settings', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp('express', { COOKIE_SECURE: 'true' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('sends HSTS when cookies are secure, and documents the __Host- cookie', async () => {
    const res = await request(t.server).get('/health').expect(200);
    expect(res.headers['strict-transport-security']).toMatch(/^max-age=\d+; includeSubDomains$/);
    const docs = await request(t.server).get('/docs-json').expect(200);
    expect(docs.body.components.securitySchemes.session.name).toBe('__Host-sid');
  });
});
