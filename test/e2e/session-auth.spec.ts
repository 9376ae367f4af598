import request from 'supertest';
import type { TestApp } from '../support/app.js';
import { ADAPTERS, startTestApp, sessionCookie } from '../support/app.js';

const password = 'correct horse battery staple';

describe.each(ADAPTERS)('cookie sessions on %s', (adapter) => {
  let t: TestApp;
  let n = 0;

  beforeAll(async () => {
    t = await startTestApp(adapter);
  });
  afterAll(async () => {
    await t?.close();
  });

  async function signUpAndLogIn(extraHeaders: Record<string, string> = {}) {
    const email = `user${n++}@example.com`;
    await request(t.server).post('/auth/register').send({ email, password }).expect(201);
    const res = await request(t.server)
      .post('/auth/login')
      .set(extraHeaders)
      .send({ email, password })
      .expect(200);
    return { email, res, cookie: sessionCookie(res)!, csrf: res.body.csrfToken as string };
  }

  describe('POST /auth/login', () => {
    it('sets one HttpOnly SameSite=Lax cookie and returns the user and a CSRF token', async () => {
      const { res, email } = await signUpAndLogIn();
      const cookies = ([] as string[]).concat(res.headers['set-cookie']);
      expect(cookies).toHaveLength(1);
      expect(cookies[0]).toMatch(/^sid=[A-Za-z0-9_.-]{110}; Path=\/; HttpOnly; SameSite=Lax$/);
      expect(res.body.user.email).toBe(email);
      expect(res.body.csrfToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(JSON.stringify(res.body)).not.toMatch(/argon2|passwordHash/);
    });

    it('answers unknown email and wrong password with the same 401 body', async () => {
      const { email } = await signUpAndLogIn();
      const wrong = await request(t.server)
        .post('/auth/login')
        .send({ email, password: 'wrong password!' });
      const unknown = await request(t.server)
        .post('/auth/login')
        .send({ email: 'nobody-here@example.com', password: 'wrong password!' });
      expect(wrong.status).toBe(401);
      expect(unknown.status).toBe(401);
      expect(wrong.body).toEqual(unknown.body);
      expect(wrong.body).toEqual({
        statusCode: 401,
        message: 'Invalid email or password',
        error: 'Unauthorized',
        code: 'INVALID_CREDENTIALS',
      });
      expect(sessionCookie(wrong)).toBeUndefined();
    });

    it('rejects a missing field or a non-JSON body before any credential check', async () => {
      await request(t.server).post('/auth/login').send({ email: 'a@example.com' }).expect(400);
      await request(t.server)
        .post('/auth/login')
        .send({ email: 'a@example.com', password: 5 })
        .expect(400);
      await request(t.server)
        .post('/auth/login')
        .set('Content-Type', 'application/x-www-form-urlencoded')
        .send('email=a%40example.com&password=x')
        .expect(415);
    });

    it('always issues a new session id: a cookie held before login is dead after it', async () => {
      const { email, cookie: first } = await signUpAndLogIn();
      const again = await request(t.server)
        .post('/auth/login')
        .set('Cookie', first)
        .send({ email, password })
        .expect(200);
      const second = sessionCookie(again)!;
      expect(second).not.toBe(first);
      await request(t.server).get('/auth/me').set('Cookie', first).expect(401);
      await request(t.server).get('/auth/me').set('Cookie', second).expect(200);
    });
  });

  describe('GET /auth/me', () => {
    it('returns the user for a valid cookie', async () => {
      const { cookie, email } = await signUpAndLogIn();
      const res = await request(t.server).get('/auth/me').set('Cookie', cookie).expect(200);
      expect(res.body).toMatchObject({ email, roles: ['user'] });
      expect(res.headers['cache-control']).toBe('no-store');
    });

    it('answers 401 with no cookie, a tampered cookie, or a cookie from another secret', async () => {
      const { cookie } = await signUpAndLogIn();
      await request(t.server).get('/auth/me').expect(401);
      const value = cookie.slice(4);
      const tampered = `sid=${value.slice(0, 10)}${value[10] === 'A' ? 'B' : 'A'}${value.slice(11)}`;
      const res = await request(t.server).get('/auth/me').set('Cookie', tampered).expect(401);
      expect(res.body.code).toBe('SESSION_INVALID');
      await request(t.server).get('/auth/me').set('Cookie', `${cookie}; ${cookie}`).expect(401);
      await request(t.server).get('/auth/me').set('Cookie', `SID=${value}`).expect(401);
    });
  });

  describe('GET /auth/csrf', () => {
    it('returns the same token as login', async () => {
      const { cookie, csrf } = await signUpAndLogIn();
      const res = await request(t.server).get('/auth/csrf').set('Cookie', cookie).expect(200);
      expect(res.body).toEqual({ csrfToken: csrf });
    });
  });

  describe('POST /auth/logout', () => {
    it('needs the CSRF token: missing or wrong gets 403 and the session survives', async () => {
      const { cookie, csrf } = await signUpAndLogIn();
      const missing = await request(t.server)
        .post('/auth/logout')
        .set('Cookie', cookie)
        .expect(403);
      expect(missing.body.code).toBe('CSRF_INVALID');
      await request(t.server)
        .post('/auth/logout')
        .set('Cookie', cookie)
        .set('X-CSRF-Token', 'x'.repeat(43))
        .expect(403);
      await request(t.server)
        .post('/auth/logout')
        .set('Cookie', cookie)
        .set('X-CSRF-Token', csrf)
        .set('Origin', 'https://evil.example')
        .expect(403);
      await request(t.server)
        .post('/auth/logout')
        .set('Cookie', cookie)
        .set('X-CSRF-Token', csrf)
        .set('Sec-Fetch-Site', 'cross-site')
        .expect(403);
      await request(t.server).get('/auth/me').set('Cookie', cookie).expect(200);
    });

    it('deletes the session and expires the cookie; replaying the cookie gets 401', async () => {
      const { cookie, csrf } = await signUpAndLogIn();
      const res = await request(t.server)
        .post('/auth/logout')
        .set('Cookie', cookie)
        .set('X-CSRF-Token', csrf)
        .expect(204);
      expect(([] as string[]).concat(res.headers['set-cookie'])[0]).toMatch(
        /^sid=; Path=\/; Max-Age=0;/,
      );
      await request(t.server).get('/auth/me').set('Cookie', cookie).expect(401);
      await request(t.server)
        .post('/auth/logout')
        .set('Cookie', cookie)
        .set('X-CSRF-Token', csrf)
        .expect(401);
    });
  });

  describe('GET /docs-json', () => {
    it('documents every API.md endpoint but tokens, with its security scheme', async () => {
      const res = await request(t.server).get('/docs-json').expect(200);
      const expected: [string, string, boolean][] = [
        ['/auth/register', 'post', false],
        ['/auth/login', 'post', false],
        ['/auth/logout', 'post', true],
        ['/auth/me', 'get', true],
        ['/auth/csrf', 'get', true],
        ['/auth/sessions', 'get', true],
        ['/auth/sessions', 'delete', true],
        ['/auth/sessions/{id}', 'delete', true],
        ['/auth/password', 'post', true],
        ['/admin/users', 'get', true],
        ['/health', 'get', false],
      ];
      for (const [path, method, secured] of expected) {
        const operation = res.body.paths[path]?.[method];
        expect({ path, method, documented: Boolean(operation) }).toEqual({
          path,
          method,
          documented: true,
        });
        if (secured) {
          expect(operation.security).toEqual([{ session: [] }, { bearer: [] }]);
          expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['401', '403']));
        }
      }
    });

    it('documents login, logout, me and csrf with the cookie security scheme', async () => {
      const res = await request(t.server).get('/docs-json').expect(200);
      for (const [path, method] of [
        ['/auth/logout', 'post'],
        ['/auth/me', 'get'],
        ['/auth/csrf', 'get'],
      ]) {
        expect(res.body.paths[path][method].security).toEqual([{ session: [] }, { bearer: [] }]);
        expect(res.body.paths[path][method].responses['401']).toBeDefined();
      }
      expect(res.body.paths['/auth/login'].post.responses['401']).toBeDefined();
    });
  });
});
