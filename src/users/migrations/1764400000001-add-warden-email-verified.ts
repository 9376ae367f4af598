import type { MigrationInterface, QueryRunner } from 'typeorm';
import { TableColumn } from 'typeorm';

/**
 * Adds `warden_users.email_verified` (false for existing rows: nobody has proved an address
 * yet). Runs on PostgreSQL and SQLite.
 */
export class AddWardenEmailVerified1764400000001 implements MigrationInterface {
  name = 'AddWardenEmailVerified1764400000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn(
      'warden_users',
      new TableColumn({ name: 'email_verified', type: 'boolean', default: false }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('warden_users', 'email_verified');
  }
}
