import type { DynamicModule, Provider } from '@nestjs/common';
import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import type { Clock } from '../core/clock.js';
import { systemClock, WARDEN_CLOCK } from '../core/clock.js';
import { HttpContext } from '../core/http-context.js';
import { SecurityEvents } from '../core/security-events.js';
import { WardenExceptionFilter } from '../errors/warden-exception.filter.js';
import { AttemptStore } from '../security/attempt.store.js';
import { LoginThrottle } from '../security/login-throttle.js';
import { MemoryAttemptStore } from '../security/memory-attempt.store.js';
import { RegisterThrottle } from '../security/register-throttle.js';
import { DEFAULT_MAX_BODY_BYTES, WARDEN_MAX_BODY_BYTES } from '../security/json-body.guard.js';
import { Authenticator } from '../session/authenticator.js';
import { resolveSessionOptions } from '../session/session.options.js';
import { SessionService } from '../session/session.service.js';
import { SessionStore } from '../session/session.store.js';
import { WARDEN_SESSION_OPTIONS } from '../session/session.tokens.js';
import { resolveAccessTokenOptions } from '../tokens/access-token.options.js';
import { AccessTokenService } from '../tokens/access-token.service.js';
import type { TokenLifetimes } from '../tokens/token.service.js';
import { TokenService } from '../tokens/token.service.js';
import { WARDEN_TOKEN_OPTIONS } from '../tokens/tokens.tokens.js';
import { AuthController } from './auth.controller.js';
import type { AuthModuleAsyncOptions, AuthModuleOptions } from './auth.module-definition.js';
import { AUTH_MODULE_OPTIONS, ConfigurableAuthModule } from './auth.module-definition.js';
import { LocalAuthGuard } from './guards/local-auth.guard.js';
import { RolesGuard } from './guards/roles.guard.js';
import { SessionAuthGuard } from './guards/session-auth.guard.js';
import { WardenAuthGuard } from './guards/warden-auth.guard.js';
import { CacheInterceptor } from './interceptors/cache.interceptor.js';
import { JwksController } from './jwks.controller.js';
import { LoginService } from './login.service.js';
import { PasswordChangeService } from './password-change.service.js';
import { SessionsController } from './sessions.controller.js';
import { AuthStartupCheck, requireUsersModule } from './startup-check.js';
import { LocalStrategy } from './strategies/local.strategy.js';
import { TokensController } from './tokens.controller.js';

