import { WardenUnavailableException } from '../../src/errors/warden.exceptions.js';
import { MemoryPasskeyStore } from '../../src/passkeys/memory-passkey.store.js';
import type { PasskeyRecord } from '../../src/passkeys/passkey.store.js';
import { TypeOrmPasskeyStore } from '../../src/passkeys/typeorm-passkey.store.js';
import { describePasskeyStoreContract } from '../../src/testing/contracts/passkey-store.contract.js';
import {
  closedDatabases,
  onPostgres,
  onSqlite,
  withMigrated,
  withUnmigrated,
} from '../support/databases.js';

describePasskeyStoreContract('MemoryPasskeyStore', () => ({
  create: async () => new MemoryPasskeyStore(),
  destroy: async () => undefined,
}));

describePasskeyStoreContract('TypeOrmPasskeyStore on PostgreSQL', () =>
  onPostgres((dataSource) => new TypeOrmPasskeyStore(dataSource)),
);

describePasskeyStoreContract('TypeOrmPasskeyStore on SQLite', () =>
  onSqlite((dataSource) => new TypeOrmPasskeyStore(dataSource)),
);

describe('TypeOrmPasskeyStore', () => {
  describe('check', () => {
    it('passes once wardenMigrations ran, on PostgreSQL and SQLite', async () => {
      await withMigrated(async (postgres, sqlite) => {
        await expect(new TypeOrmPasskeyStore(postgres).check()).resolves.toBeUndefined();
        await expect(new TypeOrmPasskeyStore(sqlite).check()).resolves.toBeUndefined();
      });
    });

    it('names wardenMigrations, on one line, when the table is missing', async () => {
      await withUnmigrated(async (postgres, sqlite) => {
        for (const dataSource of [postgres, sqlite]) {
          await expect(new TypeOrmPasskeyStore(dataSource).check()).rejects.toThrow(
            /^TypeOrmPasskeyStore: reading .*warden_passkeys.* failed: add migrations: \[\.\.\.wardenMigrations, \.\.\.yours\] to the DataSource and run them[^\n]*$/,
          );
        }
      });
    });
  });

  describe('every method', () => {
    it('answers 503 when the database is gone, on PostgreSQL and SQLite', async () => {
      const [postgres, sqlite] = await closedDatabases();
      const user = '0b6f5f0e-8c1a-4f7e-9a53-2d6b1c1e9f10';
      const id = '6a0e3c52-1d7b-4a39-8f0e-5c2b9d4e7a11';
      const record: PasskeyRecord = {
        id,
        userId: user,
        credentialId: 'Y3JlZGVudGlhbA',
        publicKey: 'cHVibGljLWtleQ',
        counter: 0,
        transports: ['internal'],
        backedUp: true,
        deviceType: 'multiDevice',
        name: 'Passkey',
        createdAt: 1000,
        lastUsedAt: null,
      };
      for (const dataSource of [postgres, sqlite]) {
        const store = new TypeOrmPasskeyStore(dataSource);
        for (const call of [
          () => store.create(record),
          () => store.findByCredentialId(record.credentialId),
          () => store.listByUser(user),
          () => store.recordUse(id, 0, 1, 2000),
          () => store.rename(user, id, 'Renamed'),
          () => store.delete(user, id),
          () => store.deleteAllForUser(user),
        ]) {
          await expect(call()).rejects.toBeInstanceOf(WardenUnavailableException);
        }
      }
    });
  });
});
