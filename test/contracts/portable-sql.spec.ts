import type { DataSource } from 'typeorm';
import { PortableSql } from '../../src/core/sql.js';
import { openDatabase } from '../../src/example/database.js';
import { WardenUnavailableException } from '../../src/errors/warden.exceptions.js';
import { createTestSchema, TEST_DATABASE_URL } from '../support/services.js';

/** A PostgreSQL (fresh schema) and an in-memory SQLite DataSource, migrated, closed after. */
async function withDatabases(run: (dataSource: DataSource) => Promise<void>): Promise<void> {
  const { schema, drop } = await createTestSchema();
  const postgres = await openDatabase({ type: 'postgres', url: TEST_DATABASE_URL }, { schema });
  const sqlite = await openDatabase({ type: 'sqlite', path: ':memory:' });
  try {
    for (const dataSource of [postgres, sqlite]) await run(dataSource);
  } finally {
    await Promise.all([postgres.destroy(), sqlite.destroy()]);
    await drop();
  }
}

const user = '0b6f5f0e-8c1a-4f7e-9a53-2d6b1c1e9f10';

describe('PortableSql', () => {
  describe('transaction', () => {
    it('commits what fn wrote once it resolves, and returns its value', async () => {
      await withDatabases(async (dataSource) => {
        const sql = new PortableSql(dataSource);
        const table = sql.table('warden_recovery_codes');
        const result = await sql.transaction(async (tx) => {
          await tx.rows(`INSERT INTO ${table} (user_id, code_hash) VALUES ($1, $2)`, [user, 'a']);
          return tx.rows(`SELECT code_hash FROM ${table} WHERE user_id = $1`, [user]);
        });
        expect(result).toEqual([{ code_hash: 'a' }]);
        expect(await sql.rows(`SELECT code_hash FROM ${table}`)).toEqual([{ code_hash: 'a' }]);
      });
    });

    it("rolls back when fn throws, and rethrows fn's error as is", async () => {
      await withDatabases(async (dataSource) => {
        const sql = new PortableSql(dataSource);
        const table = sql.table('warden_recovery_codes');
        const mistake = new Error('not a database failure');
        await expect(
          sql.transaction(async (tx) => {
            await tx.rows(`INSERT INTO ${table} (user_id, code_hash) VALUES ($1, $2)`, [user, 'b']);
            throw mistake;
          }),
        ).rejects.toBe(mistake);
        expect(await sql.rows(`SELECT code_hash FROM ${table}`)).toEqual([]);
      });
    });

    it('rolls back on a failed statement, which is a 503', async () => {
      await withDatabases(async (dataSource) => {
        const sql = new PortableSql(dataSource);
        const table = sql.table('warden_recovery_codes');
        await expect(
          sql.transaction(async (tx) => {
            await tx.rows(`INSERT INTO ${table} (user_id, code_hash) VALUES ($1, $2)`, [user, 'c']);
            await tx.rows(`INSERT INTO ${table} (user_id, code_hash) VALUES ($1, $2)`, [user, 'c']);
          }),
        ).rejects.toBeInstanceOf(WardenUnavailableException);
        expect(await sql.rows(`SELECT code_hash FROM ${table}`)).toEqual([]);
      });
    });

    it('answers 503 when the database is gone', async () => {
      const { schema, drop } = await createTestSchema();
      const postgres = await openDatabase({ type: 'postgres', url: TEST_DATABASE_URL }, { schema });
      const sqlite = await openDatabase({ type: 'sqlite', path: ':memory:' });
      await Promise.all([postgres.destroy(), sqlite.destroy()]);
      await drop();
      for (const dataSource of [postgres, sqlite]) {
        await expect(
          new PortableSql(dataSource).transaction(async () => 'never'),
        ).rejects.toBeInstanceOf(WardenUnavailableException);
      }
    });
  });
});
