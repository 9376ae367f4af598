import type { MigrationInterface, QueryRunner } from 'typeorm';
import { Table, TableIndex } from 'typeorm';

/** Creates `warden_users`. Written with TypeORM's schema API so it runs on PostgreSQL and SQLite. */
export class CreateWardenUsers1763800000000 implements MigrationInterface {
  name = 'CreateWardenUsers1763800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const postgres = queryRunner.connection.driver.options.type === 'postgres';
    const timestamp = postgres ? 'timestamp' : 'datetime';
    const now = postgres ? 'now()' : "datetime('now')";
    await queryRunner.createTable(
      new Table({
        name: 'warden_users',
        columns: [
          { name: 'id', type: postgres ? 'uuid' : 'varchar', isPrimary: true },
          { name: 'email', type: 'varchar', length: '320' },
          { name: 'display_name', type: 'varchar', length: '100' },
          { name: 'password_hash', type: 'varchar', length: '255' },
          { name: 'roles', type: 'text' },
          { name: 'is_active', type: 'boolean', default: postgres ? true : 1 },
          { name: 'auth_version', type: 'integer', default: 1 },
          { name: 'created_at', type: timestamp, default: now },
          { name: 'updated_at', type: timestamp, default: now },
          { name: 'last_login_at', type: timestamp, isNullable: true },
        ],
      }),
    );
    await queryRunner.createIndex(
      'warden_users',
      new TableIndex({ name: 'UQ_warden_users_email', columnNames: ['email'], isUnique: true }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('warden_users');
  }
}
