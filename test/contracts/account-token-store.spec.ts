import { DataSource } from 'typeorm';
import { MemoryAccountTokenStore } from '../../src/account/memory-account-token.store.js';
import { TypeOrmAccountTokenStore } from '../../src/account/typeorm-account-token.store.js';
import { openDatabase } from '../../src/example/database.js';
import { WardenUnavailableException } from '../../src/errors/warden.exceptions.js';
import { describeAccountTokenStoreContract } from '../../src/testing/contracts/account-token-store.contract.js';
import { onPostgres, onSqlite } from '../support/databases.js';
import { createTestSchema, TEST_DATABASE_URL } from '../support/services.js';

describeAccountTokenStoreContract('MemoryAccountTokenStore', () => ({
  create: async () => new MemoryAccountTokenStore(),
  destroy: async () => undefined,
}));

describeAccountTokenStoreContract('TypeOrmAccountTokenStore on PostgreSQL', () =>
  onPostgres((dataSource) => new TypeOrmAccountTokenStore(dataSource)),
);

describeAccountTokenStoreContract('TypeOrmAccountTokenStore on SQLite', () =>
  onSqlite((dataSource) => new TypeOrmAccountTokenStore(dataSource)),
);

describe('TypeOrmAccountTokenStore', () => {
  const record = {
    tokenHash: 'a'.repeat(64),
    purpose: 'verify-email' as const,
    userId: 'u1',
    email: 'ada@example.com',
    newEmail: null,
    authVersion: 0,
    expiresAt: 2000,
    createdAt: 1000,
  };

  describe('check', () => {
    it('passes once wardenMigrations ran, on PostgreSQL and SQLite', async () => {
      const { schema, drop } = await createTestSchema();
      const postgres = await openDatabase({ type: 'postgres', url: TEST_DATABASE_URL }, { schema });
      const sqlite = await openDatabase({ type: 'sqlite', path: ':memory:' });
      try {
        await expect(new TypeOrmAccountTokenStore(postgres).check()).resolves.toBeUndefined();
        await expect(new TypeOrmAccountTokenStore(sqlite).check()).resolves.toBeUndefined();
      } finally {
        await Promise.all([postgres.destroy(), sqlite.destroy()]);
        await drop();
      }
    });

    it('names wardenMigrations, on one line, when the table is missing', async () => {
      const { schema, drop } = await createTestSchema();
      const postgres = new DataSource({ type: 'postgres', url: TEST_DATABASE_URL, schema });
      const sqlite = new DataSource({ type: 'better-sqlite3', database: ':memory:' });
      await Promise.all([postgres.initialize(), sqlite.initialize()]);
      try {
        for (const dataSource of [postgres, sqlite]) {
          await expect(new TypeOrmAccountTokenStore(dataSource).check()).rejects.toThrow(
            /^TypeOrmAccountTokenStore: reading .*warden_account_tokens.* failed: add migrations: \[\.\.\.wardenMigrations, \.\.\.yours\] to the DataSource and run them[^\n]*$/,
          );
        }
      } finally {
        await Promise.all([postgres.destroy(), sqlite.destroy()]);
        await drop();
      }
    });
  });

  describe('every method', () => {
    it('answers 503 when the database is gone, on PostgreSQL and SQLite', async () => {
      const { schema, drop } = await createTestSchema();
      const postgres = await openDatabase({ type: 'postgres', url: TEST_DATABASE_URL }, { schema });
      const sqlite = await openDatabase({ type: 'sqlite', path: ':memory:' });
      await Promise.all([postgres.destroy(), sqlite.destroy()]);
      await drop();
      for (const dataSource of [postgres, sqlite]) {
        const store = new TypeOrmAccountTokenStore(dataSource);
        const { tokenHash, purpose, userId } = record;
        for (const call of [
          () => store.insert(record),
          () => store.find(tokenHash, purpose, 0),
          () => store.consume(tokenHash, purpose, 0),
          () => store.deleteForUser(userId, purpose),
        ]) {
          await expect(call()).rejects.toBeInstanceOf(WardenUnavailableException);
        }
      }
    });
  });
});
