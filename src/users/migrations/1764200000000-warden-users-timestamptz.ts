import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The instants of `warden_users`. */
const COLUMNS = ['created_at', 'updated_at', 'last_login_at'];

/**
 * PostgreSQL: turns the instants of `warden_users` from `timestamp` (no zone) into
 * `timestamptz`. The earlier columns held the UTC wall-clock time (right only for a process in
 * UTC), so each value is read as UTC. Rewrites the table under an exclusive lock. SQLite: nothing
 * to do (its `datetime` text is already UTC).
 */
export class WardenUsersTimestamptz1764200000000 implements MigrationInterface {
  name = 'WardenUsersTimestamptz1764200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await this.convert(queryRunner, 'timestamptz');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await this.convert(queryRunner, 'timestamp');
  }

  /** One ALTER TABLE: `x AT TIME ZONE 'UTC'` maps UTC wall-clock time to the instant and back. */
  private async convert(queryRunner: QueryRunner, type: 'timestamptz' | 'timestamp') {
    const { driver } = queryRunner.connection;
    if (driver.options.type !== 'postgres') return;
    const schema = (driver.options as { schema?: string }).schema;
    const table = `${schema ? `${driver.escape(schema)}.` : ''}${driver.escape('warden_users')}`;
    const alters = COLUMNS.map(
      (column) => `ALTER COLUMN ${column} TYPE ${type} USING ${column} AT TIME ZONE 'UTC'`,
    );
    await queryRunner.query(`ALTER TABLE ${table} ${alters.join(', ')}`);
  }
}
