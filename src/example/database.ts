import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import { DataSource } from 'typeorm';
import { wardenMigrations } from '../users/migrations/index.js';
import { SqliteUserEntity, UserEntity } from '../users/user.entity.js';
import type { DatabaseConfig } from './config.js';

/**
 * TypeORM options for the example app (and `ormconfig.ts`): nest-warden's entity for the database
 * (`UserEntity` on PostgreSQL, `SqliteUserEntity` on SQLite) and migrations, never `synchronize`. PostgreSQL gets connect and statement timeouts so a stalled
 * database turns into a fast 503, not a hung request.
 */
export function dataSourceOptions(
  database: DatabaseConfig,
  extra: { schema?: string } = {},
): DataSourceOptions {
  const common = {
    migrations: [...wardenMigrations],
    migrationsTableName: 'warden_migrations',
    synchronize: false,
    logging: false,
  };
  if (database.type === 'postgres') {
    return {
      ...common,
      entities: [UserEntity],
      type: 'postgres',
      url: database.url,
      schema: extra.schema,
      extra: {
        max: 10,
        connectionTimeoutMillis: 2000,
        statement_timeout: 5000,
        query_timeout: 6000,
        application_name: 'nest-warden',
        // Unqualified raw SQL lands in the same schema as the entities.
        ...(extra.schema ? { options: `-c search_path="${extra.schema}"` } : {}),
      },
    };
  }
  if (database.path !== ':memory:') createPrivateFile(database.path);
  return {
    ...common,
    entities: [SqliteUserEntity],
    type: 'better-sqlite3',
    database: database.path,
    enableWAL: database.path !== ':memory:',
    timeout: 2000,
  };
}

/**
 * Creates the SQLite file, if missing, readable by its owner only (0600; its directory 0700 when
 * created): it holds password hashes. SQLite gives its -wal and -shm files the same mode.
 */
function createPrivateFile(path: string): void {
  if (existsSync(path)) return;
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  closeSync(openSync(path, 'a', 0o600));
  chmodSync(path, 0o600);
}

/** Connects and runs pending migrations. */
export async function openDatabase(
  database: DatabaseConfig,
  extra: { schema?: string } = {},
): Promise<DataSource> {
  const dataSource = new DataSource(dataSourceOptions(database, extra));
  await dataSource.initialize();
  try {
    await dataSource.runMigrations({ transaction: 'each' });
  } catch (error) {
    await dataSource.destroy();
    throw error;
  }
  return dataSource;
}
