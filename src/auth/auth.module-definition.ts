import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { Clock } from '../core/clock.js';
import type { SessionOptions } from '../session/session.options.js';
import type { SessionStore } from '../session/session.store.js';
import type { AccessTokenOptions } from '../tokens/access-token.options.js';
import type { AccountOptions } from '../account/account.options.js';
import type { AuditOptions } from '../audit/audit.options.js';
import type { MfaOptions } from '../mfa/mfa.options.js';
import type { PasskeyOptions } from '../passkeys/passkey.options.js';
import type { MetricsOptions } from '../metrics/metrics.options.js';
import type { AttemptStore } from '../security/attempt.store.js';
import type { LoginThrottleOptions } from '../security/login-throttle.options.js';
import type { RegisterThrottleOptions } from '../security/register-throttle.js';

/** Options of {@link AuthModule}. Users come from `UsersModule`, imported once in the app. */
export interface AuthModuleOptions {
  /** Where sessions live: `new RedisSessionStore(redis)` (production) or `new MemorySessionStore()`. */
  sessionStore: SessionStore;
  /** Secrets, lifetimes, rotation and cookie settings of sessions. */
  session: SessionOptions;
  /** Where time comes from. @default the system clock */
  clock?: Clock;
  /**
   * When a session is used from another IP or user agent than at login: `'log'` emits
   * `warden.session.context-changed` and lets it through; `'reject'` also ends the session
   * (the user logs in again). @default 'log'
   */
  onContextChange?: 'log' | 'reject';
  /**
   * Throttling of failed credential attempts (login, token, password change) per account, per
   * client IP and per both, with a growing lockout (429 + `Retry-After`). `store`: where the
   * counters live, `new RedisAttemptStore(redis)` when several instances serve the app.
   * @default limits of {@link LoginThrottleOptions}, counters in process memory
   */
  loginThrottle?: LoginThrottleOptions & { store?: AttemptStore };
  /**
   * Throttling of `POST /auth/register` per client IP (every attempt counts; 429 +
   * `Retry-After` past the limit). The counters live in `loginThrottle.store`.
   * @default limits of {@link RegisterThrottleOptions}
   */
  registerThrottle?: RegisterThrottleOptions;
  /**
   * Bearer tokens (`/auth/token*`, `/.well-known/jwks.json`, `Authorization: Bearer`). Omit and
   * they are not mounted at all (no routes, nothing in Swagger); with `forRootAsync` also pass
   * `tokens: true` beside `useFactory`, since routes are fixed before the factory runs. Access
   * tokens per {@link AccessTokenOptions}; `refreshTtlSeconds` @default 1209600.
   */
  tokens?: AccessTokenOptions & {
    refreshTtlSeconds?: number;
    /** Refresh grace window in seconds, 0 (off) to 10. @default 0 */
    refreshGraceSeconds?: number;
  };
  /**
   * Check the stores once at boot (`sessionStore`, `loginThrottle.store`: PING, at most 3 s) and
   * fail the boot with a message saying how to fix an unreachable Redis or a wrong protocol.
   * `false`: boot anyway; requests then get 503 until the store answers. @default true
   */
  startupCheck?: boolean;
  /**
   * Largest JSON body nest-warden's own routes accept, in bytes, checked by `JsonBodyGuard`
   * from `Content-Length` (or the parsed body when chunked): 413 `PAYLOAD_TOO_LARGE` above it.
   * @default 16384
   */
  maxBodyBytes?: number;
  /**
   * How recent a session's last credential step (login, `POST /auth/reauth`) must be for routes
   * marked `@Auth({ recent: true })`, in seconds; older: 403 `REAUTH_REQUIRED`. @default 300
   */
  reauthMaxAgeSeconds?: number;
  /**
   * The account lifecycle over mail: verification, password reset, email change, notices
   * (`/auth/email/*`, `/auth/password/forgot`, `/auth/password/reset`). Omit and none of it is
   * mounted; with `forRootAsync` also pass `account: true` beside `useFactory`.
   */
  account?: AccountOptions;
  /**
   * TOTP multi-factor authentication with recovery codes: `/auth/mfa/*`, the MFA step of logins
   * (`POST /auth/login/mfa`, with tokens `POST /auth/token/mfa`), step-up by code. Omit and none
   * of it is mounted; with `forRootAsync` also pass `mfa: true` beside `useFactory`.
   */
  mfa?: MfaOptions;
  /**
   * Passkeys (WebAuthn): registration, passwordless login, passkeys as a second factor and as
   * step-up (`/auth/passkeys/*`). Omit and none of it is mounted; with `forRootAsync` also pass
   * `passkeys: true` beside `useFactory`.
   */
  passkeys?: PasskeyOptions;
  /**
   * The admin API (`/admin/users*`: list and search, details, roles and activity, sign-out
   * everywhere, unlock, MFA reset) for users with `role`. Omit and it is not mounted; with
   * `forRootAsync` also pass `admin: true` beside `useFactory`. `role` @default 'admin'
   */
  admin?: { role?: string };
  /**
   * The audit log: every security event kept as an `AuditRecord` in `audit.sink`
   * (`new TypeOrmAuditSink(dataSource)`), buffered and written in batches off the request path;
   * read it with `AuditLog.read`. Omit and it is not mounted; with `forRootAsync` also pass
   * `audit: true` beside `useFactory`.
   */
  audit?: AuditOptions;
  /**
   * Prometheus metrics: `GET /metrics` (open, or behind `token`) and the `warden_*` counters,
   * gauges and route latency histogram ({@link MetricsOptions}). Omit and none of it is mounted;
   * with `forRootAsync` also pass `metrics: true` beside `useFactory`.
   */
  metrics?: MetricsOptions;
}

export const {
  ConfigurableModuleClass: ConfigurableAuthModule,
  MODULE_OPTIONS_TOKEN: AUTH_MODULE_OPTIONS,
  ASYNC_OPTIONS_TYPE: AUTH_MODULE_ASYNC_OPTIONS,
} = new ConfigurableModuleBuilder<AuthModuleOptions>({ moduleName: 'WardenAuth' })
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createAuthOptions')
  .build();

/** `AuthModule.forRootAsync` options: Nest's async triplet, plus whether tokens are mounted. */
export type AuthModuleAsyncOptions = typeof AUTH_MODULE_ASYNC_OPTIONS & {
  /** Mount bearer tokens; the factory must then return `tokens`. @default false */
  tokens?: boolean;
  /** Mount the account lifecycle; the factory must then return `account`. @default false */
  account?: boolean;
  /** Mount multi-factor authentication; the factory must then return `mfa`. @default false */
  mfa?: boolean;
  /** Mount passkeys; the factory must then return `passkeys`. @default false */
  passkeys?: boolean;
  /** Mount the admin API; the factory must then return `admin`. @default false */
  admin?: boolean;
  /** Mount the audit log; the factory must then return `audit`. @default false */
  audit?: boolean;
  /** Mount Prometheus metrics; the factory must then return `metrics`. @default false */
  metrics?: boolean;
};
