import type { MigrationInterface, QueryRunner } from 'typeorm';
import { Table, TableColumn } from 'typeorm';

/**
 * Multi-factor: adds `warden_users.mfa_enabled` (false for existing rows), and creates
 * `warden_mfa` (a user's TOTP secrets, as ciphertexts) and `warden_recovery_codes` (SHA-256
 * hashes of the unused recovery codes). Times are bigint milliseconds. Runs on PostgreSQL and
 * SQLite.
 */
export class AddWardenMfa1764600000000 implements MigrationInterface {
  name = 'AddWardenMfa1764600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Spelled as each database (and TypeORM's schema diff) spells a false boolean default.
    const postgres = queryRunner.connection.driver.options.type === 'postgres';
    await queryRunner.addColumn(
      'warden_users',
      new TableColumn({ name: 'mfa_enabled', type: 'boolean', default: postgres ? false : 0 }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'warden_mfa',
        columns: [
          { name: 'user_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'totp_secret', type: 'varchar', length: '512', isNullable: true },
          { name: 'totp_pending', type: 'varchar', length: '512', isNullable: true },
          { name: 'enabled_at', type: 'bigint', isNullable: true },
          { name: 'updated_at', type: 'bigint' },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'warden_recovery_codes',
        columns: [
          { name: 'user_id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'code_hash', type: 'varchar', length: '64', isPrimary: true },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('warden_recovery_codes');
    await queryRunner.dropTable('warden_mfa');
    await queryRunner.dropColumn('warden_users', 'mfa_enabled');
  }
}
