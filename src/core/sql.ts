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

  /** The table's name, qualified with the DataSource's schema when it names one. */
  table(name: string): string {
    const { driver } = this.dataSource;
    const schema = (driver.options as { schema?: string }).schema;
    return `${schema ? `${driver.escape(schema)}.` : ''}${driver.escape(name)}`;
  }

  /**
   * Runs one statement and returns its rows (those of `RETURNING`, or of a `SELECT`): SQLite gets
   * `?` placeholders with the parameters in the order they appear (a `$n` may repeat), and
   * TypeORM's PostgreSQL runner's `[rows, rowCount]` for UPDATE and DELETE is unwrapped. Driver
   * failures become `WardenUnavailableException` (503).
   */
  async rows<T>(statement: string, parameters: unknown[] = []): Promise<T[]> {
    let text = statement;
    let values = parameters;
    if (!this.postgres) {
      values = [];
      text = statement.replace(/\$(\d+)/g, (_, n: string) => {
        const value = parameters[Number(n) - 1];
        values.push(typeof value === 'boolean' ? Number(value) : value);
        return '?';
      });
    }
    let raw: unknown;
    try {
      raw = await this.dataSource.query(text, values);
    } catch (error) {
      throw new WardenUnavailableException('Database unavailable', { cause: error });
    }
    if (!Array.isArray(raw)) return [];
    const wrapped = raw.length === 2 && Array.isArray(raw[0]) && typeof raw[1] === 'number';
    return (wrapped ? raw[0] : raw) as T[];
  }
}
