import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger } from '@nestjs/common';
import { jest } from '@jest/globals';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { PasswordService } from '../../src/passwords/password.service.js';
import type { TestApp } from '../support/app.js';
import { ADAPTERS, startTestApp } from '../support/app.js';
import { createTestSchema, uniqueName } from '../support/services.js';

const password = 'correct horse battery staple';

async function userCount(t: TestApp): Promise<number> {
  const rows = await t.app.get(DataSource).query('SELECT count(*) AS n FROM warden_users');
  return Number(rows[0].n);
}

describe.each(ADAPTERS)('account hardening on %s', (adapter) => {
  describe('POST /auth/register throttle', () => {
    let schema: { schema: string; drop: () => Promise<void> };
    let a: TestApp;
    let b: TestApp;
    beforeAll(async () => {
      schema = await createTestSchema();
      const env = { REGISTER_MAX_PER_IP: '3', REGISTER_WINDOW_S: '600' };
      const prefix = `${uniqueName('warden_test')}:`;
      a = await startTestApp(adapter, { ...env, REDIS_KEY_PREFIX: prefix }, schema);
      b = await startTestApp(adapter, { ...env, REDIS_KEY_PREFIX: prefix }, schema);
    });
    afterAll(async () => {
      await a?.close();
      await b?.close();
      await schema?.drop();
    });

    it('counts every attempt per IP across instances (Redis) and answers 429 + Retry-After past REGISTER_MAX_PER_IP', async () => {
      await request(a.server).post('/auth/register').send({ email: 'r1@example.com', password });
      await request(b.server).post('/auth/register').send({ email: 'r1@example.com', password });
      await request(a.server).post('/auth/register').send({ email: 'r2@example.com', password });
      for (const t of [a, b]) {
        const res = await request(t.server)
          .post('/auth/register')
          .send({ email: 'r3@example.com', password })
          .expect(429);
        expect(res.body).toMatchObject({ statusCode: 429, code: 'TOO_MANY_ATTEMPTS' });
        const retryAfter = Number(res.headers['retry-after']);
        expect(retryAfter).toBeGreaterThan(0);
        expect(retryAfter).toBeLessThanOrEqual(600);
      }
      expect(await userCount(a)).toBe(2);
    });
  });

  describe('POST /auth/register with look-alike emails', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp(adapter);
      await request(t.server)
        .post('/auth/register')
        .send({ email: 'alice@example.com', password })
        .expect(201);
    });
    afterAll(async () => {
      await t?.close();
    });

    it('pays the Argon2 hash for a taken email as for a new one (no timing oracle)', async () => {
      const hash = jest.spyOn(t.app.get(PasswordService), 'hash');
      try {
        await request(t.server)
          .post('/auth/register')
          .send({ email: 'cost@example.com', password })
          .expect(201);
        expect(hash).toHaveBeenCalledTimes(1);
        await request(t.server)
          .post('/auth/register')
          .send({ email: 'COST@example.com', password })
          .expect(409);
        expect(hash).toHaveBeenCalledTimes(2);
      } finally {
        hash.mockRestore();
      }
    });

    it.each([
      ['a zero-width space', 'alice\u200b@example.com'],
      ['a right-to-left override', 'ali\u202ece@example.com'],
      ['a soft hyphen', 'al\u00adice@example.com'],
      ['a zero-width joiner', 'ali\u200dce@example.com'],
      ['a word joiner', 'alice\u2060@example.com'],
      ['a bidi isolate', '\u2066alice@example.com'],
      ['a variation selector', 'alice\ufe0f@example.com'],
    ])('refuses %s with 400 EMAIL_INVALID and stores nothing', async (_name, email) => {
      const before = await userCount(t);
      const res = await request(t.server).post('/auth/register').send({ email, password });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ code: 'EMAIL_INVALID' });
      expect(JSON.stringify(res.body)).not.toContain(password);
      expect(await userCount(t)).toBe(before);
    });

    it.each([
      ['a Cyrillic а (U+0430)', '\u0430lice@example.com'],
      ['a Cyrillic а in the domain', 'alice@ex\u0430mple.com'],
      ['a dotted capital İ (U+0130)', 'al\u0130ce@example.com'],
      ['a combining acute accent', 'a\u0301lice@example.com'],
      ['a precomposed accent', '\u00e1lice@example.com'],
      ['a full-width letter', '\uff41lice@example.com'],
    ])('answers %s that looks like a taken email with 409 EMAIL_TAKEN', async (_name, email) => {
      const before = await userCount(t);
      const res = await request(t.server)
        .post('/auth/register')
        .send({ email, password })
        .expect(409);
      expect(res.body).toMatchObject({ code: 'EMAIL_TAKEN' });
      expect(await userCount(t)).toBe(before);
    });

    it('still registers a distinct address with non-ASCII letters, then refuses its look-alikes', async () => {
      await request(t.server)
        .post('/auth/register')
        .send({ email: 'j\u00fcrgen@example.com', password })
        .expect(201);
      await request(t.server)
        .post('/auth/register')
        .send({ email: 'jurgen@example.com', password })
        .expect(409);
      await request(t.server)
        .post('/auth/register')
        .send({ email: 'robert@example.com', password })
        .expect(201);
    });
  });

  describe('password strength', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp(adapter);
    });
    afterAll(async () => {
      await t?.close();
    });

    it.each(['aaaaaaaa', 'abcdefgh', 'password123456', 'qwertyuiopasdfgh', 'Password1!'])(
      'refuses %s with 400 PASSWORD_POLICY that never echoes it',
      async (weak) => {
        const before = await userCount(t);
        const res = await request(t.server)
          .post('/auth/register')
          .send({ email: `weak-${before}@example.com`, password: weak })
          .expect(400);
        expect(res.body).toMatchObject({ code: 'PASSWORD_POLICY' });
        expect(res.body.message).toMatch(/choose|longer|passphrase/i);
        expect(JSON.stringify(res.body)).not.toContain(weak);
        expect(await userCount(t)).toBe(before);
      },
    );

    it('counts the email and display name as guessable (user inputs)', async () => {
      await request(t.server)
        .post('/auth/register')
        .send({
          email: 'gwendolyn.brightwater@example.com',
          displayName: 'Gwendolyn Brightwater',
          password: 'gwendolynbrightwater',
        })
        .expect(400);
    });

    it('refuses a weak new password on POST /auth/password and keeps the old one', async () => {
      const email = 'changer@example.com';
      await request(t.server).post('/auth/register').send({ email, password }).expect(201);
      const agent = request.agent(t.server);
      const login = await agent.post('/auth/login').send({ email, password }).expect(200);
      const res = await agent
        .post('/auth/password')
        .set('X-CSRF-Token', login.body.csrfToken)
        .send({ currentPassword: password, newPassword: 'abcdefgh' })
        .expect(400);
      expect(res.body).toMatchObject({ code: 'PASSWORD_POLICY' });
      await request(t.server).post('/auth/login').send({ email, password }).expect(200);
    });
  });

  describe('breached passwords (PWNED_PASSWORDS_URL)', () => {
    const listed = 'Tr0ub4dor&3 is a horse staple';
    const sha1 = createHash('sha1').update(listed).digest('hex').toUpperCase();
    let mode: 'answer' | 'stall' | 'fail' = 'answer';
    const paths: string[] = [];
    const stalled: ServerResponse[] = [];
    const range = createServer((req: IncomingMessage, res: ServerResponse) => {
      paths.push(req.url ?? '');
      if (mode === 'stall') return void stalled.push(res);
      if (mode === 'fail') return void res.writeHead(500).end();
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(
        [`0018A45C4D1DEF81644B54AB7F969B88D65:1`, `${sha1.slice(5)}:3730471`, `FFFF:2`].join(
          '\r\n',
        ),
      );
    });
    let t: TestApp;
    let warn: ReturnType<typeof jest.spyOn>;
    beforeAll(async () => {
      await new Promise<void>((resolve) => range.listen(0, '127.0.0.1', resolve));
      const { port } = range.address() as AddressInfo;
      t = await startTestApp(adapter, {
        PWNED_PASSWORDS_URL: `http://127.0.0.1:${port}`,
        PASSWORD_MIN_STRENGTH: '0',
      });
      warn = jest.spyOn(Logger.prototype, 'warn');
    });
    afterAll(async () => {
      warn?.mockRestore();
      for (const res of stalled) res.destroy();
      await t?.close();
      range.closeAllConnections();
      await new Promise((resolve) => range.close(resolve));
    });
    beforeEach(() => {
      mode = 'answer';
      paths.length = 0;
      warn.mockClear();
    });

    it('refuses a listed password with 400, sending only the first 5 hex of its SHA-1', async () => {
      const res = await request(t.server)
        .post('/auth/register')
        .send({ email: 'breached@example.com', password: listed })
        .expect(400);
      expect(res.body).toMatchObject({ code: 'PASSWORD_POLICY' });
      expect(res.body.message).toMatch(/data breach.*choose/i);
      expect(JSON.stringify(res.body)).not.toContain(listed);
      expect(paths).toEqual([`/range/${sha1.slice(0, 5)}`]);
    });

    it('lets an unlisted password through; PASSWORD_MIN_STRENGTH=0 allows a weak one', async () => {
      await request(t.server)
        .post('/auth/register')
        .send({ email: 'unlisted@example.com', password: 'abcdefgh' })
        .expect(201);
      expect(paths).toHaveLength(1);
    });

    it.each(['stall', 'fail'] as const)(
      'lets the password through when the range API answers %s, with a warning that holds no secret',
      async (how) => {
        mode = how;
        await request(t.server)
          .post('/auth/register')
          .send({ email: `${how}@example.com`, password: listed })
          .expect(201);
        const logged = warn.mock.calls.map((call: unknown[]) => JSON.stringify(call)).join('\n');
        expect(logged).toMatch(/breached-password check/i);
        expect(logged).not.toContain(listed);
        expect(logged).not.toContain(sha1);
        expect(logged).not.toContain(sha1.slice(5));
      },
    );
  });

  describe('admin seed', () => {
    it('warns, without the password, when ADMIN_EMAIL exists without the admin role', async () => {
      const schema = await createTestSchema();
      const first = await startTestApp(adapter, {}, schema);
      const warn = jest.spyOn(Logger.prototype, 'warn');
      try {
        await request(first.server)
          .post('/auth/register')
          .send({ email: 'boss@example.com', password })
          .expect(201);
        const adminPassword = 'an admin passphrase for tests';
        const second = await startTestApp(
          adapter,
          { ADMIN_EMAIL: 'Boss@example.com', ADMIN_PASSWORD: adminPassword },
          schema,
        );
        await second.close();
        const logged = warn.mock.calls.map((call: unknown[]) => JSON.stringify(call)).join('\n');
        expect(logged).toMatch(/ADMIN_EMAIL.*exists.*without the admin role/);
        expect(logged).not.toContain(adminPassword);
      } finally {
        warn.mockRestore();
        await first.close();
        await schema.drop();
      }
    });
  });
});
