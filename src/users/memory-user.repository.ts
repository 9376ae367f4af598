import { EmailTakenException } from '../errors/warden.exceptions.js';
import type { NewUserRecord, UserPatch, UserRecord } from './user.record.js';
import { UserRepository } from './user.repository.js';

/** In-process {@link UserRepository} for tests and demos. Returns copies, never live objects. */
export class MemoryUserRepository extends UserRepository {
  private readonly byId = new Map<string, UserRecord>();
  private readonly idByEmail = new Map<string, string>();
  private readonly idBySkeleton = new Map<string, string>();

  constructor(private readonly now: () => Date = () => new Date()) {
    super();
  }

  async findById(id: string): Promise<UserRecord | null> {
    return id ? copy(this.byId.get(id)) : null;
  }

  async findByEmail(email: string): Promise<UserRecord | null> {
    const id = email ? this.idByEmail.get(email) : undefined;
    return id ? copy(this.byId.get(id)) : null;
  }

  async findByEmailSkeleton(emailSkeleton: string): Promise<UserRecord | null> {
    const id = emailSkeleton ? this.idBySkeleton.get(emailSkeleton) : undefined;
    return id ? copy(this.byId.get(id)) : null;
  }

  async create(user: NewUserRecord): Promise<UserRecord> {
    if (this.idByEmail.has(user.email) || this.idBySkeleton.has(user.emailSkeleton)) {
      throw new EmailTakenException();
    }
    const at = this.now();
    const record: UserRecord = {
      ...user,
      roles: [...user.roles],
      emailVerified: false,
      mfaEnabled: false,
      isActive: true,
      authVersion: 1,
      createdAt: at,
      updatedAt: at,
      lastLoginAt: null,
    };
    this.byId.set(record.id, record);
    this.idByEmail.set(record.email, record.id);
    this.idBySkeleton.set(record.emailSkeleton, record.id);
    return copy(record) as UserRecord;
  }

  async update(id: string, patch: UserPatch): Promise<UserRecord | null> {
    const user = id ? this.byId.get(id) : undefined;
    if (!user) return null;
    const { bumpAuthVersion, roles, ifEmail, ...fields } = patch;
    if (ifEmail !== undefined && user.email !== ifEmail) return null;
    if (fields.email !== undefined || fields.emailSkeleton !== undefined)
      this.moveEmail(user, fields);
    Object.assign(user, fields, roles ? { roles: [...roles] } : {}, { updatedAt: this.now() });
    if (bumpAuthVersion) user.authVersion++;
    return copy(user);
  }

  /** Re-indexes a user under a new email and skeleton, or throws as the unique indexes would. */
  private moveEmail(user: UserRecord, fields: { email?: string; emailSkeleton?: string }): void {
    const email = fields.email ?? user.email;
    const skeleton = fields.emailSkeleton ?? user.emailSkeleton;
    const byEmail = this.idByEmail.get(email);
    const bySkeleton = this.idBySkeleton.get(skeleton);
    if ((byEmail && byEmail !== user.id) || (bySkeleton && bySkeleton !== user.id)) {
      throw new EmailTakenException();
    }
    this.idByEmail.delete(user.email);
    this.idBySkeleton.delete(user.emailSkeleton);
    this.idByEmail.set(email, user.id);
    this.idBySkeleton.set(skeleton, user.id);
  }

  async replacePasswordHash(
    id: string,
    expectedHash: string,
    newHash: string,
    options: { bumpAuthVersion?: boolean } = {},
  ): Promise<boolean> {
    const user = id ? this.byId.get(id) : undefined;
    if (!user || user.passwordHash !== expectedHash) return false;
    user.passwordHash = newHash;
    user.updatedAt = this.now();
    if (options.bumpAuthVersion) user.authVersion++;
    return true;
  }

  async list({
    limit,
    offset,
    emailPrefix,
  }: {
    limit: number;
    offset: number;
    emailPrefix?: string;
  }): Promise<UserRecord[]> {
    const users = [...this.byId.values()];
    const matching = emailPrefix
      ? users
          .filter((u) => u.email.startsWith(emailPrefix))
          .sort((a, b) => (a.email < b.email ? -1 : a.email > b.email ? 1 : 0))
      : users.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime());
    return matching.slice(offset, offset + limit).map((user) => copy(user) as UserRecord);
  }
}

function copy(user: UserRecord | undefined): UserRecord | null {
  return user ? { ...user, roles: [...user.roles] } : null;
}
