import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { PasswordOptions } from '../passwords/password.options.js';
import type { UserRepository } from './user.repository.js';
import type { UserCache } from './user-cache.js';

/** Options of {@link UsersModule}. */
export interface UsersModuleOptions {
  /** Where users live: `new TypeOrmUserRepository(dataSource)` or `new MemoryUserRepository()`. */
  repository: UserRepository;
  /** Argon2id cost, hashing bulkhead and password policy. */
  passwords?: PasswordOptions;
  /** Cache-aside user loading for guards (`RedisUserCache`, `MemoryUserCache`); none: every load reads the database. */
  userCache?: UserCache;
  /** TTL of cached users in seconds. @default 60 */
  userCacheTtlSeconds?: number;
  /**
   * How long the `lastLoginAt` writes of returning users gather before they are written together
   * (one UPDATE per batch on PostgreSQL), in ms; what waits is written at shutdown. A first login
   * is always written at once. 0: one write per login, before the login answers. @default 1000
   */
  lastLoginBatchMs?: number;
  /**
   * Check the repository once at boot (`TypeOrmUserRepository`: `UserEntity`, or on SQLite
   * `SqliteUserEntity`, is in the DataSource and `warden_users` is readable, at most 3 s) and
   * fail the boot with a message saying how to fix it. @default true
   */
  startupCheck?: boolean;
}

export const {
  ConfigurableModuleClass: ConfigurableUsersModule,
  MODULE_OPTIONS_TOKEN: USERS_MODULE_OPTIONS,
  OPTIONS_TYPE: USERS_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: USERS_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<UsersModuleOptions>({ moduleName: 'WardenUsers' })
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createUsersOptions')
  .setExtras({ isGlobal: true }, (definition, extras) => ({
    ...definition,
    global: extras.isGlobal,
  }))
  .build();
