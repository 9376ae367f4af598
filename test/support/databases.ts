import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { openDatabase } from '../../src/example/database.js';
import { createTestSchema, TEST_DATABASE_URL } from './services.js';

/** What a contract suite's harness gives: make the adapter under test, then tear it down. */
export interface DatabaseHarness<T, A extends unknown[]> {
  create: (...args: A) => Promise<T>;
  destroy: () => Promise<void>;
}

/**
 * A harness whose adapter runs on PostgreSQL in a fresh schema with every migration run; the
 * schema is dropped afterwards.
 */
export function onPostgres<T, A extends unknown[]>(
  make: (dataSource: DataSource, ...args: A) => T,
): DatabaseHarness<T, A> {
  let dataSource: DataSource;
  let drop: () => Promise<void>;
  return {
    create: async (...args: A) => {
      const schema = await createTestSchema();
      drop = schema.drop;
      dataSource = await openDatabase(
        { type: 'postgres', url: TEST_DATABASE_URL },
        { schema: schema.schema },
      );
      return make(dataSource, ...args);
    },
    destroy: async () => {
      await dataSource.destroy();
      await drop();
    },
  };
}

/** A harness whose adapter runs on SQLite in a temporary file with every migration run. */
export function onSqlite<T, A extends unknown[]>(
  make: (dataSource: DataSource, ...args: A) => T,
): DatabaseHarness<T, A> {
  let dataSource: DataSource;
  let dir: string;
  return {
    create: async (...args: A) => {
      dir = mkdtempSync(join(tmpdir(), 'warden-sqlite-'));
      dataSource = await openDatabase({ type: 'sqlite', path: join(dir, 'test.sqlite') });
      return make(dataSource, ...args);
    },
    destroy: async () => {
      await dataSource.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

type BothDatabases = (postgres: DataSource, sqlite: DataSource, schema: string) => Promise<void>;

/** Runs `use` on PostgreSQL (a fresh schema) and SQLite (in memory) as `wardenMigrations` leave them. */
export async function withMigrated(use: BothDatabases): Promise<void> {
  const { schema, drop } = await createTestSchema();
  const postgres = await openDatabase({ type: 'postgres', url: TEST_DATABASE_URL }, { schema });
  const sqlite = await openDatabase({ type: 'sqlite', path: ':memory:' });
  try {
    await use(postgres, sqlite, schema);
  } finally {
    await Promise.all([postgres.destroy(), sqlite.destroy()]);
    await drop();
  }
}

/** Runs `use` on both databases with no migration run (a boot check's "table missing"). */
export async function withUnmigrated(use: BothDatabases): Promise<void> {
  const { schema, drop } = await createTestSchema();
  const postgres = new DataSource({ type: 'postgres', url: TEST_DATABASE_URL, schema });
  const sqlite = new DataSource({ type: 'better-sqlite3', database: ':memory:' });
  await Promise.all([postgres.initialize(), sqlite.initialize()]);
  try {
    await use(postgres, sqlite, schema);
  } finally {
    await Promise.all([postgres.destroy(), sqlite.destroy()]);
    await drop();
  }
}

/** Both databases, migrated and then closed (the schema dropped): every call must answer 503. */
export async function closedDatabases(): Promise<[DataSource, DataSource]> {
  const { schema, drop } = await createTestSchema();
  const postgres = await openDatabase({ type: 'postgres', url: TEST_DATABASE_URL }, { schema });
  const sqlite = await openDatabase({ type: 'sqlite', path: ':memory:' });
  await Promise.all([postgres.destroy(), sqlite.destroy()]);
  await drop();
  return [postgres, sqlite];
}
