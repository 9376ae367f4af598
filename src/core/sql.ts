import type { DataSource, EntityManager } from 'typeorm';
import {
  ValidationFailedException,
  WardenUnavailableException,
} from '../errors/warden.exceptions.js';

/** What runs the statements: the DataSource, or a transaction's EntityManager. */
type Executor = Pick<EntityManager, 'query'>;

/**
 * The last PortableSql transaction queued on each SQLite DataSource. TypeORM's SQLite drivers share
 * one connection, and a second transaction started while one is open becomes a SAVEPOINT inside
 * it (their commits and rollbacks then end each other's work): so they run one after another.
 */
const sqliteTransactions = new WeakMap<DataSource, Promise<unknown>>();

/**
 * Raw, parametrised SQL that runs on PostgreSQL and SQLite alike, for the small tables that need
 * no entity (account tokens, the mail outbox, MFA). Placeholders are written `$1`, `$2`, ... and
 * rewritten to `?` for SQLite; statements with `RETURNING` give their rows on both.
 */
export class PortableSql {
  readonly postgres: boolean;

  /** `executor` is internal: {@link transaction} passes its transaction's EntityManager. */
  constructor(
    private readonly dataSource: DataSource,
    private readonly executor: Executor = dataSource,
  ) {
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
      raw = await this.executor.query(text, values);
    } catch (error) {
      // SQLSTATE class 22 (data exception: a NUL byte, a value too long) is the input's fault.
      const code = (error as { driverError?: { code?: unknown } }).driverError?.code;
      if (typeof code === 'string' && code.startsWith('22')) {
        throw new ValidationFailedException(['a value cannot be stored as given']);
      }
      throw new WardenUnavailableException('Database unavailable', {
        cause: error,
        service: 'database',
      });
    }
    if (!Array.isArray(raw)) return [];
    const wrapped = raw.length === 2 && Array.isArray(raw[0]) && typeof raw[1] === 'number';
    return (wrapped ? raw[0] : raw) as T[];
  }

  /**
   * Runs `fn` in one transaction: it commits when `fn` resolves and rolls back when it throws
   * (`fn`'s error is rethrown as is). `fn` gets a PortableSql bound to the transaction: use it, not
   * this one; called on that one, it joins the transaction. Failing to begin or commit becomes
   * `WardenUnavailableException` (503). On SQLite these transactions run one at a time per
   * DataSource (see `sqliteTransactions`).
   */
  async transaction<T>(fn: (sql: PortableSql) => Promise<T>): Promise<T> {
    // Already in one (this is the PortableSql a transaction gave): join it.
    if (this.executor !== this.dataSource) return fn(this);
    if (this.postgres) return this.run(fn);
    const previous = sqliteTransactions.get(this.dataSource) ?? Promise.resolve();
    const result = previous.then(() => this.run(fn));
    sqliteTransactions.set(
      this.dataSource,
      result.catch(() => undefined),
    );
    return result;
  }

  private async run<T>(fn: (sql: PortableSql) => Promise<T>): Promise<T> {
    let failure: { error: unknown } | undefined;
    try {
      return await this.dataSource.transaction(async (manager) => {
        try {
          return await fn(new PortableSql(this.dataSource, manager));
        } catch (error) {
          failure = { error };
          throw error;
        }
      });
    } catch (error) {
      if (failure && failure.error === error) throw error;
      throw new WardenUnavailableException('Database unavailable', {
        cause: error,
        service: 'database',
      });
    }
  }
}
