import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import type { DynamicModule, ForwardReference, INestApplication, Type } from '@nestjs/common';
import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { Redis } from 'ioredis';
import request from 'supertest';
import { DataSource } from 'typeorm';
import {
  AuthModule,
  createRedisAdapters,
  LogMailer,
  TypeOrmAccountTokenStore,
  TypeOrmOutboxStore,
  MemorySessionStore,
  MemoryUserRepository,
  TypeOrmUserRepository,
  UserEntity,
  UsersModule,
  WardenAuthGuard,
  wardenMigrations,
} from '../../src/index.js';
import type { AuthModuleOptions } from '../../src/index.js';
import {
  createTestSchema,
  TEST_DATABASE_URL,
  TEST_REDIS_URL,
  uniqueName,
} from '../support/services.js';
import { deleteKeys, testRedis } from '../support/services.js';
import { WardenUsersTimestamptz1764200000000 } from '../../src/users/migrations/1764200000000-warden-users-timestamptz.js';

/** Nest's boot logging off: these boots fail on purpose. */
const silent = { log() {}, error() {}, warn() {} };

type Imports = Array<Type | DynamicModule | ForwardReference>;
const SECRET = 'misconfiguration-secret-0123456789abcdefghij';
const users = () => UsersModule.forRoot({ repository: new MemoryUserRepository() });

/** Boots a host app (compile + init) and returns it, or the boot error. */
async function boot(imports: Imports): Promise<{ app?: INestApplication; error?: Error }> {
  let app: INestApplication | undefined;
  try {
    const moduleRef = await Test.createTestingModule({ imports }).setLogger(silent).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    return { app };
  } catch (error) {
    await app?.close().catch(() => undefined);
    return { error: error as Error };
  }
}

/** The message of a boot that must fail: one line unless `multiline` (Nest's own errors). */
async function bootError(imports: Imports, multiline = false): Promise<string> {
  const { app, error } = await boot(imports);
  await app?.close();
  expect(error).toBeInstanceOf(Error);
  if (!multiline) expect(error!.message).not.toContain('\n');
  return error!.message;
}

/** What a host app's factory returns when it reads secrets the README's way from `env`. */
function fromEnv(env: Record<string, string | undefined>): AuthModuleOptions {
  return {
    sessionStore: new MemorySessionStore(),
    session: { secrets: env.SESSION_SECRETS?.split(',') ?? [] },
    ...(env.JWT_ALGORITHM === 'ES256'
      ? { tokens: { algorithm: 'ES256', privateKeys: [env.JWT_PRIVATE_KEY!] } }
      : { tokens: { secrets: [env.JWT_SECRET!] } }),
  };
}

const asyncAuth = (env: Record<string, string | undefined>) =>
  AuthModule.forRootAsync({ tokens: true, useFactory: () => fromEnv(env) });

