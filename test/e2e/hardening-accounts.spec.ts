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
});
