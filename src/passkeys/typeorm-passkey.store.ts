import type { DataSource } from 'typeorm';
import { STARTUP_CHECK_TIMEOUT_MS, withTimeout } from '../core/redis-calls.js';
import { PortableSql } from '../core/sql.js';
import { WardenUnavailableException } from '../errors/warden.exceptions.js';
import type { PasskeyRecord } from './passkey.store.js';
import { PasskeyStore, PasskeyTakenError } from './passkey.store.js';

/** A row of `warden_passkeys` as the drivers return it (bigint may come as a string). */
interface PasskeyRow {
  id: string;
  user_id: string;
  credential_id: string;
  public_key: string;
  counter: number | string;
  transports: string;
  backed_up: boolean | number;
  device_type: string;
  name: string;
  created_at: number | string;
  last_used_at: number | string | null;
}

/** Unique-violation codes: PostgreSQL's, and better-sqlite3's for a unique index or the key. */
const UNIQUE_VIOLATION = new Set([
  '23505',
  'SQLITE_CONSTRAINT_UNIQUE',
  'SQLITE_CONSTRAINT_PRIMARYKEY',
]);

const COLUMNS = `id, user_id, credential_id, public_key, counter, transports, backed_up,
  device_type, name, created_at, last_used_at`;

function toRecord(row: PasskeyRow): PasskeyRecord {
  return {
    id: row.id,
    userId: row.user_id,
    credentialId: row.credential_id,
    publicKey: row.public_key,
    counter: Number(row.counter),
    transports: JSON.parse(row.transports) as string[],
    backedUp: Boolean(row.backed_up),
    deviceType: row.device_type,
    name: row.name,
    createdAt: Number(row.created_at),
    lastUsedAt: row.last_used_at === null ? null : Number(row.last_used_at),
  };
}

/**
 * {@link PasskeyStore} on table `warden_passkeys` (created by `wardenMigrations`), through raw
 * SQL on PostgreSQL or SQLite: no entity to register. The unique index on `credential_id` decides
 * duplicates; a use is one conditional `UPDATE`, so of parallel uses of one counter value exactly
 * one wins.
 */
export class TypeOrmPasskeyStore extends PasskeyStore {
  private readonly sql: PortableSql;

  constructor(dataSource: DataSource) {
    super();
    this.sql = new PortableSql(dataSource);
  }

  private get passkeys(): string {
    return this.sql.table('warden_passkeys');
  }

  override async check(): Promise<void> {
    try {
      await withTimeout(
        this.sql.rows(`SELECT ${COLUMNS} FROM ${this.passkeys} WHERE user_id = $1`, ['']),
        STARTUP_CHECK_TIMEOUT_MS,
        'passkeys query',
      );
    } catch (error) {
      throw new Error(
        `TypeOrmPasskeyStore: reading ${this.passkeys} failed: add migrations: [...wardenMigrations, ...yours] to the DataSource and run them, and check the database is reachable`,
        { cause: error },
      );
    }
  }

  async create(record: PasskeyRecord): Promise<void> {
    try {
      await this.sql.rows(
        `INSERT INTO ${this.passkeys} (${COLUMNS})
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        [
          record.id,
          record.userId,
          record.credentialId,
          record.publicKey,
          record.counter,
          JSON.stringify(record.transports),
          record.backedUp,
          record.deviceType,
          record.name,
          record.createdAt,
          record.lastUsedAt,
        ],
      );
    } catch (error) {
      // PortableSql turns every driver failure into a 503: a duplicate is the caller's to know.
      const cause = error instanceof WardenUnavailableException ? error.cause : undefined;
      const code = (cause as { driverError?: { code?: unknown } } | undefined)?.driverError?.code;
      if (UNIQUE_VIOLATION.has(String(code))) throw new PasskeyTakenError({ cause });
      throw error;
    }
  }

  async findByCredentialId(credentialId: string): Promise<PasskeyRecord | null> {
    const [row] = await this.sql.rows<PasskeyRow>(
      `SELECT ${COLUMNS} FROM ${this.passkeys} WHERE credential_id = $1`,
      [credentialId],
    );
    return row ? toRecord(row) : null;
  }

  async listByUser(userId: string): Promise<PasskeyRecord[]> {
    const rows = await this.sql.rows<PasskeyRow>(
      `SELECT ${COLUMNS} FROM ${this.passkeys} WHERE user_id = $1 ORDER BY created_at, id`,
      [userId],
    );
    return rows.map(toRecord);
  }

  async recordUse(
    id: string,
    expectedCounter: number,
    newCounter: number,
    at: number,
  ): Promise<boolean> {
    const rows = await this.sql.rows(
      `UPDATE ${this.passkeys} SET counter = $3, last_used_at = $4
       WHERE id = $1 AND counter = $2 RETURNING id`,
      [id, expectedCounter, newCounter, at],
    );
    return rows.length === 1;
  }

  async rename(userId: string, id: string, name: string): Promise<boolean> {
    const rows = await this.sql.rows(
      `UPDATE ${this.passkeys} SET name = $3 WHERE id = $2 AND user_id = $1 RETURNING id`,
      [userId, id, name],
    );
    return rows.length === 1;
  }

  async delete(userId: string, id: string): Promise<boolean> {
    const rows = await this.sql.rows(
      `DELETE FROM ${this.passkeys} WHERE id = $2 AND user_id = $1 RETURNING id`,
      [userId, id],
    );
    return rows.length === 1;
  }

  async deleteAllForUser(userId: string): Promise<number> {
    const rows = await this.sql.rows(
      `DELETE FROM ${this.passkeys} WHERE user_id = $1 RETURNING id`,
      [userId],
    );
    return rows.length;
  }
}
