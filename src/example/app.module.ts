import type { DynamicModule, OnApplicationShutdown } from '@nestjs/common';
import { Inject, Injectable, Module, Optional } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { TerminusModule } from '@nestjs/terminus';
import { EventEmitterModule } from '@nestjs/event-emitter';
import type { Redis } from 'ioredis';
import { DataSource } from 'typeorm';
import { AuthModule } from '../auth/auth.module.js';
import { MemoryUserCache } from '../users/memory-user.cache.js';
import type { Clock } from '../core/clock.js';
import { MemorySessionStore } from '../session/memory-session.store.js';
import { TypeOrmUserRepository } from '../users/typeorm-user.repository.js';
import { UsersModule } from '../users/users.module.js';
import { AdminSeedService } from './admin-seed.service.js';
import type { ExampleConfig } from './config.js';
import { openDatabase } from './database.js';
import { EXAMPLE_CONFIG, EXAMPLE_REDIS, EXAMPLE_REDIS_ADAPTERS } from './example.tokens.js';
import { AccountPagesController } from './account-pages.controller.js';
import { HealthController } from './health.controller.js';
import { createRedisClient, waitForRedis } from './redis.js';
import type { RedisAdapters } from '../auth/redis-adapters.js';
import { createRedisAdapters } from '../auth/redis-adapters.js';
import { TypeOrmAccountTokenStore } from '../account/typeorm-account-token.store.js';
import { LogMailer } from '../mail/log.mailer.js';
import { SmtpMailer } from '../mail/smtp.mailer.js';
import { TypeOrmOutboxStore } from '../mail/typeorm-outbox.store.js';
import { TypeOrmMfaStore } from '../mfa/typeorm-mfa.store.js';
import { TypeOrmPasskeyStore } from '../passkeys/typeorm-passkey.store.js';
import { TypeOrmAuditSink } from '../audit/typeorm-audit.sink.js';

