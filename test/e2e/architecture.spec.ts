import type { ArgumentsHost, ExceptionFilter, INestApplication } from '@nestjs/common';
import { Catch, Controller, Get, HttpException, Module, NotFoundException } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Test } from '@nestjs/testing';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import request from 'supertest';
import {
  AuthModule,
  MemorySessionStore,
  MemoryUserRepository,
  Public,
  UsersModule,
  UsersService,
} from '../../src/index.js';
import type { TestApp } from '../support/app.js';
import { ADAPTERS, startTestApp } from '../support/app.js';
import { ROOT } from '../support/processes.js';

const password = 'correct horse battery staple';
const secrets = ['architecture-secret-0123456789abcdefghij'];
const tokenOptions = { secrets: ['architecture-jwt-secret-0123456789abcdefghij'] };

describe.each(ADAPTERS)('one login path on %s', (adapter) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp(adapter);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('records lastLoginAt for a token login as for a cookie login', async () => {
    const email = `last-login-${adapter}@example.com`;
    await request(t.server).post('/auth/register').send({ email, password }).expect(201);
    const users = t.app.get(UsersService);
    expect((await users.findByEmail(email))?.lastLoginAt ?? null).toBeNull();
    await request(t.server).post('/auth/token').send({ email, password }).expect(200);
    const afterToken = (await users.findByEmail(email))?.lastLoginAt;
    expect(afterToken).toBeInstanceOf(Date);
    await request(t.server).post('/auth/login').send({ email, password }).expect(200);
    expect((await users.findByEmail(email))!.lastLoginAt!.getTime()).toBeGreaterThanOrEqual(
      afterToken!.getTime(),
    );
  });

  it("writes a returning user's lastLoginAt within the batch interval (a second)", async () => {
    const email = `returning-${adapter}@example.com`;
    await request(t.server).post('/auth/register').send({ email, password }).expect(201);
    const users = t.app.get(UsersService);
    await request(t.server).post('/auth/login').send({ email, password }).expect(200);
    const first = (await users.findByEmail(email))?.lastLoginAt;
    expect(first).toBeInstanceOf(Date); // a first login is written at once
    await new Promise((resolve) => setTimeout(resolve, 20));
    const sent = Date.now();
    await request(t.server).post('/auth/login').send({ email, password }).expect(200);
    let latest = first!;
    for (let i = 0; i < 30 && latest.getTime() === first!.getTime(); i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      latest = (await users.findByEmail(email))!.lastLoginAt!;
    }
    expect(latest.getTime()).toBeGreaterThanOrEqual(sent);
    expect(latest.getTime()).toBeLessThanOrEqual(Date.now());
  });
});

/** A host app's own filter for its own HTTP errors. */
@Catch(HttpException)
class HostHttpFilter implements ExceptionFilter {
  catch(exception: HttpException, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<{
      status: (code: number) => { json: (body: unknown) => void };
    }>();
    response.status(exception.getStatus()).json({ host: true, status: exception.getStatus() });
  }
}

@Controller('things')
class ThingsController {
  @Public()
  @Get('missing')
  missing(): never {
    throw new NotFoundException('no such thing');
  }
}

async function hostApp(auth: ReturnType<typeof AuthModule.forRoot>, withFilter = false) {
  @Module({
    imports: [UsersModule.forRoot({ repository: new MemoryUserRepository() }), auth],
    controllers: [ThingsController],
    providers: withFilter ? [{ provide: APP_FILTER, useClass: HostHttpFilter }] : [],
  })
  class HostModule {}
  const moduleRef = await Test.createTestingModule({ imports: [HostModule] }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  return app;
}

describe('optional parts are absent, not 404 at run time', () => {
  let app: INestApplication | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it('mounts no token routes without `tokens`: 404, nothing in Swagger, a bearer header is no credential', async () => {
    app = await hostApp(
      AuthModule.forRoot({ sessionStore: new MemorySessionStore(), session: { secrets } }),
    );
    const server = app.getHttpServer();
    await request(server)
      .post('/auth/token')
      .send({ email: 'a@example.com', password })
      .expect(404);
    await request(server).get('/.well-known/jwks.json').expect(404);
    await request(server).get('/auth/me').set('Authorization', 'Bearer x.y.z').expect(401);
    const document = SwaggerModule.createDocument(app, new DocumentBuilder().build());
    expect(Object.keys(document.paths).filter((p) => p.startsWith('/auth/token'))).toEqual([]);
    expect(Object.keys(document.paths)).toContain('/auth/login');
  });

  it('mounts and documents them with `tokens`', async () => {
    app = await hostApp(
      AuthModule.forRoot({
        sessionStore: new MemorySessionStore(),
        session: { secrets },
        tokens: tokenOptions,
      }),
    );
    const document = SwaggerModule.createDocument(app, new DocumentBuilder().build());
    expect(Object.keys(document.paths)).toEqual(
      expect.arrayContaining(['/auth/token', '/auth/token/refresh', '/auth/token/revoke']),
    );
  });

  it('refuses to boot when forRootAsync mounts tokens the factory does not configure, or the reverse', async () => {
    await expect(
      hostApp(
        AuthModule.forRootAsync({
          tokens: true,
          useFactory: () => ({ sessionStore: new MemorySessionStore(), session: { secrets } }),
        }),
      ),
    ).rejects.toThrow(/tokens: true.*no `tokens` options/);
    await expect(
      hostApp(
        AuthModule.forRootAsync({
          useFactory: () => ({
            sessionStore: new MemorySessionStore(),
            session: { secrets },
            tokens: tokenOptions,
          }),
        }),
      ),
    ).rejects.toThrow(/not mounted: pass forRootAsync\(\{ tokens: true/);
  });
});

describe("the library's exception filter", () => {
  it("leaves the host app's own errors to the host app's filters", async () => {
    const app = await hostApp(
      AuthModule.forRoot({ sessionStore: new MemorySessionStore(), session: { secrets } }),
      true,
    );
    try {
      await request(app.getHttpServer())
        .get('/things/missing')
        .expect(404, { host: true, status: 404 });
    } finally {
      await app.close();
    }
  });
});

describe('the source layout', () => {
  it('has no two-way imports between the folders of src/', () => {
    const root = join(ROOT, 'src');
    const edges = new Map<string, Set<string>>();
    const walk = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
        entry.isDirectory() ? walk(join(dir, entry.name)) : [join(dir, entry.name)],
      );
    for (const file of walk(root).filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts'))) {
      const from = relative(root, file).split(sep)[0];
      if (from.endsWith('.ts')) continue;
      for (const [, path] of readFileSync(file, 'utf8').matchAll(/from '(\.[^']+)'/g)) {
        const to = relative(root, resolve(dirname(file), path)).split(sep)[0];
        if (to !== from && !to.endsWith('.js'))
          edges.set(from, (edges.get(from) ?? new Set()).add(to));
      }
    }
    const twoWay = [...edges].flatMap(([from, tos]) =>
      [...tos].filter((to) => edges.get(to)?.has(from)).map((to) => `${from} <-> ${to}`),
    );
    expect(twoWay).toEqual([]);
  });
});
