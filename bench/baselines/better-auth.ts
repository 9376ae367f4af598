// Baseline `better-auth`: better-auth 1.7 mounted in Nest (Express) through the community
// adapter @thallesp/nestjs-better-auth, as their READMEs show it: Nest's body parser off (the
// module re-adds it outside better-auth's routes), AuthModule.forRoot({ auth }) with its global
// AuthGuard, and a controller that reads the session with @Session(). better-auth serves its
// own routes under /api/auth (sign-up/email, sign-in/email, ...); GET /auth/me returns the
// session's user. Setup in ./better-auth-setup.ts (PostgreSQL in its own schema, created at
// startup with better-auth's migration API; sessions in Redis; Argon2id).
// BETTER_AUTH_COOKIE_CACHE=1 turns on its documented cookie cache (session.cookieCache, 5 min).
import 'reflect-metadata';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AuthModule, Session } from '@thallesp/nestjs-better-auth';
import type { UserSession } from '@thallesp/nestjs-better-auth';
import { Redis } from 'ioredis';
import { createBetterAuth, migrateBetterAuth } from './better-auth-setup.js';
import { announce, env } from './common.js';

const redis = new Redis(env.redisUrl);
const { auth, options } = createBetterAuth({
  databaseUrl: env.databaseUrl,
  redis,
  keyPrefix: env.redisPrefix,
  secret: env.secret,
  baseURL: process.env.APP_URL ?? 'https://bench.example.test',
  cookieCache: process.env.BETTER_AUTH_COOKIE_CACHE === '1',
});
await migrateBetterAuth(options);

@Controller('auth')
class MeController {
  // Guarded by the module's global AuthGuard: auth.api.getSession() on the request's headers,
  // 401 without a session.
  @Get('me')
  me(@Session() session: UserSession) {
    return session.user;
  }
}

@Module({ imports: [AuthModule.forRoot({ auth })], controllers: [MeController] })
class BetterAuthBenchModule {}

const app = await NestFactory.create(BetterAuthBenchModule, {
  logger: ['error', 'warn'],
  // The adapter's README: better-auth reads the raw body of its routes itself.
  bodyParser: false,
});
await app.listen(env.port, '127.0.0.1');
announce(process.env.BETTER_AUTH_COOKIE_CACHE === '1' ? 'better-auth-cookie-cache' : 'better-auth');
