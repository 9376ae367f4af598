import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { ValidationPipe } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import {
  AuthModule,
  MemorySessionStore,
  MemoryUserRepository,
  UsersModule,
  UsersService,
} from '../../src/index.js';
import { ADAPTERS, type Adapter } from '../support/app.js';

const password = 'correct horse battery staple';

/**
 * A host app as the README wires it: no body-parser settings, no trust-proxy setting unless
 * `trustProxy` (the proxies' addresses) is given, then set the README's way for the adapter.
 */
async function hostApp(
  adapter: Adapter,
  options: { trustProxy?: string; maxBodyBytes?: number } = {},
): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      UsersModule.forRoot({ repository: new MemoryUserRepository() }),
      AuthModule.forRoot({
        sessionStore: new MemorySessionStore(),
        session: { secrets: ['host-hygiene-secret-0123456789abcdefghij'], cookieSecure: false },
        maxBodyBytes: options.maxBodyBytes,
      }),
    ],
  }).compile();
  const proxies = options.trustProxy;
  let app: INestApplication;
  if (adapter === 'fastify') {
    app = moduleRef.createNestApplication<NestFastifyApplication>(
      new FastifyAdapter(proxies === undefined ? {} : { trustProxy: proxies }),
      { logger: false },
    );
  } else {
    const express = moduleRef.createNestApplication<NestExpressApplication>({ logger: false });
    if (proxies !== undefined) express.set('trust proxy', proxies);
    app = express;
  }
  // A host app's own global pipe: nest-warden's depth limit must still answer first.
  app.useGlobalPipes(new ValidationPipe());
  await app.init();
  if (adapter === 'fastify') {
    await (app.getHttpAdapter().getInstance() as { ready: () => Promise<void> }).ready();
  }
  return app;
}

/** POSTs `body` with `Transfer-Encoding: chunked` (no Content-Length) to a listening app. */
async function postChunked(app: INestApplication, path: string, body: string) {
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return new Promise<{ status: number; body: Record<string, unknown> }>((resolve, reject) => {
    const req = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    for (let i = 0; i < body.length; i += 512) req.write(body.slice(i, i + 512));
    req.end();
  });
}

describe.each(ADAPTERS)('a host app on %s gets the library hygiene', (adapter) => {
  describe('body size and depth limits on nest-warden routes', () => {
    let app: INestApplication;
    beforeAll(async () => {
      app = await hostApp(adapter);
    });
    afterAll(async () => {
      await app?.close();
    });

    it('answers a body over the 16 KB default with 413 PAYLOAD_TOO_LARGE, no-store', async () => {
      const res = await request(app.getHttpServer())
        .post('/auth/register')
        .send({ email: 'big@example.com', password: 'x'.repeat(17 * 1024) });
      expect(res.status).toBe(413);
      expect(res.body).toEqual({
        statusCode: 413,
        message: 'Request body must be at most 16384 bytes',
        error: 'Payload Too Large',
        code: 'PAYLOAD_TOO_LARGE',
      });
      expect(res.headers['cache-control']).toBe('no-store');
      expect(await app.get(UsersService).findByEmail('big@example.com')).toBeNull();
    });

    it('lets a body under the limit through', async () => {
      await request(app.getHttpServer())
        .post('/auth/register')
        .send({ email: 'small@example.com', password, displayName: 'y'.repeat(50) })
        .expect(201);
    });

    it('answers a body nested 100 levels deep with 400 VALIDATION_FAILED, never a 500', async () => {
      const deep = JSON.stringify({
        email: 'a@example.com',
        password,
        x: JSON.parse('['.repeat(100) + ']'.repeat(100)),
      });
      const res = await request(app.getHttpServer())
        .post('/auth/login')
        .set('Content-Type', 'application/json')
        .send(deep);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
    });
  });

  describe('maxBodyBytes', () => {
    let app: INestApplication;
    beforeAll(async () => {
      app = await hostApp(adapter, { maxBodyBytes: 1024 });
    });
    afterAll(async () => {
      await app?.close();
    });

    it('applies a configured limit by Content-Length, and by the parsed size when chunked', async () => {
      const body = JSON.stringify({ email: 'c@example.com', password: 'z'.repeat(2000) });
      const byLength = await request(app.getHttpServer())
        .post('/auth/login')
        .set('Content-Type', 'application/json')
        .send(body);
      expect(byLength.status).toBe(413);
      expect(byLength.body.message).toBe('Request body must be at most 1024 bytes');
      const chunked = await postChunked(app, '/auth/login', body);
      expect(chunked.status).toBe(413);
      expect(chunked.body.code).toBe('PAYLOAD_TOO_LARGE');
    });
  });

  describe('client IP behind a proxy', () => {
    async function sessionIp(app: INestApplication): Promise<string> {
      const server = app.getHttpServer();
      const email = `ip-${adapter}@example.com`;
      await app.get(UsersService).register({ email, password });
      const login = await request(server)
        .post('/auth/login')
        .set('X-Forwarded-For', '203.0.113.7')
        .send({ email, password })
        .expect(200);
      const cookie = ([] as string[]).concat(login.headers['set-cookie'])[0].split(';')[0];
      const sessions = await request(server)
        .get('/auth/sessions')
        .set('X-Forwarded-For', '203.0.113.7')
        .set('Cookie', cookie)
        .expect(200);
      return sessions.body[0].ip;
    }

    it('ignores X-Forwarded-For by default (a client cannot choose its throttle IP)', async () => {
      const app = await hostApp(adapter);
      try {
        expect(await sessionIp(app)).toMatch(/127\.0\.0\.1$/);
      } finally {
        await app.close();
      }
    });

    it("takes the client IP from X-Forwarded-For once the adapter trusts the proxy's address", async () => {
      // The proxy (here: the test client) is on loopback. Fastify ignores a bare hop count
      // (trustProxy: 1 fails closed), so the README gives addresses for both adapters.
      const app = await hostApp(adapter, { trustProxy: 'loopback' });
      try {
        expect(await sessionIp(app)).toBe('203.0.113.7');
      } finally {
        await app.close();
      }
    });
  });
});
