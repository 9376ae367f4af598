import type { DynamicModule } from '@nestjs/common';
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
import { AuthController } from './auth.controller.js';
import { withFeatures } from './auth.features.js';
import { WARDEN_REAUTH_MAX_AGE } from './auth.constants.js';
import { RecentAuthGuard } from './guards/recent-auth.guard.js';
import { MfaRequiredGuard } from './guards/mfa-required.guard.js';
import { ReauthService } from './reauth.service.js';
import type { AuthModuleAsyncOptions, AuthModuleOptions } from './auth.module-definition.js';
import { AUTH_MODULE_OPTIONS, ConfigurableAuthModule } from './auth.module-definition.js';
import { LocalAuthGuard } from './guards/local-auth.guard.js';
import { RolesGuard } from './guards/roles.guard.js';
import { SessionAuthGuard } from './guards/session-auth.guard.js';
import { WardenAuthGuard } from './guards/warden-auth.guard.js';
import { CacheInterceptor } from './interceptors/cache.interceptor.js';
import { LoginService } from './login.service.js';
import { PasswordChangeService } from './password-change.service.js';
import { SessionsController } from './sessions.controller.js';
import { AuthStartupCheck, requireUsersModule } from './startup-check.js';
import { LocalStrategy } from './strategies/local.strategy.js';

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
    ReauthService,
    {
      provide: WARDEN_REAUTH_MAX_AGE,
      inject: [AUTH_MODULE_OPTIONS],
      useFactory: (options: AuthModuleOptions) => {
        const seconds = options.reauthMaxAgeSeconds ?? 300;
        if (!Number.isInteger(seconds) || seconds < 1) {
          throw new Error(
            `AuthModule option reauthMaxAgeSeconds must be a positive integer, got ${seconds}`,
          );
        }
        return seconds;
      },
    },
    RecentAuthGuard,
    MfaRequiredGuard,
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
    RecentAuthGuard,
    MfaRequiredGuard,
    WARDEN_REAUTH_MAX_AGE,
    HttpContext,
    WARDEN_CLOCK,
    WARDEN_MAX_BODY_BYTES,
  ],
})
export class AuthModule extends ConfigurableAuthModule {
  /** With options known now; bearer tokens are mounted when `options.tokens` is set. */
  static override forRoot(options: AuthModuleOptions): DynamicModule {
    return withFeatures(super.forRoot(options), {
      tokens: Boolean(options.tokens),
      account: Boolean(options.account),
      mfa: Boolean(options.mfa),
      passkeys: Boolean(options.passkeys),
      admin: Boolean(options.admin),
      audit: Boolean(options.audit),
      metrics: Boolean(options.metrics),
    });
  }

  /**
   * With options from a factory; pass `tokens: true` to mount bearer tokens, `account: true` the
   * account lifecycle, `mfa: true` multi-factor authentication, `passkeys: true` passkeys,
   * `admin: true` the admin API, `audit: true` the audit log and `metrics: true` Prometheus
   * metrics (routes and providers are fixed before the factory runs).
   */
  static override forRootAsync(options: AuthModuleAsyncOptions): DynamicModule {
    const { tokens, account, mfa, passkeys, admin, audit, metrics, ...rest } = options;
    return withFeatures(super.forRootAsync(rest), {
      tokens: Boolean(tokens),
      account: Boolean(account),
      mfa: Boolean(mfa),
      passkeys: Boolean(passkeys),
      admin: Boolean(admin),
      audit: Boolean(audit),
      metrics: Boolean(metrics),
    });
  }
}
