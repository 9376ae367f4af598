import type { OnModuleInit } from '@nestjs/common';
import { Inject, Injectable, Module } from '@nestjs/common';
import { resolvePasswordOptions } from '../passwords/password.options.js';
import { PasswordService } from '../passwords/password.service.js';
import { WARDEN_PASSWORD_OPTIONS } from '../passwords/password.tokens.js';
import { UserRepository } from './user.repository.js';
import type { UsersModuleOptions } from './users.module-definition.js';
import { ConfigurableUsersModule, USERS_MODULE_OPTIONS } from './users.module-definition.js';
import { UsersService, WARDEN_LAST_LOGIN_BATCH_MS } from './users.service.js';
import { CachedUsers, WARDEN_USER_CACHE_TTL } from './cached-users.js';
import { UserCache } from './user-cache.js';
import { SecurityEvents } from '../core/security-events.js';

/** Checks the repository once at boot, unless `startupCheck: false`. */
@Injectable()
class UsersStartupCheck implements OnModuleInit {
  constructor(
    @Inject(USERS_MODULE_OPTIONS) private readonly options: UsersModuleOptions,
    private readonly repository: UserRepository,
  ) {}

  async onModuleInit(): Promise<void> {
    if (this.options.startupCheck !== false) await this.repository.check?.();
  }
}

/**
 * Users and passwords. Global by default (`isGlobal: false` to opt out), so `AuthModule` and
 * the host app's own modules can inject {@link UsersService}.
 *
 * ```ts
 * UsersModule.forRootAsync({
 *   inject: [DataSource],
 *   useFactory: (dataSource: DataSource) => ({ repository: new TypeOrmUserRepository(dataSource) }),
 * })
 * ```
 */
@Module({
  providers: [
    {
      provide: UserRepository,
      inject: [USERS_MODULE_OPTIONS],
      useFactory: (options: UsersModuleOptions) => {
        if (!options.repository) {
          throw new Error(
            'UsersModule option repository is missing: pass new TypeOrmUserRepository(dataSource) or new MemoryUserRepository() (tests)',
          );
        }
        return options.repository;
      },
    },
    UsersStartupCheck,
    {
      provide: WARDEN_PASSWORD_OPTIONS,
      inject: [USERS_MODULE_OPTIONS],
      useFactory: (options: UsersModuleOptions) => resolvePasswordOptions(options.passwords),
    },
    {
      provide: UserCache,
      inject: [USERS_MODULE_OPTIONS],
      useFactory: (options: UsersModuleOptions) => options.userCache ?? null,
    },
    {
      provide: WARDEN_USER_CACHE_TTL,
      inject: [USERS_MODULE_OPTIONS],
      useFactory: (options: UsersModuleOptions) => options.userCacheTtlSeconds ?? 60,
    },
    {
      provide: WARDEN_LAST_LOGIN_BATCH_MS,
      inject: [USERS_MODULE_OPTIONS],
      useFactory: (options: UsersModuleOptions) => {
        const ms = options.lastLoginBatchMs ?? 1000;
        if (!Number.isInteger(ms) || ms < 0) {
          throw new Error(
            `UsersModule option lastLoginBatchMs must be a non-negative integer, got ${ms}`,
          );
        }
        return ms;
      },
    },
    CachedUsers,
    PasswordService,
    UsersService,
    SecurityEvents,
  ],
  exports: [
    CachedUsers,
    UserCache,
    UserRepository,
    PasswordService,
    UsersService,
    SecurityEvents,
    WARDEN_PASSWORD_OPTIONS,
  ],
})
export class UsersModule extends ConfigurableUsersModule {}
