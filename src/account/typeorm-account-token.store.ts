import type { DataSource } from 'typeorm';
import { STARTUP_CHECK_TIMEOUT_MS, withTimeout } from '../core/redis-calls.js';
import { PortableSql } from '../core/sql.js';
import type { AccountTokenPurpose, AccountTokenRecord } from './account-token.store.js';
import { AccountTokenStore } from './account-token.store.js';

/** A row of `warden_account_tokens` as the drivers return it (bigint may come as a string). */
interface TokenRow {
  token_hash: string;
  purpose: AccountTokenPurpose;
  user_id: string;
  email: string;
  new_email: string | null;
  auth_version: number | string;
  expires_at: number | string;
  created_at: number | string;
}

const COLUMNS =
  'token_hash, purpose, user_id, email, new_email, auth_version, expires_at, created_at';

/**
 * {@link AccountTokenStore} on table `warden_account_tokens` (created by `wardenMigrations`),
 * through raw SQL on PostgreSQL or SQLite: no entity to register. Using a token is one
 * `DELETE ... RETURNING`, so of two parallel uses exactly one gets it.
 */
export class TypeOrmAccountTokenStore extends AccountTokenStore {
  private readonly sql: PortableSql;

  constructor(dataSource: DataSource) {
    super();
    this.sql = new PortableSql(dataSource);
  }

  private get table(): string {
    return this.sql.table('warden_account_tokens');
  }

  override async check(): Promise<void> {
    try {
      await withTimeout(
        this.sql.rows(`SELECT token_hash FROM ${this.table} WHERE token_hash = $1`, ['']),
        STARTUP_CHECK_TIMEOUT_MS,
        'account tokens query',
      );
    } catch (error) {
      throw new Error(
        `TypeOrmAccountTokenStore: reading ${this.table} failed: add migrations: [...wardenMigrations, ...yours] to the DataSource and run them, and check the database is reachable`,
        { cause: error },
      );
    }
  }

  async insert(record: AccountTokenRecord): Promise<void> {
    await this.sql.rows(`DELETE FROM ${this.table} WHERE expires_at <= $1`, [record.createdAt]);
    await this.sql.rows(
      `INSERT INTO ${this.table} (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        record.tokenHash,
        record.purpose,
        record.userId,
        record.email,
        record.newEmail,
        record.authVersion,
        record.expiresAt,
        record.createdAt,
      ],
    );
  }

  async find(
    tokenHash: string,
    purpose: AccountTokenPurpose,
    now: number,
  ): Promise<AccountTokenRecord | null> {
    const rows = await this.sql.rows<TokenRow>(
      `SELECT ${COLUMNS} FROM ${this.table} WHERE token_hash = $1 AND purpose = $2 AND expires_at > $3`,
      [tokenHash, purpose, now],
    );
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async consume(
    tokenHash: string,
    purpose: AccountTokenPurpose,
    now: number,
  ): Promise<AccountTokenRecord | null> {
    const rows = await this.sql.rows<TokenRow>(
      `DELETE FROM ${this.table} WHERE token_hash = $1 AND purpose = $2 AND expires_at > $3 RETURNING ${COLUMNS}`,
      [tokenHash, purpose, now],
    );
    return rows[0] ? toRecord(rows[0]) : null;
  }

  async deleteForUser(userId: string, purpose: AccountTokenPurpose): Promise<void> {
    await this.sql.rows(`DELETE FROM ${this.table} WHERE user_id = $1 AND purpose = $2`, [
      userId,
      purpose,
    ]);
  }
}

function toRecord(row: TokenRow): AccountTokenRecord {
  return {
    tokenHash: row.token_hash,
    purpose: row.purpose,
    userId: row.user_id,
    email: row.email,
    newEmail: row.new_email,
    authVersion: Number(row.auth_version),
    expiresAt: Number(row.expires_at),
    createdAt: Number(row.created_at),
  };
}
