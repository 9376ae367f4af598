import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { openDatabase } from '../../src/example/database.js';
import { createTestSchema, TEST_DATABASE_URL } from '../support/services.js';

/** Reverts the email-prefix index (PostgreSQL only; a no-op on SQLite). */
async function undoPrefixIndex(dataSource: DataSource): Promise<void> {
  const indexes = async () =>
    dataSource.options.type === 'postgres'
      ? (
          (await dataSource.query(
            `SELECT indexname FROM pg_indexes
             WHERE indexname = 'IDX_warden_users_email_c' AND schemaname = $1`,
            [(dataSource.options as { schema?: string }).schema],
          )) as unknown[]
        ).length
      : 0;
  const before = await indexes();
  await dataSource.undoLastMigration();
  expect(await indexes()).toBe(0);
  if (dataSource.options.type === 'postgres') expect(before).toBe(1);
}

/** Reverts the audit migration, checking `warden_audit` is gone and `warden_passkeys` stays. */
async function undoAudit(dataSource: DataSource): Promise<void> {
  const runner = dataSource.createQueryRunner();
  try {
    expect(await runner.hasTable('warden_audit')).toBe(true);
    await dataSource.undoLastMigration();
    expect(await runner.hasTable('warden_audit')).toBe(false);
    expect(await runner.hasTable('warden_passkeys')).toBe(true);
  } finally {
    await runner.release();
  }
}

/** Reverts the passkeys migration, checking `warden_passkeys` is gone and MFA's tables stay. */
async function undoPasskeys(dataSource: DataSource): Promise<void> {
  const runner = dataSource.createQueryRunner();
  try {
    expect(await runner.hasTable('warden_passkeys')).toBe(true);
    await dataSource.undoLastMigration();
    expect(await runner.hasTable('warden_passkeys')).toBe(false);
    expect(await runner.hasTable('warden_mfa')).toBe(true);
  } finally {
    await runner.release();
  }
}

/** Reverts the MFA migration, checking its two tables and `mfa_enabled` are gone. */
async function undoMfa(dataSource: DataSource): Promise<void> {
  const runner = dataSource.createQueryRunner();
  try {
    expect(await runner.hasTable('warden_mfa')).toBe(true);
    expect(await runner.hasTable('warden_recovery_codes')).toBe(true);
    expect(await runner.hasColumn('warden_users', 'mfa_enabled')).toBe(true);
    await dataSource.undoLastMigration();
    expect(await runner.hasTable('warden_mfa')).toBe(false);
    expect(await runner.hasTable('warden_recovery_codes')).toBe(false);
    expect(await runner.hasColumn('warden_users', 'mfa_enabled')).toBe(false);
    expect(await runner.hasColumn('warden_users', 'email_verified')).toBe(true);
  } finally {
    await runner.release();
  }
}

/** Reverts the three account-lifecycle migrations, newest first, checking each is undone. */
async function undoAccountLifecycle(dataSource: DataSource): Promise<void> {
  const runner = dataSource.createQueryRunner();
  try {
    expect(await runner.hasTable('warden_account_tokens')).toBe(true);
    await dataSource.undoLastMigration();
    expect(await runner.hasTable('warden_account_tokens')).toBe(false);
    expect(await runner.hasColumn('warden_users', 'email_verified')).toBe(true);
    await dataSource.undoLastMigration();
    expect(await runner.hasColumn('warden_users', 'email_verified')).toBe(false);
    expect(await runner.hasTable('warden_mail_outbox')).toBe(true);
    await dataSource.undoLastMigration();
    expect(await runner.hasTable('warden_mail_outbox')).toBe(false);
  } finally {
    await runner.release();
  }
}

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
        'warden_account_tokens',
        'warden_audit',
        'warden_mail_outbox',
        'warden_mfa',
        'warden_migrations',
        'warden_passkeys',
        'warden_recovery_codes',
        'warden_users',
      ]);
    } finally {
      await dataSource.destroy();
      await drop();
    }
  });

  it('revert timestamptz on PostgreSQL to timestamp holding the UTC wall-clock time', async () => {
    const { schema, drop } = await createTestSchema();
    const dataSource = await openDatabase({ type: 'postgres', url: TEST_DATABASE_URL }, { schema });
    try {
      await dataSource.query(
        `INSERT INTO warden_users (id, email, email_skeleton, display_name, password_hash, roles, last_login_at)
         VALUES (gen_random_uuid(), 'a@example.com', 'a@example.com', 'a', 'h', '[]', '2025-01-15T12:34:56.789+14:00')`,
      );
      await undoPrefixIndex(dataSource);
      await undoAudit(dataSource);
      await undoPasskeys(dataSource);
      await undoMfa(dataSource);
      await undoAccountLifecycle(dataSource);
      await dataSource.undoLastMigration();
      const columns: { column_name: string; data_type: string }[] = await dataSource.query(
        `SELECT column_name, data_type FROM information_schema.columns
         WHERE table_schema = $1 AND table_name = 'warden_users' AND data_type LIKE 'timestamp%'
         ORDER BY 1`,
        [schema],
      );
      expect(columns).toEqual(
        ['created_at', 'last_login_at', 'updated_at'].map((column_name) => ({
          column_name,
          data_type: 'timestamp without time zone',
        })),
      );
      const [row] = await dataSource.query(
        `SELECT to_char(last_login_at, 'YYYY-MM-DD HH24:MI:SS.MS') AS at FROM warden_users`,
      );
      expect(row.at).toBe('2025-01-14 22:34:56.789');
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
      await undoPrefixIndex(dataSource);
      await undoAudit(dataSource);
      await undoPasskeys(dataSource);
      await undoMfa(dataSource);
      await undoAccountLifecycle(dataSource);
      await dataSource.undoLastMigration(); // timestamptz: nothing to undo on SQLite
      expect(await dataSource.createQueryRunner().hasColumn('warden_users', 'email_skeleton')).toBe(
        true,
      );
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
