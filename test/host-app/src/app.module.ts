import type { OnApplicationShutdown } from '@nestjs/common';
import { Inject, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Redis } from 'ioredis';
import { DataSource } from 'typeorm';
import type { RedisAdapters } from 'nest-warden';
import {
  AuthModule,
  createRedisAdapters,
  TypeOrmUserRepository,
  UserEntity,
  UsersModule,
  wardenMigrations,
} from 'nest-warden';
import { ProjectsController } from './projects.controller.js';

const env = process.env;

/** DI tokens of the Redis client and of nest-warden's Redis adapters built on it. */
export const REDIS = 'REDIS';
export const REDIS_ADAPTERS = 'REDIS_ADAPTERS';

// One ioredis client, closed on shutdown. No offline queue and a command timeout: with Redis down
// a request gets a fast 503, never a hang. nest-warden PINGs it at boot (3 s at most) and stops
// the boot with a message that names the fix when Redis is unreachable or is not Redis.
@Module({
  providers: [
    {
      provide: REDIS,
      useFactory: () =>
        new Redis(env.REDIS_URL ?? 'redis://127.0.0.1:6379', {
          enableOfflineQueue: false,
          commandTimeout: 1000,
          maxRetriesPerRequest: 0,
        }),
    },
    {
      provide: REDIS_ADAPTERS,
      inject: [REDIS],
      useFactory: (redis: Redis): RedisAdapters =>
        createRedisAdapters(redis, { keyPrefix: env.REDIS_KEY_PREFIX ?? 'myapp:' }),
    },
  ],
  exports: [REDIS, REDIS_ADAPTERS],
})
export class RedisModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  onApplicationShutdown(): void {
    this.redis.disconnect();
  }
}

@Module({
  imports: [
    // nest-warden's entity and migrations beside your own; never `synchronize` in production.
    TypeOrmModule.forRoot({
      type: 'postgres',
      url: env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/myapp',
      entities: [UserEntity],
      migrations: [...wardenMigrations],
      migrationsRun: true,
    }),
    UsersModule.forRootAsync({
      imports: [RedisModule],
      inject: [DataSource, REDIS_ADAPTERS],
      useFactory: (dataSource: DataSource, redis: RedisAdapters) => ({
        repository: new TypeOrmUserRepository(dataSource),
        userCache: redis.userCache,
      }),
    }),
    AuthModule.forRootAsync({
      imports: [RedisModule],
      inject: [REDIS_ADAPTERS],
      tokens: true, // mounts /auth/token*; omit it (and `tokens` below) for cookies only
      useFactory: (redis: RedisAdapters) => ({
        sessionStore: redis.sessionStore,
        // each secret 32+ characters, newest first: the first signs, all verify
        session: {
          secrets: env.SESSION_SECRETS?.split(',') ?? [],
          cookieSecure: env.NODE_ENV === 'production',
        },
        // counters shared by every instance; limits default to 5 per account, 50 per IP, 900 s
        loginThrottle: { store: redis.attemptStore },
        tokens: { secrets: env.JWT_SECRET ? [env.JWT_SECRET] : [] },
      }),
    }),
  ],
  controllers: [ProjectsController],
})
export class AppModule {}
