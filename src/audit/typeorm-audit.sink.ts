import type { DataSource } from 'typeorm';
import { STARTUP_CHECK_TIMEOUT_MS, withTimeout } from '../core/redis-calls.js';
import { PortableSql } from '../core/sql.js';
import type { AuditQuery, AuditRecord } from './audit.record.js';
import { AuditSink } from './audit-sink.js';

/** A row of `warden_audit` as the drivers return it (bigint may come as a string). */
interface AuditRow {
  id: string;
  at: number | string;
  type: string;
  user_id: string | null;
  actor_id: string | null;
  session_id: string | null;
  ip: string | null;
  reason: string | null;
  action: string | null;
  result: string | null;
  account_hash: string | null;
}

const COLUMNS =
  'id, at, type, user_id, actor_id, session_id, ip, reason, action, result, account_hash';

/** Rows per INSERT: 11 parameters each stays far below every driver's parameter limit. */
const ROWS_PER_STATEMENT = 100;

/**
 * {@link AuditSink} on table `warden_audit` (created by `wardenMigrations`), through raw SQL on
 * PostgreSQL or SQLite: no entity to register. A batch is one multi-row `INSERT` per 100 rows,
 * in one transaction when it is longer (and always on SQLite); reads use the `(at)`,
 * `(user_id, at)` and `(actor_id, at)` indexes.
 */
export class TypeOrmAuditSink extends AuditSink {
  private readonly sql: PortableSql;

  constructor(dataSource: DataSource) {
    super();
    this.sql = new PortableSql(dataSource);
  }

  private get table(): string {
    return this.sql.table('warden_audit');
  }

  override async check(): Promise<void> {
    try {
      await withTimeout(
        this.sql.rows(`SELECT id FROM ${this.table} WHERE id = $1`, ['']),
        STARTUP_CHECK_TIMEOUT_MS,
        'audit query',
      );
    } catch (error) {
      throw new Error(
        `TypeOrmAuditSink: reading ${this.table} failed: add migrations: [...wardenMigrations, ...yours] to the DataSource and run them, and check the database is reachable`,
        { cause: error },
      );
    }
  }

  async write(records: AuditRecord[]): Promise<void> {
    if (records.length === 0) return;
    // On SQLite every statement shares one connection: a lone INSERT sent while another
    // PortableSql transaction is open would join it (and vanish with its rollback), so the batch
    // queues as a transaction of its own behind the others.
    if (records.length <= ROWS_PER_STATEMENT && this.sql.postgres) {
      await this.insert(this.sql, records);
      return;
    }
    await this.sql.transaction(async (sql) => {
      for (let i = 0; i < records.length; i += ROWS_PER_STATEMENT) {
        await this.insert(sql, records.slice(i, i + ROWS_PER_STATEMENT));
      }
    });
  }

  async read(query: AuditQuery): Promise<AuditRecord[]> {
    const parameters: unknown[] = [query.limit];
    const older = query.before === undefined ? '' : `AND at < $${parameters.push(query.before)}`;
    const newest = `ORDER BY at DESC, id DESC LIMIT $1`;
    let statement: string;
    if (query.userId === undefined) {
      statement = `SELECT ${COLUMNS} FROM ${this.table} WHERE 1 = 1 ${older} ${newest}`;
    } else {
      // The newest of each index, (user_id, at) and (actor_id, at), merged: an OR would be
      // served by neither. UNION drops the row where a user is both subject and actor.
      const u = `$${parameters.push(query.userId)}`;
      const side = (column: string) =>
        `SELECT * FROM (SELECT ${COLUMNS} FROM ${this.table} WHERE ${column} = ${u} ${older} ${newest}) AS ${column}s`;
      statement = `SELECT ${COLUMNS} FROM (${side('user_id')} UNION ${side('actor_id')}) AS merged ${newest}`;
    }
    const rows = await this.sql.rows<AuditRow>(statement, parameters);
    return rows.map((row) => ({
      id: row.id,
      at: Number(row.at),
      type: row.type,
      userId: row.user_id,
      actorId: row.actor_id,
      sessionId: row.session_id,
      ip: row.ip,
      reason: row.reason,
      action: row.action,
      result: row.result,
      accountHash: row.account_hash,
    }));
  }

  private async insert(sql: PortableSql, records: AuditRecord[]): Promise<void> {
    const values = records
      .map((_, i) => `(${Array.from({ length: 11 }, (__, c) => `$${i * 11 + c + 1}`).join(', ')})`)
      .join(', ');
    await sql.rows(
      // A retry of a batch whose commit was lost on the way back must not stall on the ids.
      `INSERT INTO ${this.table} (${COLUMNS}) VALUES ${values} ON CONFLICT (id) DO NOTHING`,
      records.flatMap((r) => [
        r.id,
        r.at,
        r.type,
        r.userId,
        r.actorId,
        r.sessionId,
        r.ip,
        r.reason,
        r.action,
        r.result,
        r.accountHash,
      ]),
    );
  }
}