/** Providers of bearer tokens, present only when tokens are mounted. */
const tokenProviders: Provider[] = [
  {
    provide: AccessTokenService,
    inject: [AUTH_MODULE_OPTIONS, WARDEN_CLOCK],
    useFactory: (options: AuthModuleOptions, clock: Clock) => {
      if (!options.tokens) {
        throw new Error(
          'AuthModule: tokens are mounted (forRootAsync({ tokens: true })) but the factory returned no `tokens` options',
        );
      }
      return new AccessTokenService(resolveAccessTokenOptions(options.tokens), clock);
    },
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
  TokenService,
];

/** Adds bearer tokens (routes, providers, exports) to the module when asked. */
function withTokens(module: DynamicModule, tokens: boolean): DynamicModule {
  if (!tokens) {
    const refuse: Provider = {
      provide: 'WARDEN:TOKENS_NOT_MOUNTED',
      inject: [AUTH_MODULE_OPTIONS],
      useFactory: (options: AuthModuleOptions) => {
        if (options.tokens) {
          throw new Error(
            'AuthModule: the factory returned `tokens` options but tokens are not mounted: pass forRootAsync({ tokens: true, ... })',
          );
        }
        return true;
      },
    };
    return { ...module, providers: [...(module.providers ?? []), refuse] };
  }
  return {
    ...module,
    controllers: [...(module.controllers ?? []), TokensController, JwksController],
    providers: [...(module.providers ?? []), ...tokenProviders],
    exports: [...(module.exports ?? []), TokenService, AccessTokenService],
  };
}

/**
 * The HTTP face of nest-warden: `/auth/*`, the guards, the local strategy, `CacheInterceptor` and
 * the exception filter (503 and 429 with `Retry-After`). Needs `UsersModule` imported once in the
 * app. Bearer tokens are mounted only when configured.
 *
 * ```ts
 * AuthModule.forRootAsync({
 *   inject: [REDIS],
 *   tokens: true,
 *   useFactory: (redis: Redis) => ({
 *     sessionStore: createRedisAdapters(redis).sessionStore,
 *     session: { secrets: process.env.SESSION_SECRETS!.split(',') },
 *     tokens: { secrets: [process.env.JWT_SECRET!] },
 *   }),
 * })
 * ```
 */
@Module({
  imports: [PassportModule],
  controllers: [AuthController, SessionsController],
  providers: [
    requireUsersModule,
    { provide: APP_FILTER, useClass: WardenExceptionFilter },
    {
      provide: SessionStore,
      inject: [AUTH_MODULE_OPTIONS],
      useFactory: (options: AuthModuleOptions) => {
        if (!options.sessionStore) {
          throw new Error(
            'AuthModule option sessionStore is missing: pass createRedisAdapters(redis).sessionStore, new RedisSessionStore(redis) or new MemorySessionStore() (one process, tests)',
          );
        }
        return options.sessionStore;
      },
    },
    {
      provide: WARDEN_MAX_BODY_BYTES,
      inject: [AUTH_MODULE_OPTIONS],
      useFactory: (options: AuthModuleOptions) => {
        const max = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
        if (!Number.isInteger(max) || max < 1) {
          throw new Error(`AuthModule option maxBodyBytes must be a positive integer, got ${max}`);
        }
        return max;
      },
    },
    AuthStartupCheck,
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
    {
      provide: AttemptStore,
      inject: [AUTH_MODULE_OPTIONS],
      useFactory: (options: AuthModuleOptions) =>
        options.loginThrottle?.store ?? new MemoryAttemptStore(),
    },
    {
      provide: LoginThrottle,
      inject: [AUTH_MODULE_OPTIONS, AttemptStore, WARDEN_CLOCK, SecurityEvents],
      useFactory: (
        options: AuthModuleOptions,
        store: AttemptStore,
        clock: Clock,
        events: SecurityEvents,
      ) => {
        const { store: _store, ...limits } = options.loginThrottle ?? {};
        return new LoginThrottle(store, limits, clock, events);
      },
    },
    {
      provide: RegisterThrottle,
      inject: [AUTH_MODULE_OPTIONS, AttemptStore, WARDEN_CLOCK],
      useFactory: (options: AuthModuleOptions, store: AttemptStore, clock: Clock) =>
        new RegisterThrottle(store, options.registerThrottle ?? {}, clock),
    },
    SessionService,
    Authenticator,
    HttpContext,
    LoginService,
    PasswordChangeService,
    LocalStrategy,
    LocalAuthGuard,
    SessionAuthGuard,
    WardenAuthGuard,
    RolesGuard,
    CacheInterceptor,
  ],
  exports: [
    CacheInterceptor,
    LoginThrottle,
    LoginService,
    SessionService,
    Authenticator,
    SessionStore,
    SessionAuthGuard,
    WardenAuthGuard,
    RolesGuard,
    HttpContext,
    WARDEN_CLOCK,
    WARDEN_MAX_BODY_BYTES,
  ],
})
export class AuthModule extends ConfigurableAuthModule {
  /** With options known now; bearer tokens are mounted when `options.tokens` is set. */
  static override forRoot(options: AuthModuleOptions): DynamicModule {
    return withTokens(super.forRoot(options), Boolean(options.tokens));
  }

  /** With options from a factory; pass `tokens: true` to mount bearer tokens. */
  static override forRootAsync(options: AuthModuleAsyncOptions): DynamicModule {
    const { tokens, ...rest } = options;
    return withTokens(super.forRootAsync(rest), Boolean(tokens));
  }
}
