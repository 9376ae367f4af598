import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';
import type { UserRecord } from './user.record.js';

/**
 * TypeORM entity of `warden_users`. Add it (and `wardenMigrations`) to your DataSource. The
 * same schema runs on PostgreSQL and SQLite. Never returned to a client.
 */
@Entity({ name: 'warden_users' })
export class UserEntity implements UserRecord {
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

  @Column({ name: 'is_active', type: 'boolean', default: true })
  isActive!: boolean;

  @Column({ name: 'auth_version', type: 'integer', default: 1 })
  authVersion!: number;

  @CreateDateColumn({ name: 'created_at' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at' })
  updatedAt!: Date;

  @Column({ name: 'last_login_at', type: Date, nullable: true })
  lastLoginAt!: Date | null;
}
