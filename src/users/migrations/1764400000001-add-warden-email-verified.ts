import type { MigrationInterface, QueryRunner } from 'typeorm';
import { TableColumn } from 'typeorm';

/**
 * Adds `warden_users.email_verified` (false for existing rows: nobody has proved an address
 * yet). Runs on PostgreSQL and SQLite.
 */
export class AddWardenEmailVerified1764400000001 implements MigrationInterface {
  name = 'AddWardenEmailVerified1764400000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Spelled as each database (and TypeORM's schema diff) spells a false boolean default.
    const postgres = queryRunner.connection.driver.options.type === 'postgres';
    await queryRunner.addColumn(
      'warden_users',
      new TableColumn({ name: 'email_verified', type: 'boolean', default: postgres ? false : 0 }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('warden_users', 'email_verified');
  }
}
