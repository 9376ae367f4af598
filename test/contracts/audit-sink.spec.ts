import { MemoryAuditSink } from '../../src/audit/memory-audit.sink.js';
import { TypeOrmAuditSink } from '../../src/audit/typeorm-audit.sink.js';
import { WardenUnavailableException } from '../../src/errors/warden.exceptions.js';
import { describeAuditSinkContract } from '../../src/testing/contracts/audit-sink.contract.js';
import {
  closedDatabases,
  onPostgres,
  onSqlite,
  withMigrated,
  withUnmigrated,
} from '../support/databases.js';

describeAuditSinkContract('MemoryAuditSink', () => ({
  create: async () => new MemoryAuditSink(),
  destroy: async () => undefined,
}));

describeAuditSinkContract('TypeOrmAuditSink on PostgreSQL', () =>
  onPostgres((dataSource) => new TypeOrmAuditSink(dataSource)),
);

describeAuditSinkContract('TypeOrmAuditSink on SQLite', () =>
  onSqlite((dataSource) => new TypeOrmAuditSink(dataSource)),
);

const T0 = 1_765_000_000_000;
const entry = (i: number) => ({
  id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
  at: T0 + i,
  type: 'warden.login.failed',
  userId: null,
  actorId: null,
  sessionId: null,
  ip: '127.0.0.1',
  reason: null,
  action: null,
  result: null,
  accountHash: null,
});

describe('MemoryAuditSink', () => {
  describe('write', () => {
    it('keeps the newest maxRecords records', async () => {
      const sink = new MemoryAuditSink({ maxRecords: 3 });
      await sink.write([entry(5), entry(1), entry(4)]);
      await sink.write([entry(2), entry(6)]);
      expect((await sink.read({ limit: 10 })).map((r) => r.at - T0)).toEqual([6, 5, 4]);
    });
  });

  it('refuses a maxRecords that is not a positive integer', () => {
    expect(() => new MemoryAuditSink({ maxRecords: 0 })).toThrow(/maxRecords/);
  });
});

describe('TypeOrmAuditSink', () => {
  describe('check', () => {
    it('passes once wardenMigrations ran, on PostgreSQL and SQLite', async () => {
      await withMigrated(async (postgres, sqlite) => {
        await expect(new TypeOrmAuditSink(postgres).check()).resolves.toBeUndefined();
        await expect(new TypeOrmAuditSink(sqlite).check()).resolves.toBeUndefined();
      });
    });

    it('names wardenMigrations, on one line, when the table is missing', async () => {
      await withUnmigrated(async (postgres, sqlite) => {
        for (const dataSource of [postgres, sqlite]) {
          await expect(new TypeOrmAuditSink(dataSource).check()).rejects.toThrow(
            /^TypeOrmAuditSink: reading .*warden_audit.* failed: add migrations: \[\.\.\.wardenMigrations, \.\.\.yours\] to the DataSource and run them[^\n]*$/,
          );
        }
      });
    });
  });

  describe('write', () => {
    it('takes a batch written twice (a commit whose answer was lost) once, on PostgreSQL and SQLite', async () => {
      await withMigrated(async (postgres, sqlite) => {
        for (const dataSource of [postgres, sqlite]) {
          const sink = new TypeOrmAuditSink(dataSource);
          const batch = Array.from({ length: 150 }, (_, i) => entry(i));
          await sink.write(batch);
          await sink.write(batch); // the retry: no error, no second copy
          await sink.write([entry(0), entry(150)]);
          const all = await sink.read({ limit: 100 });
          expect(all).toHaveLength(100);
          expect(new Set(all.map((r) => r.id)).size).toBe(100);
          expect(all[0]).toEqual(entry(150));
        }
      });
    });
  });

  describe('every method', () => {
    it('answers 503 when the database is gone, on PostgreSQL and SQLite', async () => {
      const [postgres, sqlite] = await closedDatabases();
      for (const dataSource of [postgres, sqlite]) {
        const sink = new TypeOrmAuditSink(dataSource);
        for (const call of [
          () => sink.write([entry(1)]),
          () => sink.write(Array.from({ length: 101 }, (_, i) => entry(i))),
          () => sink.read({ limit: 10 }),
          () => sink.read({ limit: 10, userId: entry(1).id, before: T0 }),
        ]) {
          await expect(call()).rejects.toBeInstanceOf(WardenUnavailableException);
        }
      }
    });
  });
});
