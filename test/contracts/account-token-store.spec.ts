import { MemoryAccountTokenStore } from '../../src/account/memory-account-token.store.js';
import { TypeOrmAccountTokenStore } from '../../src/account/typeorm-account-token.store.js';
import { WardenUnavailableException } from '../../src/errors/warden.exceptions.js';
import { describeAccountTokenStoreContract } from '../../src/testing/contracts/account-token-store.contract.js';
import {
  closedDatabases,
  onPostgres,
  onSqlite,
  withMigrated,
  withUnmigrated,
} from '../support/databases.js';

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
      await withMigrated(async (postgres, sqlite) => {
        await expect(new TypeOrmAccountTokenStore(postgres).check()).resolves.toBeUndefined();
        await expect(new TypeOrmAccountTokenStore(sqlite).check()).resolves.toBeUndefined();
      });
    });

    it('names wardenMigrations, on one line, when the table is missing', async () => {
      await withUnmigrated(async (postgres, sqlite) => {
        for (const dataSource of [postgres, sqlite]) {
          await expect(new TypeOrmAccountTokenStore(dataSource).check()).rejects.toThrow(
            /^TypeOrmAccountTokenStore: reading .*warden_account_tokens.* failed: add migrations: \[\.\.\.wardenMigrations, \.\.\.yours\] to the DataSource and run them[^\n]*$/,
          );
        }
      });
    });
  });

  describe('every method', () => {
    it('answers 503 when the database is gone, on PostgreSQL and SQLite', async () => {
      const [postgres, sqlite] = await closedDatabases();
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
