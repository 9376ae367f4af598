import type { DynamicModule, Provider, Type } from '@nestjs/common';
import { MODULE_METADATA } from '@nestjs/common/constants.js';
import { APP_GUARD } from '@nestjs/core';
import { AccountController } from './account.controller.js';
import { AccountMail } from '../account/account-mail.js';
import { resolveAccountOptions } from '../account/account.options.js';
import type { ResolvedAccountOptions } from '../account/account.options.js';
import { AccountService } from '../account/account.service.js';
import { WARDEN_ACCOUNT_OPTIONS } from '../account/account.tokens.js';
import { AccountTokens } from '../account/account-tokens.js';
import { AuditLog } from '../audit/audit-log.js';
import type { Clock } from '../core/clock.js';
import { WARDEN_CLOCK } from '../core/clock.js';
import { SecurityEvents } from '../core/security-events.js';
import { MailOutbox } from '../mail/mail-outbox.js';
import { resolveAccessTokenOptions } from '../tokens/access-token.options.js';
import { AccessTokenService } from '../tokens/access-token.service.js';
import type { TokenLifetimes } from '../tokens/token.service.js';
import { TokenService } from '../tokens/token.service.js';
import { WARDEN_TOKEN_OPTIONS } from '../tokens/tokens.tokens.js';
import type { AuthModuleOptions } from './auth.module-definition.js';
import { AUTH_MODULE_OPTIONS } from './auth.module-definition.js';
import { JwksController } from './jwks.controller.js';
import { TokensController } from './tokens.controller.js';
import { MfaController } from './mfa.controller.js';
import { AdminController } from './admin.controller.js';
import { AdminAuditController, AdminMfaController } from './admin-extras.controller.js';
import { AdminGuard } from './guards/admin.guard.js';
import { WARDEN_ADMIN_ROLE } from './auth.constants.js';
import { PasskeyMfaController, PasskeysController } from './passkeys.controller.js';
import { PasskeyService } from '../passkeys/passkey.service.js';
import { PasskeyStore } from '../passkeys/passkey.store.js';
import { resolvePasskeyOptions } from '../passkeys/passkey.options.js';
import type { ResolvedPasskeyOptions } from '../passkeys/passkey.options.js';
import { WARDEN_PASSKEY_OPTIONS } from '../passkeys/passkeys.tokens.js';
import { MfaTokensController } from './mfa-tokens.controller.js';
import { MfaCodes } from '../mfa/mfa-codes.js';
import { MfaLogins } from '../mfa/mfa-logins.js';
import { MfaSecretCipher } from '../mfa/mfa-secret-cipher.js';
import { MfaService } from '../mfa/mfa.service.js';
import { MfaStore } from '../mfa/mfa.store.js';
import { resolveMfaOptions } from '../mfa/mfa.options.js';
import type { ResolvedMfaOptions } from '../mfa/mfa.options.js';
import { WARDEN_MFA_OPTIONS } from '../mfa/mfa.tokens.js';
import { WardenErrorObserver } from '../errors/warden-error.observer.js';
import { resolveMetricsOptions } from '../metrics/metrics.options.js';
import { WARDEN_METRICS_CONTROLLERS, WARDEN_METRICS_OPTIONS } from '../metrics/metrics.tokens.js';
import { RouteTimerGuard } from '../metrics/route-timer.guard.js';
import { WardenMetrics } from '../metrics/warden-metrics.js';
import { MetricsController } from './metrics.controller.js';

/** An optional part of `AuthModule`: mounted (routes, providers, exports) only when asked. */
interface Feature {
  option: 'tokens' | 'account' | 'mfa' | 'passkeys' | 'admin' | 'audit' | 'metrics';
  controllers: Type[];
  providers: Provider[];
  exports: (Type | string)[];
}

const MOUNTED = {
  tokens: 'tokens are',
  account: 'the account lifecycle is',
  mfa: 'multi-factor authentication is',
  passkeys: 'passkeys are',
  admin: 'the admin API is',
  audit: 'the audit log is',
  metrics: 'metrics are',
} as const;

/** A feature's options, required once the feature is mounted. */
function required<K extends Feature['option']>(
  options: AuthModuleOptions,
  option: K,
): NonNullable<AuthModuleOptions[K]> {
  const value = options[option];
  if (!value) {
    throw new Error(
      `AuthModule: ${MOUNTED[option]} mounted (forRootAsync({ ${option}: true })) but the factory returned no \`${option}\` options`,
    );
  }
  return value;
}

