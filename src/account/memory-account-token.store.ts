import type { AccountTokenPurpose, AccountTokenRecord } from './account-token.store.js';
import { AccountTokenStore } from './account-token.store.js';

/** In-process {@link AccountTokenStore}: one process, lost on restart (tests, demos). */
export class MemoryAccountTokenStore extends AccountTokenStore {
  private readonly tokens = new Map<string, AccountTokenRecord>();

  async insert(record: AccountTokenRecord): Promise<void> {
    for (const [hash, old] of this.tokens) {
      if (old.expiresAt <= record.createdAt) this.tokens.delete(hash);
    }
    this.tokens.set(record.tokenHash, { ...record });
  }

  async find(
    tokenHash: string,
    purpose: AccountTokenPurpose,
    now: number,
  ): Promise<AccountTokenRecord | null> {
    const record = this.tokens.get(tokenHash);
    return record && record.purpose === purpose && record.expiresAt > now ? { ...record } : null;
  }

  async consume(
    tokenHash: string,
    purpose: AccountTokenPurpose,
    now: number,
  ): Promise<AccountTokenRecord | null> {
    // Checked and deleted with no await in between: of parallel uses exactly one gets it.
    const record = this.tokens.get(tokenHash);
    if (!record || record.purpose !== purpose || record.expiresAt <= now) return null;
    this.tokens.delete(tokenHash);
    return { ...record };
  }

  async deleteForUser(userId: string, purpose: AccountTokenPurpose): Promise<void> {
    for (const [hash, record] of this.tokens) {
      if (record.userId === userId && record.purpose === purpose) this.tokens.delete(hash);
    }
  }
}
