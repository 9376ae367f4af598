import { Module } from '@nestjs/common';
import { APP_FILTER, ModuleRef } from '@nestjs/core';
import type { Clock } from '../session/clock.js';
import { AccessTokenService } from '../tokens/access-token.service.js';
import { resolveAccessTokenOptions } from '../tokens/access-token.options.js';
import type { TokenLifetimes } from '../tokens/token.service.js';
import { TokenService } from '../tokens/token.service.js';
import { WARDEN_TOKEN_OPTIONS } from '../tokens/tokens.tokens.js';
import { TokensController } from './tokens.controller.js';
import { JwksController } from './jwks.controller.js';
import { PassportModule } from '@nestjs/passport';
import { WardenExceptionFilter } from '../errors/warden-exception.filter.js';
import { systemClock, WARDEN_CLOCK } from '../session/clock.js';
import { resolveSessionOptions } from '../session/session.options.js';
import { SessionService } from '../session/session.service.js';
import { SessionStore } from '../session/session.store.js';
import { WARDEN_SESSION_OPTIONS } from '../session/session.tokens.js';
import { AuthController } from './auth.controller.js';
import { CacheInterceptor } from '../cache/cache.interceptor.js';
import { SessionsController } from './sessions.controller.js';
import { AuthGuard } from './guards/auth.guard.js';
import { RolesGuard } from './guards/roles.guard.js';
import type { AuthModuleOptions } from './auth.module-definition.js';
import { AUTH_MODULE_OPTIONS, ConfigurableAuthModule } from './auth.module-definition.js';
import { LocalAuthGuard } from './guards/local-auth.guard.js';
import { NoStoreGuard } from './guards/no-store.guard.js';
import { SessionAuthGuard } from './guards/session-auth.guard.js';
import { HttpContext } from './http-context.js';
import { LocalStrategy } from './strategies/local.strategy.js';
import { LoginThrottle } from '../security/login-throttle.js';
import { PasswordChangeService } from './password-change.service.js';
import { MemoryAttemptStore } from '../security/memory-attempt.store.js';
import { SecurityEvents } from '../security/security-events.js';
import { RegisterThrottle } from '../security/register-throttle.js';

/**
 * The HTTP face of nest-warden: `/auth/*`, the session guard, the local strategy and the
 * exception filter (503 + `Retry-After`). Needs `UsersModule` imported once in the app.
 *
 * ```ts
 * AuthModule.forRootAsync({
 *   inject: [REDIS],
 *   useFactory: (redis: Redis) => ({
 *     sessionStore: new RedisSessionStore(redis),
 *     session: { secrets: process.env.SESSION_SECRETS!.split(',') },
 *   }),
 * })
 * ```
 */
@Module({
  imports: [PassportModule],
  controllers: [AuthController, SessionsController, TokensController, JwksController],
  providers: [
    { provide: APP_FILTER, useClass: WardenExceptionFilter },
    {
      provide: SessionStore,
      inject: [AUTH_MODULE_OPTIONS],
      useFactory: (options: AuthModuleOptions) => options.sessionStore,
    },
    {
      provide: WARDEN_SESSION_OPTIONS,
      inject: [AUTH_MODULE_OPTIONS],
      useFactory: (options: AuthModuleOptions) => resolveSessionOptions(options.session),
    },
    {
      provide: WARDEN_CLOCK,
      inject: [AUTH_MODULE_OPTIONS],
      useFactory: (options: AuthModuleOptions) => options.clock ?? systemClock,
    },
    SessionService,
    {
      provide: LoginThrottle,
      inject: [AUTH_MODULE_OPTIONS, WARDEN_CLOCK, SecurityEvents],
      useFactory: (options: AuthModuleOptions, clock: Clock, events: SecurityEvents) => {
        const { store, ...limits } = options.loginThrottle ?? {};
        return new LoginThrottle(store ?? new MemoryAttemptStore(clock), limits, clock, events);
      },
    },
    {
      provide: RegisterThrottle,
      inject: [AUTH_MODULE_OPTIONS, WARDEN_CLOCK],
      useFactory: (options: AuthModuleOptions, clock: Clock) => {
        const store = options.loginThrottle?.store ?? new MemoryAttemptStore(clock);
        return new RegisterThrottle(store, options.registerThrottle ?? {}, clock);
      },
    },
    {
      provide: AccessTokenService,
      inject: [AUTH_MODULE_OPTIONS, WARDEN_CLOCK],
      useFactory: (options: AuthModuleOptions, clock: Clock) =>
        options.tokens
          ? new AccessTokenService(resolveAccessTokenOptions(options.tokens), clock)
          : null,
    },
    {
      provide: WARDEN_TOKEN_OPTIONS,
      inject: [AUTH_MODULE_OPTIONS],
      useFactory: (options: AuthModuleOptions): TokenLifetimes => {
        const grace = options.tokens?.refreshGraceSeconds ?? 0;
        if (grace < 0 || grace > 10) {
          throw new Error('tokens.refreshGraceSeconds must be between 0 and 10');
        }
        return {
          refreshTtlSeconds: options.tokens?.refreshTtlSeconds ?? 1_209_600,
          graceMs: grace * 1000,
        };
      },
    },
    {
      provide: TokenService,
      inject: [AUTH_MODULE_OPTIONS, ModuleRef],
      useFactory: async (options: AuthModuleOptions, moduleRef: ModuleRef) =>
        options.tokens ? moduleRef.create(TokenService) : null,
    },
    HttpContext,
    PasswordChangeService,
    LocalStrategy,
    LocalAuthGuard,
    NoStoreGuard,
    SessionAuthGuard,
    AuthGuard,
    RolesGuard,
    CacheInterceptor,
  ],
  exports: [
    CacheInterceptor,
    LoginThrottle,
    RegisterThrottle,
    TokenService,
    AccessTokenService,
    SessionService,
    SessionStore,
    SessionAuthGuard,
    AuthGuard,
    RolesGuard,
    NoStoreGuard,
    HttpContext,
    WARDEN_CLOCK,
  ],
})
export class AuthModule extends ConfigurableAuthModule {}
