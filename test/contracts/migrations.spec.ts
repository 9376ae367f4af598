import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase } from '../../src/example/database.js';
import { createTestSchema, TEST_DATABASE_URL } from '../support/services.js';

describe('wardenMigrations', () => {
  it('leave PostgreSQL exactly as the entities describe (nothing for synchronize to do)', async () => {
    const { schema, drop } = await createTestSchema();
    const dataSource = await openDatabase({ type: 'postgres', url: TEST_DATABASE_URL }, { schema });
    try {
      const pending = await dataSource.driver.createSchemaBuilder().log();
      expect(pending.upQueries.map((q) => q.query)).toEqual([]);
      const tables = await dataSource.query(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1`,
        [schema],
      );
      expect(tables.map((t: { table_name: string }) => t.table_name)).toEqual([
        'warden_migrations',
        'warden_users',
      ]);
    } finally {
      await dataSource.destroy();
      await drop();
    }
  });

  it('leave SQLite exactly as the entities describe, and revert cleanly', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-sqlite-'));
    const dataSource = await openDatabase({ type: 'sqlite', path: join(dir, 'db.sqlite') });
    try {
      const pending = await dataSource.driver.createSchemaBuilder().log();
      expect(pending.upQueries.map((q) => q.query)).toEqual([]);
      await dataSource.undoLastMigration();
      expect(await dataSource.createQueryRunner().hasColumn('warden_users', 'email_skeleton')).toBe(
        false,
      );
      await dataSource.undoLastMigration();
      expect(await dataSource.createQueryRunner().hasTable('warden_users')).toBe(false);
    } finally {
      await dataSource.destroy();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
