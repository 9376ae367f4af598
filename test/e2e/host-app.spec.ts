import type { INestApplication } from '@nestjs/common';
import { Controller, Get, Module, Post, UseInterceptors } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import {
  Auth,
  WardenAuthGuard,
  AuthModule,
  CacheInterceptor,
  CurrentUser,
  MemorySessionStore,
  MemoryUserRepository,
  Public,
  UsersModule,
} from '../../src/index.js';
import { loginForTest } from '../../src/testing/index.js';
import type { CachedUser, UserRecord } from '../../src/index.js';

@Controller('projects')
class ProjectsController {
  @Public()
  @Get('public')
  open() {
    return { open: true };
  }

  @Public()
  @UseInterceptors(CacheInterceptor)
  @Get('greeting')
  greeting(@CurrentUser() user?: CachedUser) {
    return { hello: user?.email ?? 'anonymous' };
  }

  @Get()
  list(@CurrentUser() user: UserRecord) {
    return { owner: user.email };
  }

  @Post()
  create() {
    return { created: true };
  }

  @Auth('admin')
  @Get('admin')
  admin() {
    return { admin: true };
  }
}

@Module({
  imports: [
    UsersModule.forRoot({ repository: new MemoryUserRepository() }),
    AuthModule.forRoot({
      sessionStore: new MemorySessionStore(),
      session: { secrets: ['host-app-secret-0123456789abcdefghijk'], cookieSecure: false },
    }),
  ],
  controllers: [ProjectsController],
  providers: [{ provide: APP_GUARD, useClass: WardenAuthGuard }],
})
class HostAppModule {}

describe('a host app with WardenAuthGuard installed globally', () => {
  let app: INestApplication;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({ imports: [HostAppModule] }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
  });
  afterAll(async () => {
    await app?.close();
  });

  it('lets @Public() routes through and guards everything else, /auth/login included as public', async () => {
    await request(app.getHttpServer()).get('/projects/public').expect(200, { open: true });
    await request(app.getHttpServer()).get('/projects').expect(401);
  });

  it('logs a user in with loginForTest and uses the cookie and CSRF token with supertest', async () => {
    const alice = await loginForTest(app, {
      email: 'alice@example.com',
      password: 'a long passphrase here',
    });
    await request(app.getHttpServer())
      .get('/projects')
      .set('Cookie', alice.cookie)
      .expect(200, { owner: 'alice@example.com' });
    await request(app.getHttpServer()).post('/projects').set('Cookie', alice.cookie).expect(403);
    await request(app.getHttpServer()).post('/projects').set(alice.headers).expect(201);
    await request(app.getHttpServer())
      .get('/projects/admin')
      .set('Cookie', alice.cookie)
      .expect(403);
    const root = await loginForTest(app, {
      email: 'root@example.com',
      password: 'another long passphrase',
      roles: ['admin'],
    });
    await request(app.getHttpServer())
      .get('/projects/admin')
      .set('Cookie', root.cookie)
      .expect(200);
  });

  it('greets a signed-in user on a public route through CacheInterceptor, anonymous otherwise', async () => {
    const bob = await loginForTest(app, {
      email: 'bob@example.com',
      password: 'bob has a passphrase',
    });
    const server = app.getHttpServer();
    await request(server)
      .get('/projects/greeting')
      .set('Cookie', bob.cookie)
      .expect(200, { hello: 'bob@example.com' });
    await request(server).get('/projects/greeting').expect(200, { hello: 'anonymous' });
    await request(server)
      .get('/projects/greeting')
      .set('Cookie', 'sid=forged')
      .expect(200, { hello: 'anonymous' });
    await request(server)
      .get('/projects/greeting')
      .set('Authorization', 'Bearer not-a-token')
      .expect(200, { hello: 'anonymous' });
  });
});
