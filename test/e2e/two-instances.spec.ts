import request from 'supertest';
import { UsersService } from '../../src/users/users.service.js';
import type { TestApp } from '../support/app.js';
import { startTestApp, sessionCookie } from '../support/app.js';
import { createTestSchema, uniqueName } from '../support/services.js';

const password = 'correct horse battery staple';

/**
 * Two example-app instances (one Express, one Fastify) sharing PostgreSQL and Redis, like two
 * replicas behind a load balancer: sessions and user-cache invalidations cross between them.
 */
describe('two instances sharing Redis and PostgreSQL', () => {
  let a: TestApp;
  let b: TestApp;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const schema = await createTestSchema();
    drop = schema.drop;
    const shared = { REDIS_KEY_PREFIX: `${uniqueName('warden_test')}:` };
    a = await startTestApp('express', shared, { schema: schema.schema });
    b = await startTestApp('fastify', shared, { schema: schema.schema });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await drop?.();
  });

  async function login(email: string) {
    await request(a.server).post('/auth/register').send({ email, password }).expect(201);
    const res = await request(a.server).post('/auth/login').send({ email, password }).expect(200);
    return {
      cookie: sessionCookie(res)!,
      csrf: res.body.csrfToken as string,
    };
  }

  it('accepts a session created on one instance on the other', async () => {
    const { cookie } = await login('both@example.com');
    await request(b.server).get('/auth/me').set('Cookie', cookie).expect(200);
  });

  it('enforces on B, at its next request, a role change made through A (cached user invalidated)', async () => {
    const { cookie } = await login('promoted@example.com');
    await request(b.server).get('/admin/users').set('Cookie', cookie).expect(403); // B caches the user
    const users = a.app.get(UsersService);
    const user = (await users.findByEmail('promoted@example.com'))!;
    await users.setRoles(user.id, ['user', 'admin']);
    await request(b.server).get('/auth/me').set('Cookie', cookie).expect(401); // authVersion moved on
    const again = await request(b.server)
      .post('/auth/login')
      .send({ email: 'promoted@example.com', password })
      .expect(200);
    const fresh = sessionCookie(again)!;
    await request(a.server).get('/admin/users').set('Cookie', fresh).expect(200);
  });

  it('applies logout on A to B at once', async () => {
    const { cookie, csrf } = await login('leaver@example.com');
    await request(b.server).get('/auth/me').set('Cookie', cookie).expect(200);
    await request(a.server)
      .post('/auth/logout')
      .set('Cookie', cookie)
      .set('X-CSRF-Token', csrf)
      .expect(204);
    await request(b.server).get('/auth/me').set('Cookie', cookie).expect(401);
  });

  it('applies a deactivation through A on B at its next request', async () => {
    const { cookie } = await login('gone@example.com');
    await request(b.server).get('/auth/me').set('Cookie', cookie).expect(200);
    const users = a.app.get(UsersService);
    await users.deactivate((await users.findByEmail('gone@example.com'))!.id);
    await request(b.server).get('/auth/me').set('Cookie', cookie).expect(401);
  });
  it('applies a session revoked on A, and a password change on A, to B at its next request', async () => {
    const first = await login('revoker@example.com');
    const second = await request(a.server)
      .post('/auth/login')
      .send({ email: 'revoker@example.com', password })
      .expect(200);
    const secondCookie = sessionCookie(second)!;
    const listed = await request(b.server)
      .get('/auth/sessions')
      .set('Cookie', first.cookie)
      .expect(200);
    const other = (listed.body as { id: string; current: boolean }[]).find((x) => !x.current)!;
    await request(a.server)
      .delete(`/auth/sessions/${other.id}`)
      .set('Cookie', first.cookie)
      .set('X-CSRF-Token', first.csrf)
      .expect(204);
    await request(b.server).get('/auth/me').set('Cookie', secondCookie).expect(401);

    const token = await request(b.server)
      .post('/auth/token')
      .send({ email: 'revoker@example.com', password })
      .expect(200);
    await request(a.server)
      .post('/auth/password')
      .set('Cookie', first.cookie)
      .set('X-CSRF-Token', first.csrf)
      .send({ currentPassword: password, newPassword: 'a different passphrase' })
      .expect(204);
    await request(b.server)
      .get('/auth/me')
      .set('Authorization', `Bearer ${token.body.accessToken as string}`)
      .expect(401);
    await request(b.server)
      .post('/auth/token/refresh')
      .send({ refreshToken: token.body.refreshToken })
      .expect(401);
  });
});
