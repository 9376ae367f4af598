import type { MigrationInterface, QueryRunner } from 'typeorm';
import { Table, TableIndex } from 'typeorm';

/**
 * Creates `warden_account_tokens`: the hashes of mailed single-use tokens (verification, reset,
 * email change) and what each is bound to. Times are bigint milliseconds, the same on
 * PostgreSQL and SQLite.
 */
export class CreateWardenAccountTokens1764400000002 implements MigrationInterface {
  name = 'CreateWardenAccountTokens1764400000002';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'warden_account_tokens',
        columns: [
          { name: 'token_hash', type: 'varchar', length: '64', isPrimary: true },
          { name: 'purpose', type: 'varchar', length: '32' },
          { name: 'user_id', type: 'varchar', length: '36' },
          { name: 'email', type: 'varchar', length: '320' },
          { name: 'new_email', type: 'varchar', length: '320', isNullable: true },
          { name: 'auth_version', type: 'integer' },
          { name: 'expires_at', type: 'bigint' },
          { name: 'created_at', type: 'bigint' },
        ],
      }),
    );
    await queryRunner.createIndices('warden_account_tokens', [
      new TableIndex({ name: 'IDX_warden_account_tokens_user', columnNames: ['user_id'] }),
      new TableIndex({ name: 'IDX_warden_account_tokens_expires', columnNames: ['expires_at'] }),
    ]);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('warden_account_tokens');
  }
}
