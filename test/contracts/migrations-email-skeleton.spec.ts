import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import type { DatabaseConfig } from '../../src/example/config.js';
import { dataSourceOptions, openDatabase } from '../../src/example/database.js';
import { emailSkeleton } from '../../src/users/email.js';
import { CreateWardenUsers1763800000000 } from '../../src/users/migrations/1763800000000-create-warden-users.js';
import { createTestSchema, TEST_DATABASE_URL } from '../support/services.js';

const ids = ['00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000002'];

describe('AddWardenEmailSkeleton1764000000000', () => {
  it.each(['postgres', 'sqlite'] as const)(
    'back-fills the skeleton of existing users on %s, look-alikes registered earlier included',
    async (type) => {
      const dir = mkdtempSync(join(tmpdir(), 'warden-sqlite-'));
      const pg = type === 'postgres' ? await createTestSchema() : undefined;
      const database: DatabaseConfig = pg
        ? { type: 'postgres', url: TEST_DATABASE_URL }
        : { type: 'sqlite', path: join(dir, 'db.sqlite') };
      try {
        const old = new DataSource({
          ...dataSourceOptions(database, { schema: pg?.schema }),
          migrations: [CreateWardenUsers1763800000000],
        });
        await old.initialize();
        await old.runMigrations();
        for (const [i, email] of ['alice@example.com', '\u0430lice@example.com'].entries()) {
          // Raw SQL: the entity already has the column this migration adds.
          const values = pg ? '$1, $2, $3, $4, $5' : '?, ?, ?, ?, ?';
          await old.query(
            `INSERT INTO warden_users (id, email, display_name, password_hash, roles) VALUES (${values})`,
            [ids[i], email, 'x', 'h', '[]'],
          );
        }
        await old.destroy();
        const current = await openDatabase(database, { schema: pg?.schema });
        try {
          const rows: { email_skeleton: string }[] = await current
            .createQueryBuilder()
            .select('u.email_skeleton', 'email_skeleton')
            .from('warden_users', 'u')
            .orderBy('u.id')
            .getRawMany();
          expect(rows.map((r) => r.email_skeleton)).toEqual([
            emailSkeleton('alice@example.com'),
            `${emailSkeleton('alice@example.com')}\u0001${ids[1]}`,
          ]);
        } finally {
          await current.destroy();
        }
      } finally {
        await pg?.drop();
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
