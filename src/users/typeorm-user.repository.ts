import type { DataSource, EntityMetadata, Repository } from 'typeorm';
import { QueryFailedError } from 'typeorm';
import { EmailTakenException, WardenUnavailableException } from '../errors/warden.exceptions.js';
import { STARTUP_CHECK_TIMEOUT_MS, withTimeout } from '../core/redis-calls.js';
import { SqliteUserEntity, UserEntity } from './user.entity.js';
import type { NewUserRecord, UserPatch, UserRecord } from './user.record.js';
import { UserRepository } from './user.repository.js';

/** PostgreSQL codes of a missing table or column (undefined_table, undefined_column). */
const MISSING_TABLE = new Set(['42P01', '42703']);

/** Unique-violation codes of the drivers we support (PostgreSQL, better-sqlite3). */
const UNIQUE_VIOLATION = new Set(['23505', 'SQLITE_CONSTRAINT_UNIQUE']);

/** Driver types of SQLite, whose DataSource takes {@link SqliteUserEntity}. */
const SQLITE = new Set(['better-sqlite3', 'sqlite', 'sqljs', 'capacitor', 'cordova', 'expo']);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** User ids are UUIDs (the column type): anything else names no user, and is never queried. */
function isUserId(id: string): boolean {
  return typeof id === 'string' && UUID.test(id);
}

type ColumnMetadata = EntityMetadata['columns'][number];

/**
 * The two statements of a password login, as plain SQL for one entity's table: no query builder
 * per login (it parses and rewrites the whole query each time), yet the same table path, column
 * names, parameter style and value conversions as TypeORM's own queries.
 */
interface LoginStatements {
  entity: typeof UserEntity | typeof SqliteUserEntity;
  /** `SELECT <every column> FROM <table> WHERE email = ? LIMIT 1`. */
  byEmail: string;
  /** `UPDATE <table> SET last_login_at = ?, updated_at = CURRENT_TIMESTAMP WHERE id = ?`. */
  recordLogin: string;
  /** PostgreSQL: {@link recordLogin} for arrays of ids and times (`unnest`), else null. */
  recordLogins: string | null;
  columns: ColumnMetadata[];
  lastLoginAt: ColumnMetadata;
}

/**
 * {@link UserRepository} on TypeORM. Takes an initialised `DataSource` whose entities include
 * {@link UserEntity} (PostgreSQL) or {@link SqliteUserEntity} (SQLite), and uses whichever it
 * has; the connection's lifecycle stays with the app.
 */
export class TypeOrmUserRepository extends UserRepository {
  private statements?: LoginStatements;

  constructor(private readonly dataSource: DataSource) {
    super();
  }

  /** The login's statements for the entity the DataSource has (built on first use). */
  private loginStatements(): LoginStatements {
    const entity = this.entity;
    if (this.statements?.entity === entity) return this.statements;
    const metadata = this.dataSource.getMetadata(entity);
    const driver = this.dataSource.driver;
    const name = (column: ColumnMetadata) => driver.escape(column.databaseName);
    const table = metadata.tablePath
      .split('.')
      .map((part) => driver.escape(part))
      .join('.');
    const column = (property: string) => {
      const found = metadata.findColumnWithPropertyName(property);
      if (!found) throw new Error(`${metadata.name} has no column ${property}`);
      return found;
    };
    const columns = metadata.columns.filter((c) => c.isSelect && !c.isVirtual);
    const lastLoginAt = column('lastLoginAt');
    const updated = metadata.updateDateColumn;
    const touch = updated ? `, ${name(updated)} = CURRENT_TIMESTAMP` : '';
    this.statements = {
      entity,
      byEmail: `SELECT ${columns.map(name).join(', ')} FROM ${table} WHERE ${name(column('email'))} = ${driver.createParameter('email', 0)} LIMIT 1`,
      recordLogin: `UPDATE ${table} SET ${name(lastLoginAt)} = ${driver.createParameter('at', 0)}${touch} WHERE ${name(column('id'))} = ${driver.createParameter('id', 1)}`,
      recordLogins:
        this.dataSource.options.type === 'postgres'
          ? `UPDATE ${table} SET ${name(lastLoginAt)} = batch.at${touch} FROM unnest($1::uuid[], $2::timestamptz[]) AS batch(id, at) WHERE ${table}.${name(column('id'))} = batch.id`
          : null,
      columns,
      lastLoginAt,
    };
    return this.statements;
  }

