import type { MigrationInterface, QueryRunner } from 'typeorm';
import { TableColumn, TableIndex } from 'typeorm';
import { emailSkeleton } from '../email.js';

/** Separates the skeleton of a row that collides with an older one: no email holds U+0001. */
const COLLISION_MARK = '\u0001';

/**
 * Adds `warden_users.email_skeleton` (the confusable skeleton of the email) with a unique index,
 * back-filling existing rows. Rows that already look like an older account's (registered
 * before this migration) keep working: their skeleton gets a suffix that no new address can
 * produce, so they block no one and nothing fails. Runs on PostgreSQL and SQLite.
 */
export class AddWardenEmailSkeleton1764000000000 implements MigrationInterface {
  name = 'AddWardenEmailSkeleton1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const column = { name: 'email_skeleton', type: 'varchar', length: '1024' };
    await queryRunner.addColumn('warden_users', new TableColumn({ ...column, isNullable: true }));
    // Raw SQL, not the entity: a migration must not depend on today's entity shape.
    const postgres = queryRunner.connection.driver.options.type === 'postgres';
    const rows: { id: string; email: string }[] = await queryRunner.query(
      'SELECT id, email FROM warden_users ORDER BY created_at, id',
    );
    const update = postgres
      ? 'UPDATE warden_users SET email_skeleton = $1 WHERE id = $2'
      : 'UPDATE warden_users SET email_skeleton = ? WHERE id = ?';
    const seen = new Set<string>();
    for (const { id, email } of rows) {
      let skeleton = emailSkeleton(email);
      if (seen.has(skeleton)) skeleton = `${skeleton}${COLLISION_MARK}${id}`;
      seen.add(skeleton);
      await queryRunner.query(update, [skeleton, id]);
    }
    await queryRunner.changeColumn(
      'warden_users',
      'email_skeleton',
      new TableColumn({ ...column, isNullable: false }),
    );
    await queryRunner.createIndex(
      'warden_users',
      new TableIndex({
        name: 'UQ_warden_users_email_skeleton',
        columnNames: ['email_skeleton'],
        isUnique: true,
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropIndex('warden_users', 'UQ_warden_users_email_skeleton');
    await queryRunner.dropColumn('warden_users', 'email_skeleton');
  }
}
