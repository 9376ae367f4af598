import type { DataSource } from 'typeorm';
import { WardenUnavailableException } from '../errors/warden.exceptions.js';

/**
 * Raw, parametrised SQL that runs on PostgreSQL and SQLite alike, for the small tables that need
 * no entity (account tokens, the mail outbox). Placeholders are written `$1`, `$2`, ... and
 * rewritten to `?` for SQLite; statements with `RETURNING` give their rows on both.
 */
export class PortableSql {
  readonly postgres: boolean;

  constructor(private readonly dataSource: DataSource) {
    this.postgres = dataSource.options.type === 'postgres';
  }

  /** The table's name, qualified with the DataSource's schema on PostgreSQL. */
  table(name: string): string {
    const schema = this.postgres
      ? (this.dataSource.options as { schema?: string }).schema
      : undefined;
    return schema ? `"${schema.replace(/"/g, '""')}"."${name}"` : `"${name}"`;
  }

  /**
   * Runs one statement and returns its rows (those of `RETURNING`, or of a `SELECT`). Driver
   * failures become `WardenUnavailableException` (503).
   */
  async rows<T>(statement: string, parameters: unknown[] = []): Promise<T[]> {
    const text = this.postgres ? statement : statement.replace(/\$\d+/g, '?');
    const values = this.postgres
      ? parameters
      : parameters.map((value) => (typeof value === 'boolean' ? Number(value) : value));
    let result: unknown;
    try {
      result = await this.dataSource.query(text, values);
    } catch (error) {
      throw new WardenUnavailableException('Database unavailable', { cause: error });
    }
    // TypeORM's PostgreSQL runner answers UPDATE and DELETE with [rows, rowCount].
    if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0])) {
      return result[0] as T[];
    }
    return Array.isArray(result) ? (result as T[]) : [];
  }
}
