import request from 'supertest';
import { DataSource } from 'typeorm';
import type { TestApp } from '../support/app.js';
import { ADAPTERS, startTestApp } from '../support/app.js';

const password = 'correct horse battery staple';

describe.each(ADAPTERS)('example app on %s', (adapter) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp(adapter);
  });
  afterAll(async () => {
    await t?.close();
  });

  describe('GET /health', () => {
    it('answers 200 with the database and Redis up', async () => {
      const res = await request(t.server).get('/health').expect(200);
      expect(res.body).toMatchObject({
        status: 'ok',
        info: { database: { status: 'up' }, redis: { status: 'up' } },
      });
    });
  });

  describe('GET /docs-json', () => {
    it('documents /auth/register, its error bodies and both security schemes', async () => {
      const res = await request(t.server).get('/docs-json').expect(200);
      expect(res.body.openapi).toMatch(/^3\./);
      const register = res.body.paths['/auth/register'].post;
      expect(Object.keys(register.responses).sort()).toEqual([
        '201',
        '202',
        '400',
        '409',
        '413',
        '415',
        '429',
        '503',
      ]);
      expect(res.body.components.securitySchemes).toMatchObject({
        session: { type: 'apiKey', in: 'cookie', name: 'sid' },
        bearer: { type: 'http', scheme: 'bearer' },
      });
      expect(res.body.components.schemas.RegisterDto.required).toEqual(['email', 'password']);
    });

    it('serves the Swagger UI at /docs', async () => {
      const res = await request(t.server).get('/docs').expect(200);
      expect(res.text).toContain('Swagger UI');
    });
  });

  describe('security headers', () => {
    it('sets them on every response, errors included, and no X-Powered-By', async () => {
      for (const res of [
        await request(t.server).get('/health'),
        await request(t.server).get('/no-such-route'),
      ]) {
        expect(res.headers['x-content-type-options']).toBe('nosniff');
        expect(res.headers['x-powered-by']).toBeUndefined();
        expect(res.headers['strict-transport-security']).toBeUndefined();
      }
    });

    it('marks /auth responses Cache-Control: no-store, errors included', async () => {
      const res = await request(t.server)
        .post('/auth/register')
        .set('Content-Type', 'application/json')
        .send('{}');
      expect(res.status).toBe(400);
      expect(res.headers['cache-control']).toBe('no-store');
    });
  });

  describe('POST /auth/register', () => {
    it('creates a user: 201 with the public shape, never a hash', async () => {
      const res = await request(t.server)
        .post('/auth/register')
        .send({ email: ' Carol@Example.COM ', password, displayName: 'Carol' })
        .expect(201);
      expect(Object.keys(res.body).sort()).toEqual([
        'createdAt',
        'displayName',
        'email',
        'emailVerified',
        'id',
        'mfaEnabled',
        'roles',
      ]);
      expect(res.body).toMatchObject({
        email: 'carol@example.com',
        displayName: 'Carol',
        roles: ['user'],
      });
      expect(JSON.stringify(res.body)).not.toMatch(/argon2|hash/i);
    });

    it('answers 409 for an email taken in another case', async () => {
      await request(t.server)
        .post('/auth/register')
        .send({ email: 'dave@example.com', password })
        .expect(201);
      const res = await request(t.server)
        .post('/auth/register')
        .send({ email: 'DAVE@example.com', password })
        .expect(409);
      expect(res.body).toEqual({
        statusCode: 409,
        message: 'Email already registered',
        error: 'Conflict',
        code: 'EMAIL_TAKEN',
      });
    });

    it.each([
      ['roles', { roles: ['admin'] }],
      ['isAdmin', { isAdmin: true }],
      ['passwordHash', { passwordHash: '$argon2id$x' }],
    ])('rejects the unknown field %s with 400 and stores nothing', async (_name, extra) => {
      const email = `mallory-${_name.toLowerCase()}@example.com`;
      const res = await request(t.server)
        .post('/auth/register')
        .send({ email, password, ...extra })
        .expect(400);
      expect(res.body.statusCode).toBe(400);
      await request(t.server).post('/auth/register').send({ email, password }).expect(201);
    });

    it.each([
      ['a numeric password', { email: 'n1@example.com', password: 12345678 }],
      ['an array email', { email: ['a@example.com'], password }],
      ['a missing password', { email: 'n2@example.com' }],
      ['an invalid email', { email: 'not-an-email', password }],
      ['a null body field', { email: 'n3@example.com', password: null }],
    ])('rejects %s with 400', async (_name, body) => {
      const res = await request(t.server).post('/auth/register').send(body).expect(400);
      expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    });

    it.each([
      ['too short', 'short1', /between 8 and 256/],
      ['too long', 'x'.repeat(257), /between 8 and 256/],
      ['common', 'password123', /too common/],
    ])('rejects a %s password with a clear 400', async (_name, pw, message) => {
      const res = await request(t.server)
        .post('/auth/register')
        .send({ email: `policy-${_name.replace(' ', '')}@example.com`, password: pw })
        .expect(400);
      expect(res.body).toMatchObject({
        code: 'PASSWORD_POLICY',
        message: expect.stringMatching(message),
      });
    });

    it('rejects a body that is not JSON with 415', async () => {
      await request(t.server)
        .post('/auth/register')
        .set('Content-Type', 'application/x-www-form-urlencoded')
        .send('email=a%40b.c&password=correct+horse+battery')
        .expect(415);
      await request(t.server)
        .post('/auth/register')
        .set('Content-Type', 'text/plain')
        .send(JSON.stringify({ email: 'p@example.com', password }))
        .expect(415);
    });

    it('rejects malformed JSON with 400 and no stack trace', async () => {
      const res = await request(t.server)
        .post('/auth/register')
        .set('Content-Type', 'application/json')
        .send('{"email": "x@example.com", "password": ')
        .expect(400);
      expect(JSON.stringify(res.body)).not.toMatch(/at .*\.js|node_modules/);
    });

    it('rejects a body over 16 KB with 413', async () => {
      await request(t.server)
        .post('/auth/register')
        .send({ email: 'big@example.com', password: 'x'.repeat(17 * 1024) })
        .expect(413);
    });

    it('gives exactly one 201 for 50 parallel registrations of one address in many forms', async () => {
      const forms = [
        'Alice@Example.com',
        ' alice@example.com',
        'ALICE@EXAMPLE.COM',
        'alice@EXAMPLE.com ',
      ];
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) =>
          request(t.server)
            .post('/auth/register')
            .send({ email: forms[i % forms.length], password }),
        ),
      );
      const codes = results.map((r) => r.status);
      expect(codes.filter((c) => c === 201)).toHaveLength(1);
      expect(codes.filter((c) => c === 409)).toHaveLength(49);
      const rows = await t.app
        .get(DataSource)
        .query('SELECT count(*) AS n FROM warden_users WHERE email = $1', ['alice@example.com']);
      expect(Number(rows[0].n)).toBe(1);
    });
  });
});
