import type { MigrationInterface, QueryRunner } from 'typeorm';
import { Table, TableIndex } from 'typeorm';

/**
 * The audit log: creates `warden_audit`, one row per security event (`AuditRecord`: the
 * whitelisted fields only, never a secret), with indexes on `(at)`, `(user_id, at)` and
 * `(actor_id, at)` for the newest-first reads. `at` is bigint milliseconds. Runs on PostgreSQL
 * and SQLite.
 */
export class CreateWardenAudit1765000000000 implements MigrationInterface {
  name = 'CreateWardenAudit1765000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'warden_audit',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'at', type: 'bigint' },
          { name: 'type', type: 'varchar', length: '64' },
          { name: 'user_id', type: 'varchar', length: '36', isNullable: true },
          { name: 'actor_id', type: 'varchar', length: '36', isNullable: true },
          { name: 'session_id', type: 'varchar', length: '64', isNullable: true },
          { name: 'ip', type: 'varchar', length: '64', isNullable: true },
          { name: 'reason', type: 'varchar', length: '64', isNullable: true },
          { name: 'action', type: 'varchar', length: '64', isNullable: true },
          { name: 'result', type: 'varchar', length: '16', isNullable: true },
          { name: 'account_hash', type: 'varchar', length: '32', isNullable: true },
        ],
      }),
    );
    await queryRunner.createIndices('warden_audit', [
      new TableIndex({ name: 'IDX_warden_audit_at', columnNames: ['at'] }),
      new TableIndex({ name: 'IDX_warden_audit_user_at', columnNames: ['user_id', 'at'] }),
      new TableIndex({ name: 'IDX_warden_audit_actor_at', columnNames: ['actor_id', 'at'] }),
    ]);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('warden_audit');
  }
}
