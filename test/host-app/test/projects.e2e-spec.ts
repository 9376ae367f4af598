import type { INestApplication } from '@nestjs/common';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { loginForTest } from 'nest-warden/testing';
import request from 'supertest';
import { AppModule } from '../src/app.module.js';

// The same compiled test runs under Jest (ESM) and Vitest (globals: true); HTTP_ADAPTER picks
// Express (default) or Fastify.
describe('ProjectsController', () => {
  let app: INestApplication;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
    app = moduleRef.createNestApplication(
      process.env.HTTP_ADAPTER === 'fastify' ? new FastifyAdapter() : new ExpressAdapter(),
      { logger: false },
    );
    await app.listen(0, '127.0.0.1'); // supertest and loginForTest need a listening server
  });
  afterAll(async () => {
    await app?.close();
  });

  it('answers 401 without a login and 200 with one', async () => {
    await request(app.getHttpServer()).get('/projects').expect(401);
    const alice = await loginForTest(app, {
      email: 'alice@example.com',
      password: 'correct horse battery staple',
    });
    await request(app.getHttpServer())
      .get('/projects')
      .set('Cookie', alice.cookie)
      .expect(200, { owner: 'alice@example.com', projects: [] });
  });

  it('needs the CSRF token on a cookie POST', async () => {
    const bob = await loginForTest(app, {
      email: 'bob@example.com',
      password: 'correct horse battery staple',
    });
    const server = app.getHttpServer();
    await request(server)
      .post('/projects')
      .set('Cookie', bob.cookie)
      .send({ name: 'x' })
      .expect(403);
    await request(server)
      .post('/projects')
      .set(bob.headers) // Cookie and X-CSRF-Token
      .send({ name: 'x' })
      .expect(201, { name: 'x', owner: bob.userId });
  });

  it('checks roles', async () => {
    const carol = await loginForTest(app, {
      email: 'carol@example.com',
      password: 'correct horse battery staple',
    });
    const admin = await loginForTest(app, {
      email: 'admin@example.com',
      password: 'correct horse battery staple',
      roles: ['admin'],
    });
    await request(app.getHttpServer()).get('/projects/members').set(carol.headers).expect(403);
    const { body } = await request(app.getHttpServer())
      .get('/projects/members')
      .set(admin.headers)
      .expect(200);
    expect(body.map((user: { email: string }) => user.email)).toContain('admin@example.com');
  });

  it('accepts a bearer token from POST /auth/token', async () => {
    await loginForTest(app, {
      email: 'dave@example.com',
      password: 'correct horse battery staple',
    });
    const { body } = await request(app.getHttpServer())
      .post('/auth/token')
      .send({ email: 'dave@example.com', password: 'correct horse battery staple' })
      .expect(200);
    await request(app.getHttpServer())
      .post('/projects')
      .set('Authorization', `Bearer ${body.accessToken}`)
      .send({ name: 'y' })
      .expect(201);
  });
});
