import { WardenUnavailableException } from '../../src/errors/warden.exceptions.js';
import { MemoryMfaStore } from '../../src/mfa/memory-mfa.store.js';
import { TypeOrmMfaStore } from '../../src/mfa/typeorm-mfa.store.js';
import { describeMfaStoreContract } from '../../src/testing/contracts/mfa-store.contract.js';
import {
  closedDatabases,
  onPostgres,
  onSqlite,
  withMigrated,
  withUnmigrated,
} from '../support/databases.js';

describeMfaStoreContract('MemoryMfaStore', () => ({
  create: async () => new MemoryMfaStore(),
  destroy: async () => undefined,
}));

describeMfaStoreContract('TypeOrmMfaStore on PostgreSQL', () =>
  onPostgres((dataSource) => new TypeOrmMfaStore(dataSource)),
);

describeMfaStoreContract('TypeOrmMfaStore on SQLite', () =>
  onSqlite((dataSource) => new TypeOrmMfaStore(dataSource)),
);

describe('TypeOrmMfaStore', () => {
  describe('check', () => {
    it('passes once wardenMigrations ran, on PostgreSQL and SQLite', async () => {
      await withMigrated(async (postgres, sqlite) => {
        await expect(new TypeOrmMfaStore(postgres).check()).resolves.toBeUndefined();
        await expect(new TypeOrmMfaStore(sqlite).check()).resolves.toBeUndefined();
      });
    });

    it('names wardenMigrations, on one line, when a table is missing', async () => {
      await withUnmigrated(async (postgres, sqlite, schema) => {
        for (const dataSource of [postgres, sqlite]) {
          await expect(new TypeOrmMfaStore(dataSource).check()).rejects.toThrow(
            /^TypeOrmMfaStore: reading .*warden_mfa.* failed: add migrations: \[\.\.\.wardenMigrations, \.\.\.yours\] to the DataSource and run them[^\n]*$/,
          );
          // warden_mfa present, warden_recovery_codes not: the second table is checked too.
          const table = dataSource === postgres ? `"${schema}".warden_mfa` : 'warden_mfa';
          await dataSource.query(
            `CREATE TABLE ${table} (user_id varchar(36) PRIMARY KEY, updated_at bigint)`,
          );
          await expect(new TypeOrmMfaStore(dataSource).check()).rejects.toThrow(
            /^TypeOrmMfaStore: reading .*warden_recovery_codes.* failed: add migrations: \[\.\.\.wardenMigrations, \.\.\.yours\][^\n]*$/,
          );
        }
      });
    });
  });

  describe('every method', () => {
    it('answers 503 when the database is gone, on PostgreSQL and SQLite', async () => {
      const [postgres, sqlite] = await closedDatabases();
      const user = '0b6f5f0e-8c1a-4f7e-9a53-2d6b1c1e9f10';
      const code = 'a'.repeat(64);
      for (const dataSource of [postgres, sqlite]) {
        const store = new TypeOrmMfaStore(dataSource);
        for (const call of [
          () => store.getTotp(user),
          () => store.setPendingTotp(user, 'cipher', 1000),
          () => store.activateTotp(user, 'cipher', 1000),
          () => store.removeTotp(user),
          () => store.replaceRecoveryCodes(user, [code]),
          () => store.replaceRecoveryCodes(user, []),
          () => store.useRecoveryCode(user, code),
          () => store.countRecoveryCodes(user),
          () => store.deleteRecoveryCodes(user),
        ]) {
          await expect(call()).rejects.toBeInstanceOf(WardenUnavailableException);
        }
      }
    });
  });
});
