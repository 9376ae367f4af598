// A separate NestJS app that installs the packed nest-warden tarball and uses only its public
// entry. test/e2e/package.spec.ts compiles this against the tarball and runs it.
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  AuthModule,
  MemorySessionStore,
  MemoryUserRepository,
  UsersModule,
  UsersService,
  type UserRecord,
} from 'nest-warden';
import { loginForTest } from 'nest-warden/testing';

@Module({
  imports: [
    UsersModule.forRoot({ repository: new MemoryUserRepository() }),
    AuthModule.forRoot({
      sessionStore: new MemorySessionStore(),
      session: { secrets: ['consumer-secret-0123456789abcdefghijkl'], cookieSecure: false },
    }),
  ],
})
class ConsumerModule {}

const app = await NestFactory.create(ConsumerModule, { logger: false });
await app.listen(0, '127.0.0.1');
const { port } = app.getHttpServer().address() as { port: number };
const response = await fetch(`http://127.0.0.1:${port}/auth/register`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({
    email: ' Consumer@Example.com',
    password: 'correct horse battery staple',
  }),
});
const login = await loginForTest(app, {
  email: 'helper@example.com',
  password: 'correct horse battery staple',
  roles: ['user'],
});
const me = await fetch(`http://127.0.0.1:${port}/auth/me`, { headers: login.headers });
const user: UserRecord | null = await app.get(UsersService).findByEmail('consumer@example.com');
console.log(
  JSON.stringify({
    status: response.status,
    found: user?.email === 'consumer@example.com',
    me: me.status,
  }),
);
await app.close();
