import type { MigrationInterface, QueryRunner } from 'typeorm';
import { Table, TableIndex } from 'typeorm';

/**
 * Creates `warden_mail_outbox`, the durable queue of mail jobs (`TypeOrmOutboxStore`). Instants
 * are bigint milliseconds since the epoch, so one definition fits PostgreSQL and SQLite; the
 * index serves the worker's claim (live jobs by due time).
 */
export class CreateWardenMailOutbox1764400000000 implements MigrationInterface {
  name = 'CreateWardenMailOutbox1764400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const postgres = queryRunner.connection.driver.options.type === 'postgres';
    await queryRunner.createTable(
      new Table({
        name: 'warden_mail_outbox',
        columns: [
          postgres
            ? { name: 'id', type: 'uuid', isPrimary: true }
            : { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'kind', type: 'varchar', length: '64' },
          { name: 'payload', type: 'text' },
          { name: 'attempts', type: 'integer', default: 0 },
          { name: 'available_at', type: 'bigint' },
          { name: 'locked_by', type: 'varchar', length: '64', isNullable: true },
          { name: 'locked_until', type: 'bigint', isNullable: true },
          { name: 'dead', type: 'boolean', default: postgres ? false : 0 },
          { name: 'last_error', type: 'varchar', length: '500', isNullable: true },
          { name: 'created_at', type: 'bigint' },
        ],
      }),
    );
    await queryRunner.createIndex(
      'warden_mail_outbox',
      new TableIndex({
        name: 'IDX_warden_mail_outbox_dead_available_at',
        columnNames: ['dead', 'available_at'],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('warden_mail_outbox');
  }
}
