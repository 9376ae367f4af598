import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import type { DatabaseConfig } from '../../src/example/config.js';
import { dataSourceOptions } from '../../src/example/database.js';
import { CreateWardenUsers1763800000000 } from '../../src/users/migrations/1763800000000-create-warden-users.js';
import { AddWardenEmailSkeleton1764000000000 } from '../../src/users/migrations/1764000000000-add-warden-email-skeleton.js';
import { bareEnv, ROOT } from '../support/processes.js';
import { createTestSchema, TEST_DATABASE_URL } from '../support/services.js';
import type { WorkerInput, WorkerOutput } from '../support/timestamp-worker.js';

/** UTC+14 and UTC-10 (UTC-9 in summer): a day apart, so a zone slip cannot hide. */
const ZONES = ['Pacific/Kiritimati', 'America/Adak'] as const;
const WORKER = join(ROOT, 'test', 'support', 'timestamp-worker.ts');

/** Runs the worker in a process of its own with TZ set to `zone`. */
function inZone(zone: string, input: WorkerInput): WorkerOutput {
  const run = spawnSync(process.execPath, ['--import', 'tsx', WORKER], {
    cwd: ROOT,
    env: bareEnv({ TZ: zone, WORKER_INPUT: JSON.stringify(input) }),
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (run.status !== 0) throw new Error(`worker in ${zone} failed:\n${run.stderr}`);
  return JSON.parse(run.stdout) as WorkerOutput;
}

/** A fresh database of `type`: a PostgreSQL schema or a SQLite file. */
async function freshDatabase(type: 'postgres' | 'sqlite') {
  if (type === 'postgres') {
    const { schema, drop } = await createTestSchema();
    const database: DatabaseConfig = { type: 'postgres', url: TEST_DATABASE_URL };
    return { database, schema, drop };
  }
  const dir = mkdtempSync(join(tmpdir(), 'warden-sqlite-'));
  const database: DatabaseConfig = { type: 'sqlite', path: join(dir, 'db.sqlite') };
  return { database, schema: undefined, drop: async () => rmSync(dir, { recursive: true }) };
}

describe('TypeOrmUserRepository', () => {
  describe('timestamps', () => {
    it.each(['postgres', 'sqlite'] as const)(
      'on %s, read back the instant written, whatever the time zone of the writer and the reader',
      async (type) => {
        const { database, schema, drop } = await freshDatabase(type);
        try {
          for (const [writer, reader] of [ZONES, [...ZONES].reverse()]) {
            const id = randomUUID();
            const lastLoginAt = Date.UTC(2025, 0, 15, 12, 34, 56, 789);
            const written = inZone(writer, { database, schema, op: 'write', id, lastLoginAt });
            // created_at comes from the database clock: within the INSERT, to the second
            // (SQLite's datetime('now') has no milliseconds).
            expect(written.createdAt).toBeGreaterThanOrEqual(written.before! - 1000);
            expect(written.createdAt).toBeLessThanOrEqual(written.after! + 1000);
            expect(written.lastLoginAt).toBe(lastLoginAt);
            const read = inZone(reader, { database, schema, op: 'read', id });
            expect(read).toEqual({
              createdAt: written.createdAt,
              updatedAt: written.updatedAt,
              lastLoginAt,
            });
          }
        } finally {
          await drop();
        }
      },
      60_000,
    );

    it.each(['postgres', 'sqlite'] as const)(
      'on %s, a row written before the time-zone migration keeps its instant',
      async (type) => {
        const { database, schema, drop } = await freshDatabase(type);
        try {
          const old = new DataSource({
            ...dataSourceOptions(database, { schema }),
            migrations: [CreateWardenUsers1763800000000, AddWardenEmailSkeleton1764000000000],
          });
          await old.initialize();
          await old.runMigrations();
          // What the earlier code stored from a process in UTC: the UTC wall-clock time.
          const id = randomUUID();
          const values = type === 'postgres' ? '$1, $2, $3, $4, $5, $6, $7' : '?, ?, ?, ?, ?, ?, ?';
          await old.query(
            `INSERT INTO warden_users (id, email, email_skeleton, display_name, password_hash, roles, created_at, updated_at, last_login_at)
             VALUES (${values}, '2025-01-15 12:34:56.789', '2025-01-15 12:34:56.789')`,
            [id, 'old@example.com', 'old@example.com', 'x', 'h', '[]', '2024-06-01 08:00:00.123'],
          );
          await old.destroy();
          const instant = inZone(ZONES[0], { database, schema, op: 'read', id });
          expect(instant).toEqual({
            createdAt: Date.UTC(2024, 5, 1, 8, 0, 0, 123),
            updatedAt: Date.UTC(2025, 0, 15, 12, 34, 56, 789),
            lastLoginAt: Date.UTC(2025, 0, 15, 12, 34, 56, 789),
          });
        } finally {
          await drop();
        }
      },
      60_000,
    );
  });
});
