import type { DataSource } from 'typeorm';
import { STARTUP_CHECK_TIMEOUT_MS, withTimeout } from '../core/redis-calls.js';
import { PortableSql } from '../core/sql.js';
import type { TotpFactor } from './mfa.store.js';
import { MfaStore } from './mfa.store.js';

/** A row of `warden_mfa` as the drivers return it (bigint may come as a string). */
interface FactorRow {
  totp_secret: string | null;
  totp_pending: string | null;
  enabled_at: number | string | null;
}

/** First key of the PostgreSQL advisory lock that serialises one user's code replacements. */
const RECOVERY_CODES_LOCK = 0x77617264; // 'ward'

/**
 * {@link MfaStore} on tables `warden_mfa` and `warden_recovery_codes` (created by
 * `wardenMigrations`), through raw SQL on PostgreSQL or SQLite: no entity to register. Activating
 * is one conditional `UPDATE`, using a code one `DELETE ... RETURNING`, so of parallel calls
 * exactly one wins; replacing the codes is one transaction.
 */
export class TypeOrmMfaStore extends MfaStore {
  private readonly sql: PortableSql;

  constructor(dataSource: DataSource) {
    super();
    this.sql = new PortableSql(dataSource);
  }

  private get factors(): string {
    return this.sql.table('warden_mfa');
  }

  private get codes(): string {
    return this.sql.table('warden_recovery_codes');
  }

  override async check(): Promise<void> {
    for (const [table, column] of [
      [this.factors, 'user_id'],
      [this.codes, 'code_hash'],
    ] as const) {
      try {
        await withTimeout(
          this.sql.rows(`SELECT ${column} FROM ${table} WHERE user_id = $1`, ['']),
          STARTUP_CHECK_TIMEOUT_MS,
          'MFA query',
        );
      } catch (error) {
        throw new Error(
          `TypeOrmMfaStore: reading ${table} failed: add migrations: [...wardenMigrations, ...yours] to the DataSource and run them, and check the database is reachable`,
          { cause: error },
        );
      }
    }
  }

  async getTotp(userId: string): Promise<TotpFactor | null> {
    const [row] = await this.sql.rows<FactorRow>(
      `SELECT totp_secret, totp_pending, enabled_at FROM ${this.factors} WHERE user_id = $1`,
      [userId],
    );
    if (!row) return null;
    return {
      secret: row.totp_secret,
      pending: row.totp_pending,
      enabledAt: row.enabled_at === null ? null : Number(row.enabled_at),
    };
  }

  async setPendingTotp(userId: string, ciphertext: string, now: number): Promise<void> {
    await this.sql.rows(
      `INSERT INTO ${this.factors} (user_id, totp_secret, totp_pending, enabled_at, updated_at)
       VALUES ($1, NULL, $2, NULL, $3)
       ON CONFLICT (user_id) DO UPDATE
       SET totp_pending = excluded.totp_pending, updated_at = excluded.updated_at`,
      [userId, ciphertext, now],
    );
  }

  async activateTotp(userId: string, expectedPending: string, now: number): Promise<boolean> {
    const rows = await this.sql.rows(
      `UPDATE ${this.factors}
       SET totp_secret = totp_pending, totp_pending = NULL, enabled_at = $3, updated_at = $3
       WHERE user_id = $1 AND totp_pending = $2
       RETURNING user_id`,
      [userId, expectedPending, now],
    );
    return rows.length === 1;
  }

  async removeTotp(userId: string): Promise<void> {
    await this.sql.rows(`DELETE FROM ${this.factors} WHERE user_id = $1`, [userId]);
  }

  async replaceRecoveryCodes(userId: string, hashes: string[]): Promise<void> {
    const unique = [...new Set(hashes)];
    await this.sql.transaction(async (sql) => {
      // Under READ COMMITTED a parallel replacement's DELETE misses rows inserted after it
      // began, and both sets would survive: one replacement per user at a time. (SQLite
      // transactions already run one at a time.)
      if (sql.postgres) {
        await sql.rows(`SELECT pg_advisory_xact_lock($1, hashtext($2))`, [
          RECOVERY_CODES_LOCK,
          userId,
        ]);
      }
      await sql.rows(`DELETE FROM ${this.codes} WHERE user_id = $1`, [userId]);
      if (unique.length === 0) return;
      const values = unique.map((_, i) => `($1, $${i + 2})`).join(', ');
      await sql.rows(`INSERT INTO ${this.codes} (user_id, code_hash) VALUES ${values}`, [
        userId,
        ...unique,
      ]);
    });
  }

  async useRecoveryCode(userId: string, hash: string): Promise<number | null> {
    const used = await this.sql.rows(
      `DELETE FROM ${this.codes} WHERE user_id = $1 AND code_hash = $2 RETURNING code_hash`,
      [userId, hash],
    );
    if (used.length === 0) return null;
    return this.countRecoveryCodes(userId);
  }

  async countRecoveryCodes(userId: string): Promise<number> {
    const [row] = await this.sql.rows<{ count: number | string }>(
      `SELECT COUNT(*) AS count FROM ${this.codes} WHERE user_id = $1`,
      [userId],
    );
    return Number(row?.count ?? 0);
  }

  async deleteRecoveryCodes(userId: string): Promise<void> {
    await this.sql.rows(`DELETE FROM ${this.codes} WHERE user_id = $1`, [userId]);
  }
}
