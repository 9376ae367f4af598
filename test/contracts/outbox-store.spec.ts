import { DataSource } from 'typeorm';
import { openDatabase } from '../../src/example/database.js';
import { WardenUnavailableException } from '../../src/errors/warden.exceptions.js';
import { MemoryOutboxStore } from '../../src/mail/memory-outbox.store.js';
import { TypeOrmOutboxStore } from '../../src/mail/typeorm-outbox.store.js';
import { describeOutboxStoreContract } from '../../src/testing/contracts/outbox-store.contract.js';
import { onPostgres, onSqlite, withMigrated } from '../support/databases.js';
import { createTestSchema, TEST_DATABASE_URL } from '../support/services.js';

describeOutboxStoreContract('MemoryOutboxStore', () => ({
  create: async (clock) => new MemoryOutboxStore(clock),
  destroy: async () => undefined,
}));

describeOutboxStoreContract('TypeOrmOutboxStore on PostgreSQL', () =>
  onPostgres((dataSource, clock) => new TypeOrmOutboxStore(dataSource, clock)),
);

describeOutboxStoreContract('TypeOrmOutboxStore on SQLite', () =>
  onSqlite((dataSource, clock) => new TypeOrmOutboxStore(dataSource, clock)),
);

describe('TypeOrmOutboxStore', () => {
  describe('check', () => {
    it('passes once wardenMigrations ran, on PostgreSQL and SQLite', async () => {
      await withMigrated(async (postgres, sqlite) => {
        await expect(new TypeOrmOutboxStore(postgres).check()).resolves.toBeUndefined();
        await expect(new TypeOrmOutboxStore(sqlite).check()).resolves.toBeUndefined();
      });
    });

    it('names wardenMigrations when the table is missing', async () => {
      const { schema, drop } = await createTestSchema();
      const dataSource = new DataSource({ type: 'postgres', url: TEST_DATABASE_URL, schema });
      await dataSource.initialize();
      try {
        await expect(new TypeOrmOutboxStore(dataSource).check()).rejects.toThrow(
          /^TypeOrmOutboxStore \(mail outbox store\): table warden_mail_outbox is missing or out of date: add migrations: \[\.\.\.wardenMigrations, \.\.\.yours\] with migrationsRun: true .* \(42P01\)$/,
        );
      } finally {
        await dataSource.destroy();
        await drop();
      }
    });

    it('says to initialise the DataSource', async () => {
      const dataSource = new DataSource({ type: 'better-sqlite3', database: ':memory:' });
      await expect(new TypeOrmOutboxStore(dataSource).check()).rejects.toThrow(
        /the DataSource is not initialised/,
      );
    });
  });

  describe('enqueue', () => {
    it('answers 503 when the database is gone', async () => {
      const dataSource = await openDatabase({ type: 'sqlite', path: ':memory:' });
      await dataSource.destroy();
      const store = new TypeOrmOutboxStore(dataSource);
      const job = { kind: 'k', payload: {}, availableAt: 0 };
      await expect(store.enqueue(job)).rejects.toBeInstanceOf(WardenUnavailableException);
      await expect(store.counts()).rejects.toBeInstanceOf(WardenUnavailableException);
    });
  });
});
