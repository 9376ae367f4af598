import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An index that serves email-prefix searches (the admin API's `q`): on PostgreSQL the email in
 * the "C" collation, so that a prefix is a byte-wise range whatever the database's collation.
 * SQLite's unique index on `email` already compares bytes: nothing to do there.
 */
export class AddWardenUsersEmailPrefixIndex1765100000000 implements MigrationInterface {
  name = 'AddWardenUsersEmailPrefixIndex1765100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.driver.options.type !== 'postgres') return;
    const table = queryRunner.connection.driver.escape('warden_users');
    const schema = (queryRunner.connection.driver.options as { schema?: string }).schema;
    const qualified = schema ? `${queryRunner.connection.driver.escape(schema)}.${table}` : table;
    await queryRunner.query(
      `CREATE INDEX "IDX_warden_users_email_c" ON ${qualified} ((email COLLATE "C"))`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.driver.options.type !== 'postgres') return;
    const schema = (queryRunner.connection.driver.options as { schema?: string }).schema;
    const index = '"IDX_warden_users_email_c"';
    await queryRunner.query(
      `DROP INDEX ${schema ? `${queryRunner.connection.driver.escape(schema)}.${index}` : index}`,
    );
  }
}