/** Closes the connections the example app opened, on shutdown. */
@Injectable()
class ConnectionsCloser implements OnApplicationShutdown {
  constructor(
    private readonly dataSource: DataSource,
    @Optional() @Inject(EXAMPLE_REDIS) private readonly redis?: Redis,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    this.redis?.disconnect();
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

/** The example app: how a host app wires nest-warden. */
@Module({})
export class AppModule {
  static forRoot(
    config: ExampleConfig,
    options: { databaseSchema?: string; clock?: Clock } = {},
  ): DynamicModule {
    const resources = [
      { provide: EXAMPLE_CONFIG, useValue: config },
      {
        provide: DataSource,
        useFactory: () => openDatabase(config.database, { schema: options.databaseSchema }),
      },
      ...(config.redisUrl
        ? [
            {
              provide: EXAMPLE_REDIS,
              useFactory: () => waitForRedis(createRedisClient(config.redisUrl as string)),
            },
            {
              provide: EXAMPLE_REDIS_ADAPTERS,
              inject: [EXAMPLE_REDIS],
              useFactory: (redis: Redis) =>
                createRedisAdapters(redis, { keyPrefix: config.env.REDIS_KEY_PREFIX }),
            },
          ]
        : []),
    ];
    const resourcesModule: DynamicModule = {
      module: class ExampleResourcesModule {},
      global: true,
      providers: [...resources, ConnectionsCloser],
      exports: resources.map((r) => r.provide),
    };
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot({
          isGlobal: true,
          ignoreEnvFile: true,
          ignoreEnvVars: true,
          validate: () => ({ warden: config }),
        }),
        resourcesModule,
        TerminusModule.forRoot({ logger: false }),
        EventEmitterModule.forRoot(),
        UsersModule.forRootAsync({
          inject: [DataSource, { token: EXAMPLE_REDIS_ADAPTERS, optional: true }],
          useFactory: (dataSource: DataSource, redis?: RedisAdapters) => ({
            repository: new TypeOrmUserRepository(dataSource),
            userCache: redis?.userCache ?? new MemoryUserCache({ clock: options.clock }),
            passwords: {
              memoryCostKib: config.env.ARGON2_MEMORY_KIB,
              timeCost: config.env.ARGON2_TIME_COST,
              parallelism: config.env.ARGON2_PARALLELISM,
              minStrength: config.env.PASSWORD_MIN_STRENGTH,
              breachedPasswordsUrl: config.env.PWNED_PASSWORDS_URL ?? null,
            },
          }),
        }),
        AuthModule.forRootAsync({
          tokens: true,
          account: true,
          mfa: true,
          passkeys: true,
          admin: true,
          audit: true,
          metrics: true,
          inject: [DataSource, { token: EXAMPLE_REDIS_ADAPTERS, optional: true }],
          useFactory: (dataSource: DataSource, redis?: RedisAdapters) => ({
            sessionStore: redis?.sessionStore ?? new MemorySessionStore({ clock: options.clock }),
            clock: options.clock,
            // The example boots with Redis down on purpose (waitForRedis): /health reports 503
            // and Redis-backed routes answer 503 until Redis is back, then recover by themselves.
            startupCheck: false,
            loginThrottle: {
              store: redis?.attemptStore,
              maxFailuresPerAccount: config.env.LOGIN_MAX_FAILURES_PER_ACCOUNT,
              maxFailuresPerIp: config.env.LOGIN_MAX_FAILURES_PER_IP,
              windowSeconds: config.env.LOGIN_WINDOW_S,
              maxConsecutiveFailures: config.env.LOGIN_MAX_CONSECUTIVE_FAILURES,
            },
            registerThrottle: {
              maxPerIp: config.env.REGISTER_MAX_PER_IP,
              windowSeconds: config.env.REGISTER_WINDOW_S,
            },
            tokens: {
              algorithm: config.jwtAlgorithm,
              privateKeys: config.jwtPrivateKeys,
              secrets: config.jwtSecrets,
              ttlSeconds: config.env.ACCESS_TOKEN_TTL_S,
              refreshTtlSeconds: config.env.REFRESH_TOKEN_TTL_S,
              refreshGraceSeconds: config.env.REFRESH_TOKEN_GRACE_S,
            },
            reauthMaxAgeSeconds: config.env.REAUTH_MAX_AGE_S,
            admin: { role: 'admin' },
            // GET /metrics: open without METRICS_TOKEN (keep it off the public network then).
            metrics: { token: config.env.METRICS_TOKEN ?? null },
            passkeys: {
              store: new TypeOrmPasskeyStore(dataSource),
              rpId: config.env.WEBAUTHN_RP_ID ?? new URL(config.appUrl).hostname,
              rpName: config.env.WEBAUTHN_RP_NAME,
              origins: [new URL(config.appUrl).origin],
            },
            audit: {
              sink: new TypeOrmAuditSink(dataSource),
              maxBuffered: config.env.AUDIT_MAX_BUFFERED,
            },
            mfa: {
              store: new TypeOrmMfaStore(dataSource),
              encryptionKeys: config.mfaEncryptionKeys,
              pendingTtlSeconds: config.env.MFA_PENDING_TTL_S,
            },
            account: {
              appUrl: config.appUrl,
              // No SMTP_URL outside production: each mail's subject and link go to the log.
              mailer: config.mail.smtpUrl
                ? new SmtpMailer({ url: config.mail.smtpUrl, from: config.mail.from })
                : new LogMailer(),
              outbox: new TypeOrmOutboxStore(dataSource),
              tokens: new TypeOrmAccountTokenStore(dataSource),
              emailVerification: config.env.EMAIL_VERIFICATION,
              emailTokenTtlSeconds: config.env.EMAIL_TOKEN_TTL_S,
              passwordResetTtlSeconds: config.env.PASSWORD_RESET_TTL_S,
            },
            session: {
              secrets: config.sessionSecrets,
              cookieSecure: config.cookieSecure,
              idleTimeoutSeconds: config.env.SESSION_IDLE_TIMEOUT_S,
              absoluteTimeoutSeconds: config.env.SESSION_ABSOLUTE_TIMEOUT_S,
            },
          }),
        }),
      ],
      controllers: [HealthController, AccountPagesController],
      providers: [AdminSeedService],
    };
  }
}
