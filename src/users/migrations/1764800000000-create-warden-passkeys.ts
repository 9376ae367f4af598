import type { MigrationInterface, QueryRunner } from 'typeorm';
import { Table, TableIndex } from 'typeorm';

/**
 * Passkeys: creates `warden_passkeys`, one row per registered WebAuthn credential, with a unique
 * index on `credential_id` (base64url; 1364 characters hold WebAuthn's 1023-byte maximum) and an
 * index on `user_id`. `transports` is a JSON array; times are bigint milliseconds. Runs on
 * PostgreSQL and SQLite.
 */
export class CreateWardenPasskeys1764800000000 implements MigrationInterface {
  name = 'CreateWardenPasskeys1764800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'warden_passkeys',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'user_id', type: 'varchar', length: '36' },
          { name: 'credential_id', type: 'varchar', length: '1364' },
          { name: 'public_key', type: 'text' },
          { name: 'counter', type: 'bigint' },
          { name: 'transports', type: 'varchar', length: '256' },
          { name: 'backed_up', type: 'boolean' },
          { name: 'device_type', type: 'varchar', length: '32' },
          { name: 'name', type: 'varchar', length: '100' },
          { name: 'created_at', type: 'bigint' },
          { name: 'last_used_at', type: 'bigint', isNullable: true },
        ],
      }),
    );
    await queryRunner.createIndices('warden_passkeys', [
      new TableIndex({ name: 'IDX_warden_passkeys_user', columnNames: ['user_id'] }),
      new TableIndex({
        name: 'UQ_warden_passkeys_credential',
        columnNames: ['credential_id'],
        isUnique: true,
      }),
    ]);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('warden_passkeys');
  }
}
