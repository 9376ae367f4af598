import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { UserRecord } from './user.record.js';

/**
 * The columns of `warden_users` that are the same on every database. Not an entity: the two
 * entities below extend it and add the timestamps, whose type depends on the database.
 */
abstract class UserColumns {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Index('UQ_warden_users_email', { unique: true })
  @Column({ type: 'varchar', length: 320 })
  email!: string;

  /** Confusable skeleton of `email`; the unique index keeps look-alike accounts out. */
  @Index('UQ_warden_users_email_skeleton', { unique: true })
  @Column({ name: 'email_skeleton', type: 'varchar', length: 1024 })
  emailSkeleton!: string;

  @Column({ name: 'display_name', type: 'varchar', length: 100 })
  displayName!: string;

  @Column({ name: 'password_hash', type: 'varchar', length: 255 })
  passwordHash!: string;

  @Column({ type: 'simple-json' })
  roles!: string[];

  @Column({ name: 'email_verified', type: 'boolean', default: false })
  emailVerified!: boolean;

  @Column({ name: 'mfa_enabled', type: 'boolean', default: false })
  mfaEnabled!: boolean;

  @Column({ name: 'is_active', type: 'boolean', default: true })
  isActive!: boolean;

  @Column({ name: 'auth_version', type: 'integer', default: 1 })
  authVersion!: number;
}

/**
 * TypeORM entity of `warden_users` on PostgreSQL. Add it (and `wardenMigrations`) to your
 * DataSource; on SQLite add {@link SqliteUserEntity} instead. Instants are `timestamptz`, so a
 * process in any time zone reads back the instant written. Never returned to a client.
 */
@Entity({ name: 'warden_users' })
// The email in the "C" collation, for prefix searches: made by a migration, not synchronised.
@Index('IDX_warden_users_email_c', { synchronize: false })
export class UserEntity extends UserColumns implements UserRecord {
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @Column({ name: 'last_login_at', type: 'timestamptz', nullable: true })
  lastLoginAt!: Date | null;
}

/**
 * TypeORM entity of `warden_users` on SQLite (better-sqlite3): the same table and columns as
 * {@link UserEntity}, with `datetime` instants (TypeORM stores them as UTC text). SQLite
 * rejects `timestamptz`, PostgreSQL `datetime`, hence two entities. Never returned to a client.
 */
@Entity({ name: 'warden_users' })
export class SqliteUserEntity extends UserColumns implements UserRecord {
  @CreateDateColumn({ name: 'created_at', type: 'datetime' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'datetime' })
  updatedAt!: Date;

  @Column({ name: 'last_login_at', type: 'datetime', nullable: true })
  lastLoginAt!: Date | null;
}