  /** A row of {@link LoginStatements.byEmail} as TypeORM would hydrate it (an entity instance). */
  private hydrate(row: Record<string, unknown>, statements: LoginStatements): UserRecord {
    const driver = this.dataSource.driver;
    const user = this.dataSource.getMetadata(statements.entity).create() as UserRecord;
    for (const column of statements.columns) {
      column.setEntityValue(user, driver.prepareHydratedValue(row[column.databaseName], column));
    }
    return user;
  }

  /** The entity the DataSource knows; looked up at each call, as it may be initialised late. */
  private get entity(): typeof UserEntity | typeof SqliteUserEntity {
    if (this.dataSource.hasMetadata(SqliteUserEntity)) return SqliteUserEntity;
    return UserEntity;
  }

  private get users(): Repository<UserRecord> {
    return this.dataSource.getRepository<UserRecord>(this.entity);
  }

  /**
   * Startup check: the DataSource is initialised and knows {@link UserEntity} (or
   * {@link SqliteUserEntity} on SQLite), and one bounded read of every column of `warden_users`
   * works (the table exists and every migration ran).
   */
  override async check(): Promise<void> {
    const who = 'TypeOrmUserRepository (UsersModule option repository)';
    if (!this.dataSource.isInitialized) {
      throw new Error(
        `${who}: the DataSource is not initialised: pass one after dataSource.initialize() (TypeOrmModule does this for you)`,
      );
    }
    if (
      !this.dataSource.hasMetadata(UserEntity) &&
      !this.dataSource.hasMetadata(SqliteUserEntity)
    ) {
      const entity = SQLITE.has(this.dataSource.options.type) ? 'SqliteUserEntity' : 'UserEntity';
      throw new Error(
        `${who}: ${entity} is not an entity of the DataSource: add it, entities: [${entity}, ...yours], imported from nest-warden`,
      );
    }
    try {
      await withTimeout(this.users.find({ take: 1 }), STARTUP_CHECK_TIMEOUT_MS, 'users query');
    } catch (error) {
      const cause = error as Error & { code?: string; driverError?: { code?: string } };
      const code = cause.driverError?.code ?? cause.code ?? cause.name;
      const table = this.users.metadata.tablePath;
      const fix =
        MISSING_TABLE.has(code) || /no such (table|column)/i.test(cause.message)
          ? `table ${table} is missing or out of date: add migrations: [...wardenMigrations, ...yours] with migrationsRun: true to the DataSource, or run your TypeORM migrations (typeorm migration:run -d <your data source>)`
          : `reading table ${table} failed: check the database is reachable and the DataSource's credentials`;
      throw new Error(`${who}: ${fix} (${code})`, { cause: error });
    }
    if (this.dataSource.options.type === 'postgres') await this.checkInstantColumns(who);
  }

  /** On PostgreSQL the instants must be `timestamptz`: the last migration of wardenMigrations. */
  private async checkInstantColumns(who: string): Promise<void> {
    const { tableName, schema } = this.users.metadata;
    const rows = (await withTimeout(
      this.dataSource.query(
        `SELECT data_type FROM information_schema.columns
         WHERE table_schema = COALESCE($1, current_schema()) AND table_name = $2
           AND column_name = 'created_at'`,
        [schema ?? null, tableName],
      ),
      STARTUP_CHECK_TIMEOUT_MS,
      'users column query',
    )) as { data_type: string }[];
    if (rows[0]?.data_type !== 'timestamp with time zone') {
      throw new Error(
        `${who}: table ${this.users.metadata.tablePath} is out of date (created_at is ${rows[0]?.data_type ?? 'missing'}, not timestamptz): add migrations: [...wardenMigrations, ...yours] with migrationsRun: true to the DataSource, or run your TypeORM migrations (typeorm migration:run -d <your data source>)`,
      );
    }
  }

  findById(id: string): Promise<UserRecord | null> {
    if (!isUserId(id)) return Promise.resolve(null);
    return this.guard(() => this.users.findOneBy({ id }));
  }

  /** One plain SELECT (the first step of every password login). */
  findByEmail(email: string): Promise<UserRecord | null> {
    if (!email) return Promise.resolve(null);
    return this.guard(async () => {
      const statements = this.loginStatements();
      const rows = (await this.dataSource.query(statements.byEmail, [email])) as Record<
        string,
        unknown
      >[];
      return rows.length > 0 ? this.hydrate(rows[0], statements) : null;
    });
  }

  findByEmailSkeleton(emailSkeleton: string): Promise<UserRecord | null> {
    if (!emailSkeleton) return Promise.resolve(null);
    return this.guard(() => this.users.findOneBy({ emailSkeleton }));
  }

