import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { Clock } from '../core/clock.js';
import { systemClock } from '../core/clock.js';
import { STARTUP_CHECK_TIMEOUT_MS, withTimeout } from '../core/redis-calls.js';
import { PortableSql } from '../core/sql.js';
import type { NewOutboxJob, OutboxClaim, OutboxJob } from './outbox.store.js';
import { MAX_OUTBOX_ERROR_LENGTH, OutboxStore } from './outbox.store.js';

/** The table, created by `CreateWardenMailOutbox1764400000000` of `wardenMigrations`. */
const TABLE = 'warden_mail_outbox';

/** PostgreSQL codes of a missing table or column (undefined_table, undefined_column). */
const MISSING_TABLE = new Set(['42P01', '42703']);

const COLUMNS = 'id, kind, payload, attempts, available_at, created_at';

/** A row as the drivers return it: PostgreSQL's bigints come as strings. */
interface JobRow {
  id: string;
  kind: string;
  payload: string;
  attempts: number | string;
  available_at: number | string;
  created_at: number | string;
}

/**
 * {@link OutboxStore} in the app's database through TypeORM: raw parametrised SQL on
 * `warden_mail_outbox` (no entity to register), on PostgreSQL and SQLite. Times are bigint ms.
 * On PostgreSQL a claim locks its rows with `FOR UPDATE SKIP LOCKED`, so workers of several
 * instances never wait for, nor take, each other's jobs; SQLite runs one writer at a time. Takes
 * an initialised `DataSource` whose migrations include `wardenMigrations`; driver failures
 * become {@link WardenUnavailableException} (503).
 */
export class TypeOrmOutboxStore extends OutboxStore {
  private readonly sql: PortableSql;

  /** @param clock Where `createdAt` comes from. @default systemClock */
  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: Clock = systemClock,
  ) {
    super();
    this.sql = new PortableSql(dataSource);
  }

  private get postgres(): boolean {
    return this.sql.postgres;
  }

  /** The table, schema-qualified when the DataSource names a schema (as the migration did). */
  private get table(): string {
    return this.sql.table(TABLE);
  }

  /** Startup check: the DataSource is initialised and one bounded read of every column works. */
  override async check(): Promise<void> {
    const who = 'TypeOrmOutboxStore (mail outbox store)';
    if (!this.dataSource.isInitialized) {
      throw new Error(
        `${who}: the DataSource is not initialised: pass one after dataSource.initialize() (TypeOrmModule does this for you)`,
      );
    }
    try {
      const columns = `${COLUMNS}, locked_by, locked_until, dead, last_error`;
      const read = this.dataSource.query(`SELECT ${columns} FROM ${this.table} WHERE 1 = 0`);
      await withTimeout(read, STARTUP_CHECK_TIMEOUT_MS, 'mail outbox query');
    } catch (error) {
      const cause = error as Error & { code?: string; driverError?: { code?: string } };
      const code = cause.driverError?.code ?? cause.code ?? cause.name;
      const fix =
        MISSING_TABLE.has(code) || /no such (table|column)/i.test(cause.message)
          ? `table ${TABLE} is missing or out of date: add migrations: [...wardenMigrations, ...yours] with migrationsRun: true to the DataSource, or run your TypeORM migrations (typeorm migration:run -d <your data source>)`
          : `reading table ${TABLE} failed: check the database is reachable and the DataSource's credentials`;
      throw new Error(`${who}: ${fix} (${code})`, { cause: error });
    }
  }

  async enqueue(job: NewOutboxJob): Promise<string> {
    const id = randomUUID();
    await this.sql.rows(
      `INSERT INTO ${this.table} (id, kind, payload, attempts, available_at, dead, created_at)
       VALUES ($1, $2, $3, 0, $4, false, $5)`,
      [id, job.kind, JSON.stringify(job.payload), job.availableAt, this.clock.now()],
    );
    return id;
  }

  /** One UPDATE … RETURNING over a sub-select of the due jobs: atomic on both databases. */
  async claim({ now, owner, leaseMs, limit }: OutboxClaim): Promise<OutboxJob[]> {
    const rows = (await this.sql.rows<JobRow>(
      `UPDATE ${this.table} SET locked_by = $1, locked_until = $2, attempts = attempts + 1
       WHERE id IN (
         SELECT id FROM ${this.table}
         WHERE dead = false AND available_at <= $3 AND (locked_until IS NULL OR locked_until <= $3)
         ORDER BY available_at, created_at LIMIT $4 ${this.postgres ? 'FOR UPDATE SKIP LOCKED' : ''}
       )
       RETURNING ${COLUMNS}`,
      [owner, now + leaseMs, now, Math.max(0, Math.floor(limit))],
    )) as JobRow[];
    return rows
      .map((row) => ({
        id: row.id,
        kind: row.kind,
        payload: JSON.parse(row.payload) as Record<string, unknown>,
        attempts: Number(row.attempts),
        availableAt: Number(row.available_at),
        createdAt: Number(row.created_at),
      }))
      .sort((a, b) => a.availableAt - b.availableAt || a.createdAt - b.createdAt);
  }

  async complete(id: string, owner: string): Promise<void> {
    await this.sql.rows(
      `DELETE FROM ${this.table} WHERE id = $1 AND locked_by = $2 AND dead = false`,
      [id, owner],
    );
  }

  async retry(id: string, owner: string, availableAt: number, error: string): Promise<void> {
    await this.sql.rows(
      `UPDATE ${this.table} SET available_at = $3, locked_by = NULL, locked_until = NULL,
         last_error = $4
       WHERE id = $1 AND locked_by = $2 AND dead = false`,
      [id, owner, availableAt, error.slice(0, MAX_OUTBOX_ERROR_LENGTH)],
    );
  }

  async fail(id: string, owner: string, error: string): Promise<void> {
    await this.sql.rows(
      `UPDATE ${this.table} SET dead = true, locked_by = NULL, locked_until = NULL, last_error = $3
       WHERE id = $1 AND locked_by = $2 AND dead = false`,
      [id, owner, error.slice(0, MAX_OUTBOX_ERROR_LENGTH)],
    );
  }

  async counts(): Promise<{ pending: number; dead: number }> {
    const rows = (await this.sql.rows(
      `SELECT dead, COUNT(*) AS n FROM ${this.table} GROUP BY dead`,
      [],
    )) as { dead: boolean | number; n: number | string }[];
    const counts = { pending: 0, dead: 0 };
    for (const row of rows) counts[row.dead ? 'dead' : 'pending'] += Number(row.n);
    return counts;
  }
}
