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

  describe('POST /auth/register cost', () => {
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
  });
});