  create(user: NewUserRecord): Promise<UserRecord> {
    return this.guard(async () => {
      await this.users.insert({
        ...user,
        emailVerified: false,
        mfaEnabled: false,
        isActive: true,
        authVersion: 1,
        lastLoginAt: null,
      });
      const created = await this.users.findOneBy({ id: user.id });
      if (!created) throw new Error('inserted user not found');
      return created;
    });
  }

  update(id: string, patch: UserPatch): Promise<UserRecord | null> {
    if (!isUserId(id)) return Promise.resolve(null);
    const { bumpAuthVersion, ifEmail, ...fields } = patch;
    return this.guard(async () => {
      const query = this.users
        .createQueryBuilder()
        .update(this.entity)
        .set({ ...fields, ...(bumpAuthVersion ? { authVersion: () => 'auth_version + 1' } : {}) })
        .where('id = :id', { id });
      if (ifEmail !== undefined) query.andWhere('email = :ifEmail', { ifEmail });
      const result = await query.execute();
      if (ifEmail !== undefined && (result.affected ?? 0) === 0) return null;
      return this.users.findOneBy({ id });
    });
  }

  /** One plain UPDATE (as `update` would write it, `updated_at` too): nothing read back. */
  override recordLogin(id: string, at: Date): Promise<void> {
    if (!isUserId(id)) return Promise.resolve();
    return this.guard(async () => {
      const statements = this.loginStatements();
      const value: unknown = this.dataSource.driver.preparePersistentValue(
        at,
        statements.lastLoginAt,
      );
      await this.dataSource.query(statements.recordLogin, [value, id]);
    });
  }

  /** On PostgreSQL one UPDATE for the whole batch; elsewhere one per login. */
  override async recordLogins(logins: ReadonlyArray<{ id: string; at: Date }>): Promise<void> {
    const valid = logins.filter((login) => isUserId(login.id));
    const statements = this.loginStatements();
    if (valid.length === 0) return;
    if (!statements.recordLogins) return super.recordLogins(valid);
    const driver = this.dataSource.driver;
    await this.guard(() =>
      this.dataSource.query(statements.recordLogins!, [
        valid.map((login) => login.id),
        valid.map((login): unknown =>
          driver.preparePersistentValue(login.at, statements.lastLoginAt),
        ),
      ]),
    );
  }

  replacePasswordHash(
    id: string,
    expectedHash: string,
    newHash: string,
    options: { bumpAuthVersion?: boolean } = {},
  ): Promise<boolean> {
    if (!isUserId(id)) return Promise.resolve(false);
    return this.guard(async () => {
      const result = await this.users
        .createQueryBuilder()
        .update(this.entity)
        .set({
          passwordHash: newHash,
          ...(options.bumpAuthVersion ? { authVersion: () => 'auth_version + 1' } : {}),
        })
        .where('id = :id AND password_hash = :expectedHash', { id, expectedHash })
        .execute();
      return (result.affected ?? 0) === 1;
    });
  }

  list({
    limit,
    offset,
    emailPrefix,
  }: {
    limit: number;
    offset: number;
    emailPrefix?: string;
  }): Promise<UserRecord[]> {
    if (!emailPrefix) {
      return this.guard(() =>
        this.users.find({ order: { createdAt: 'ASC', id: 'ASC' }, take: limit, skip: offset }),
      );
    }
    // A byte-wise range [prefix, prefix + U+10FFFF): every string that starts with the prefix and
    // nothing else, served by an index (on PostgreSQL the "C"-collated one of the migration
    // AddWardenUsersEmailPrefixIndex; SQLite's unique index compares bytes already).
    const postgres = this.dataSource.options.type === 'postgres';
    const column = postgres ? 'u.email COLLATE "C"' : 'u.email';
    return this.guard(() =>
      this.users
        .createQueryBuilder('u')
        .where(`${column} >= :low AND ${column} < :high`, {
          low: emailPrefix,
          high: `${emailPrefix}\u{10FFFF}`,
        })
        .orderBy(postgres ? '"u"."email" COLLATE "C"' : 'u.email', 'ASC')
        .take(limit)
        .skip(offset)
        .getMany(),
    );
  }

  /** Maps driver failures: duplicate email or skeleton → 409; anything else → 503 (database unavailable). */
  private async guard<T>(query: () => Promise<T>): Promise<T> {
    try {
      return await query();
    } catch (error) {
      const code = (error as { driverError?: { code?: unknown } }).driverError?.code;
      if (error instanceof QueryFailedError && UNIQUE_VIOLATION.has(String(code))) {
        throw new EmailTakenException();
      }
      throw new WardenUnavailableException('Database unavailable', {
        cause: error,
        service: 'database',
      });
    }
  }
}