/** Bearer tokens: `/auth/token*`, `/.well-known/jwks.json`. */
const tokens: Feature = {
  option: 'tokens',
  controllers: [TokensController, JwksController],
  providers: [
    {
      provide: AccessTokenService,
      inject: [AUTH_MODULE_OPTIONS, WARDEN_CLOCK],
      useFactory: (options: AuthModuleOptions, clock: Clock) =>
        new AccessTokenService(resolveAccessTokenOptions(required(options, 'tokens')), clock),
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
  ],
  exports: [TokenService, AccessTokenService],
};

/** The account lifecycle over mail: `/auth/email/*`, `/auth/password/forgot|reset`. */
const account: Feature = {
  option: 'account',
  controllers: [AccountController],
  providers: [
    {
      provide: WARDEN_ACCOUNT_OPTIONS,
      inject: [AUTH_MODULE_OPTIONS],
      useFactory: (options: AuthModuleOptions) =>
        resolveAccountOptions(
          required(options, 'account'),
          options.loginThrottle?.windowSeconds ?? 900,
        ),
    },
    {
      provide: MailOutbox,
      inject: [WARDEN_ACCOUNT_OPTIONS, WARDEN_CLOCK],
      useFactory: (options: ResolvedAccountOptions, clock: Clock) =>
        new MailOutbox(options.outbox, options.mailer, clock, options.delivery),
    },
    {
      provide: AccountTokens,
      inject: [WARDEN_ACCOUNT_OPTIONS, WARDEN_CLOCK],
      useFactory: (options: ResolvedAccountOptions, clock: Clock) =>
        new AccountTokens(options.tokens, clock),
    },
    AccountMail,
    AccountService,
  ],
  exports: [AccountService, MailOutbox],
};

/** TOTP multi-factor authentication: `/auth/mfa/*`, `POST /auth/login/mfa`. */
const mfa: Feature = {
  option: 'mfa',
  controllers: [MfaController],
  providers: [
    {
      provide: WARDEN_MFA_OPTIONS,
      inject: [AUTH_MODULE_OPTIONS],
      useFactory: (options: AuthModuleOptions) => resolveMfaOptions(required(options, 'mfa')),
    },
    {
      provide: MfaStore,
      inject: [WARDEN_MFA_OPTIONS],
      useFactory: (options: ResolvedMfaOptions) => options.store,
    },
    {
      provide: MfaSecretCipher,
      inject: [WARDEN_MFA_OPTIONS],
      useFactory: (options: ResolvedMfaOptions) => new MfaSecretCipher(options.encryptionKeys),
    },
    MfaCodes,
    MfaService,
    MfaLogins,
  ],
  exports: [MfaService, MfaCodes, MfaLogins],
};

/** Passkeys: `/auth/passkeys/*`, passkey second factor and step-up. */
const passkeys: Feature = {
  option: 'passkeys',
  controllers: [PasskeysController],
  providers: [
    {
      provide: WARDEN_PASSKEY_OPTIONS,
      inject: [AUTH_MODULE_OPTIONS],
      useFactory: (options: AuthModuleOptions) =>
        resolvePasskeyOptions(required(options, 'passkeys')),
    },
    {
      provide: PasskeyStore,
      inject: [WARDEN_PASSKEY_OPTIONS],
      useFactory: (options: ResolvedPasskeyOptions) => options.store,
    },
    PasskeyService,
  ],
  exports: [PasskeyService],
};

/** The admin API: `/admin/users*`, for the role `admin.role`. */
const admin: Feature = {
  option: 'admin',
  controllers: [AdminController],
  providers: [
    {
      provide: WARDEN_ADMIN_ROLE,
      inject: [AUTH_MODULE_OPTIONS],
      useFactory: (options: AuthModuleOptions) => {
        const role = required(options, 'admin').role ?? 'admin';
        if (typeof role !== 'string' || !role.trim()) {
          throw new Error('AuthModule option admin.role must be a role name');
        }
        return role;
      },
    },
    AdminGuard,
  ],
  exports: [],
};

/** The audit log: every security event kept in `audit.sink`, written off the request path. */
const audit: Feature = {
  option: 'audit',
  controllers: [],
  providers: [
    {
      provide: AuditLog,
      inject: [
        AUTH_MODULE_OPTIONS,
        SecurityEvents,
        WARDEN_CLOCK,
        { token: WardenMetrics, optional: true },
      ],
      useFactory: (
        options: AuthModuleOptions,
        events: SecurityEvents,
        clock: Clock,
        metrics?: WardenMetrics,
      ) => {
        const audit = required(options, 'audit');
        // Dropped records also count in warden_audit_dropped_total when metrics are mounted.
        const onDropped = (count: number) => {
          metrics?.auditDropped(count);
          audit.onDropped?.(count);
        };
        return new AuditLog({ ...audit, onDropped }, events, clock);
      },
    },
  ],
  exports: [AuditLog],
};

/**
 * Prometheus metrics: `GET /metrics`, {@link WardenMetrics} (also the exception filter's
 * {@link WardenErrorObserver}) and the global {@link RouteTimerGuard} that times nest-warden's routes.
 */
const metrics: Feature = {
  option: 'metrics',
  controllers: [MetricsController],
  providers: [
    {
      provide: WARDEN_METRICS_OPTIONS,
      inject: [AUTH_MODULE_OPTIONS],
      useFactory: (options: AuthModuleOptions) =>
        resolveMetricsOptions(required(options, 'metrics')),
    },
    WardenMetrics,
    { provide: WardenErrorObserver, useExisting: WardenMetrics },
    { provide: APP_GUARD, useClass: RouteTimerGuard },
  ],
  exports: [WardenMetrics],
};

/** Adds each optional feature to the module when mounted; refuses options for unmounted ones. */
export function withFeatures(
  module: DynamicModule,
  mounted: Record<Feature['option'], boolean>,
): DynamicModule {
  let result = module;
  for (const feature of [tokens, account, mfa, passkeys, admin, audit, metrics]) {
    const extra: Pick<Feature, 'controllers' | 'providers' | 'exports'> = mounted[feature.option]
      ? feature
      : { controllers: [], providers: [refuseUnmounted(feature.option)], exports: [] };
    result = {
      ...result,
      controllers: [...(result.controllers ?? []), ...extra.controllers],
      providers: [...(result.providers ?? []), ...extra.providers],
      exports: [...(result.exports ?? []), ...extra.exports],
    };
  }
  // Routes that need two features exist only with both.
  const pairs: [boolean, Type][] = [
    [mounted.tokens && mounted.mfa, MfaTokensController],
    [mounted.passkeys && mounted.mfa, PasskeyMfaController],
    [mounted.admin && mounted.mfa, AdminMfaController],
    [mounted.admin && mounted.audit, AdminAuditController],
  ];
  const both = pairs.filter(([on]) => on).map(([, controller]) => controller);
  result = { ...result, controllers: [...(result.controllers ?? []), ...both] };
  return mounted.metrics ? withTimedRoutes(result) : result;
}

/**
 * Tells {@link RouteTimerGuard} which controllers are the module's own: those of its `@Module()`
 * and those mounted above, whatever they are, `GET /metrics` excepted.
 */
function withTimedRoutes(module: DynamicModule): DynamicModule {
  const declared = (Reflect.getMetadata(MODULE_METADATA.CONTROLLERS, module.module) ??
    []) as Type[];
  const timed = new Set([...declared, ...(module.controllers ?? [])]);
  timed.delete(MetricsController);
  return {
    ...module,
    providers: [
      ...(module.providers ?? []),
      { provide: WARDEN_METRICS_CONTROLLERS, useValue: timed },
    ],
  };
}

/** Fails the boot when the factory returns options for a feature that is not mounted. */
function refuseUnmounted(option: Feature['option']): Provider {
  return {
    provide: `WARDEN:${option.toUpperCase()}_NOT_MOUNTED`,
    inject: [AUTH_MODULE_OPTIONS],
    useFactory: (options: AuthModuleOptions) => {
      if (options[option]) {
        throw new Error(
          `AuthModule: the factory returned \`${option}\` options but ${MOUNTED[option]} not mounted: pass forRootAsync({ ${option}: true, ... })`,
        );
      }
      return true;
    },
  };
}