describe('AuthModule secrets, named by option path', () => {
  it.each([
    ['unset', undefined, /\(got an empty array\)/],
    ['empty', '', /entry 0 is an empty string/],
  ])('says session.secrets is missing when SESSION_SECRETS is %s', async (_, value, detail) => {
    const message = await bootError([
      users(),
      asyncAuth({ SESSION_SECRETS: value, JWT_SECRET: SECRET }),
    ]);
    expect(message).toMatch(/^AuthModule option session\.secrets is missing /);
    expect(message).toMatch(detail);
    expect(message).toContain('openssl rand -base64 48');
  });

  it('says session.secrets is missing for undefined, [] and [undefined] given to forRoot', async () => {
    for (const secrets of [undefined, [], [undefined]]) {
      const message = await bootError([
        users(),
        AuthModule.forRoot({
          sessionStore: new MemorySessionStore(),
          session: { secrets: secrets as unknown as string[] },
        }),
      ]);
      expect(message).toMatch(/^AuthModule option session\.secrets is missing \(/);
    }
  });

  it('says which session secret is too short, separately from missing, never echoing it', async () => {
    const message = await bootError([
      users(),
      asyncAuth({ SESSION_SECRETS: `${SECRET},too-short-value`, JWT_SECRET: SECRET }),
    ]);
    expect(message).toMatch(
      /^AuthModule option session\.secrets\[1\] is too short \(15 characters\): each needs at least 32 characters/,
    );
    expect(message).not.toContain('too-short-value');
  });

  it('says tokens.secrets is missing when JWT_SECRET is unset, and too short when short', async () => {
    expect(await bootError([users(), asyncAuth({ SESSION_SECRETS: SECRET })])).toMatch(
      /^AuthModule option tokens\.secrets is missing \(entry 0 is undefined: is the environment variable it comes from set\?\)/,
    );
    expect(
      await bootError([users(), asyncAuth({ SESSION_SECRETS: SECRET, JWT_SECRET: 'short' })]),
    ).toMatch(/^AuthModule option tokens\.secrets\[0\] is too short \(5 characters\)/);
  });

  it('says tokens.privateKeys is missing, or not a P-256 key, for ES256', async () => {
    expect(
      await bootError([users(), asyncAuth({ SESSION_SECRETS: SECRET, JWT_ALGORITHM: 'ES256' })]),
    ).toMatch(/^AuthModule option tokens\.privateKeys is missing \(entry 0 is undefined/);
    expect(
      await bootError([
        users(),
        asyncAuth({ SESSION_SECRETS: SECRET, JWT_ALGORITHM: 'ES256', JWT_PRIVATE_KEY: 'nope' }),
      ]),
    ).toMatch(/^AuthModule option tokens\.privateKeys\[0\] is not a P-256 .*openssl ecparam/);
  });
});

@Module({
  imports: [
    AuthModule.forRoot({ sessionStore: new MemorySessionStore(), session: { secrets: [SECRET] } }),
  ],
  providers: [{ provide: APP_GUARD, useClass: WardenAuthGuard }],
})
class GuardedHostWithoutUsers {}

describe('AuthModule without UsersModule', () => {
  it('names UsersModule and how to import it, for forRoot, forRootAsync and a global guard', async () => {
    const forRoot = AuthModule.forRoot({
      sessionStore: new MemorySessionStore(),
      session: { secrets: [SECRET] },
    });
    const hosts = [
      [forRoot],
      [asyncAuth({ SESSION_SECRETS: SECRET, JWT_SECRET: SECRET })],
      [GuardedHostWithoutUsers],
    ];
    for (const imports of hosts) {
      const firstLine = (await bootError(imports, true)).split('\n')[0];
      expect(firstLine).toBe(
        "Nest can't resolve dependencies of the AuthModule needs UsersModule: add UsersModule.forRoot({ repository }) (or forRootAsync) to the imports of your root module, once (it is global) (?). Please make sure that the argument UsersService at index [0] is available in the AuthModule module.",
      );
    }
  });
});

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The README's Redis wiring against `url`; the test owns (and disconnects) the client. */
function redisHost(url: string, keyPrefix = 'misconfig:') {
  const redis = new Redis(url, { enableOfflineQueue: false });
  const adapters = createRedisAdapters(redis, { keyPrefix });
  return {
    redis,
    imports: [
      users(),
      AuthModule.forRoot({
        sessionStore: adapters.sessionStore,
        session: { secrets: [SECRET], cookieSecure: false },
        loginThrottle: { store: adapters.attemptStore },
      }),
    ],
  };
}

describe('AuthModule startup check of Redis', () => {
  let httpServer: Server;
  let httpPort: number;
  beforeAll(async () => {
    // Speaks HTTP, not RESP: whatever ioredis sends, it answers 400 and hangs up.
    httpServer = createServer((socket) => {
      socket.on('error', () => undefined);
      socket.once('data', () =>
        socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n'),
      );
    });
    await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
    httpPort = (httpServer.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => httpServer.close(() => resolve()));
  });

  async function expectRedisBootFailure(url: string, reason: RegExp): Promise<void> {
    const host = redisHost(url);
    const started = Date.now();
    try {
      const message = await bootError(host.imports);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(message).toMatch(
        /^RedisSessionStore \(AuthModule option sessionStore\): Redis did not answer PING within 3000 ms \(/,
      );
      expect(message).toMatch(reason);
      expect(message).toContain('rediss:// only for TLS');
      expect(message).toContain('startupCheck: false');
    } finally {
      host.redis.disconnect();
    }
  }

  it('fails the boot when nothing listens on the port', async () => {
    await expectRedisBootFailure(`redis://127.0.0.1:${await closedPort()}`, /ECONNREFUSED/);
  });

  it('fails the boot when the port speaks HTTP, not Redis', async () => {
    await expectRedisBootFailure(
      `redis://127.0.0.1:${httpPort}`,
      /Protocol error|Stream isn't writeable/,
    );
  });

  it('fails the boot for rediss:// (TLS) against a plain Redis', async () => {
    const plain = new URL(TEST_REDIS_URL);
    await expectRedisBootFailure(`rediss://${plain.host}`, /SSL|TLS|ECONNRESET|socket/i);
  });

  it('boots against the real Redis with a client still connecting, and serves logins', async () => {
    const prefix = `${uniqueName('warden_test')}:`;
    const host = redisHost(TEST_REDIS_URL, prefix);
    const { app, error } = await boot(host.imports);
    try {
      expect(error).toBeUndefined();
      const res = await request(app!.getHttpServer())
        .post('/auth/login')
        .send({ email: 'nobody@example.com', password: 'not the password' });
      expect(res.status).toBe(401);
    } finally {
      await app?.close();
      host.redis.disconnect();
      const cleaner = await testRedis();
      await deleteKeys(cleaner, prefix);
      cleaner.disconnect();
    }
  });

  it('boots with startupCheck: false, and answers 503 at run time', async () => {
    const redis = new Redis(`redis://127.0.0.1:${await closedPort()}`, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
    });
    redis.on('error', () => undefined);
    const adapters = createRedisAdapters(redis);
    const { app, error } = await boot([
      users(),
      AuthModule.forRoot({
        sessionStore: adapters.sessionStore,
        session: { secrets: [SECRET] },
        loginThrottle: { store: adapters.attemptStore },
        startupCheck: false,
      }),
    ]);
    try {
      expect(error).toBeUndefined();
      const res = await request(app!.getHttpServer())
        .post('/auth/login')
        .send({ email: 'nobody@example.com', password: 'not the password' });
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toMatch(/^\d+$/);
    } finally {
      await app?.close();
      redis.disconnect();
    }
  });
});

describe('UsersModule startup check of the TypeORM repository', () => {
  let schema: { schema: string; drop: () => Promise<void> };
  const sources: DataSource[] = [];
  beforeAll(async () => {
    schema = await createTestSchema();
  });
  afterAll(async () => {
    await Promise.all(sources.map((source) => source.destroy()));
    await schema?.drop();
  });

  async function dataSource(options: {
    entities: Array<typeof UserEntity>;
    migrate: boolean | 'all but timestamptz';
  }): Promise<DataSource> {
    const source = new DataSource({
      type: 'postgres',
      url: TEST_DATABASE_URL,
      schema: schema.schema,
      entities: options.entities,
      migrations:
        options.migrate === 'all but timestamptz'
          ? wardenMigrations.filter((m) => m !== WardenUsersTimestamptz1764200000000)
          : options.migrate
            ? [...wardenMigrations]
            : [],
      migrationsRun: Boolean(options.migrate),
      migrationsTableName: 'warden_migrations',
      extra: { options: `-c search_path="${schema.schema}"` },
      logging: false,
    });
    sources.push(await source.initialize());
    return source;
  }

  const host = (source: DataSource) => [
    UsersModule.forRoot({ repository: new TypeOrmUserRepository(source) }),
    AuthModule.forRoot({ sessionStore: new MemorySessionStore(), session: { secrets: [SECRET] } }),
  ];

  it('names entities: [UserEntity] when the DataSource does not know the entity', async () => {
    const message = await bootError(host(await dataSource({ entities: [], migrate: false })));
    expect(message).toBe(
      'TypeOrmUserRepository (UsersModule option repository): UserEntity is not an entity of the DataSource: add it, entities: [UserEntity, ...yours], imported from nest-warden',
    );
  });

  it('names entities: [SqliteUserEntity] when a SQLite DataSource knows neither entity', async () => {
    const sqlite = new DataSource({ type: 'better-sqlite3', database: ':memory:', entities: [] });
    sources.push(await sqlite.initialize());
    expect(await bootError(host(sqlite))).toBe(
      'TypeOrmUserRepository (UsersModule option repository): SqliteUserEntity is not an entity of the DataSource: add it, entities: [SqliteUserEntity, ...yours], imported from nest-warden',
    );
  });

  it('names wardenMigrations and migrationsRun when the table is missing', async () => {
    const message = await bootError(
      host(await dataSource({ entities: [UserEntity], migrate: false })),
    );
    expect(message).toMatch(
      /^TypeOrmUserRepository \(UsersModule option repository\): table .*warden_users is missing or out of date: add migrations: \[\.\.\.wardenMigrations, \.\.\.yours\] with migrationsRun: true .*migration:run.* \(42P01\)$/,
    );
  });

  it('names the migrations when timestamptz (on PostgreSQL) did not run', async () => {
    const message = await bootError(
      host(await dataSource({ entities: [UserEntity], migrate: 'all but timestamptz' })),
    );
    expect(message).toMatch(
      /^TypeOrmUserRepository \(UsersModule option repository\): table .*warden_users is out of date \(created_at is timestamp without time zone, not timestamptz\): add migrations: \[\.\.\.wardenMigrations, \.\.\.yours\] with migrationsRun: true/,
    );
  });

  it('boots once the migrations ran', async () => {
    const { app, error } = await boot(
      host(await dataSource({ entities: [UserEntity], migrate: true })),
    );
    expect(error).toBeUndefined();
    await app?.close();
  });
});

describe('AuthModule startup check of the account tables', () => {
  const sources: DataSource[] = [];
  afterAll(async () => {
    await Promise.all(sources.map((source) => source.destroy()));
  });

  async function sqlite(migrate: boolean): Promise<DataSource> {
    const source = new DataSource({
      type: 'better-sqlite3',
      database: ':memory:',
      migrations: migrate ? [...wardenMigrations] : [],
      migrationsRun: migrate,
      migrationsTableName: 'warden_migrations',
    });
    sources.push(await source.initialize());
    return source;
  }

  const host = (source: DataSource) => [
    users(),
    AuthModule.forRoot({
      sessionStore: new MemorySessionStore(),
      session: { secrets: [SECRET] },
      account: {
        appUrl: 'https://app.example.test',
        mailer: new LogMailer(),
        outbox: new TypeOrmOutboxStore(source),
        tokens: new TypeOrmAccountTokenStore(source),
      },
    }),
  ];

  it('names wardenMigrations when the outbox or token table is missing', async () => {
    const message = await bootError(host(await sqlite(false)));
    expect(message).toMatch(
      /^TypeOrm(OutboxStore|AccountTokenStore).*warden_(mail_outbox|account_tokens).*\[\.\.\.wardenMigrations, \.\.\.yours\]/,
    );
  });

  it('boots once the migrations ran, with the account routes mounted', async () => {
    const { app, error } = await boot(host(await sqlite(true)));
    expect(error).toBeUndefined();
    try {
      await request(app!.getHttpServer())
        .post('/auth/password/forgot')
        .send({ email: 'someone@example.com' })
        .expect(202, {});
    } finally {
      await app?.close();
    }
  });
});
