import type { PasskeyRecord } from './passkey.store.js';
import { PasskeyStore, PasskeyTakenError } from './passkey.store.js';

/** A copy the caller may change without touching the store (`transports` is an array). */
const copy = (record: PasskeyRecord): PasskeyRecord => ({
  ...record,
  transports: [...record.transports],
});

/**
 * In-process {@link PasskeyStore}: one process, lost on restart (tests, demos). No method awaits
 * between its check and its write, so each is atomic within the process.
 */
export class MemoryPasskeyStore extends PasskeyStore {
  /** Passkeys by id. */
  private readonly passkeys = new Map<string, PasskeyRecord>();
  /** Ids by credential id: the unique index. */
  private readonly byCredentialId = new Map<string, string>();

  async create(record: PasskeyRecord): Promise<void> {
    if (this.passkeys.has(record.id) || this.byCredentialId.has(record.credentialId)) {
      throw new PasskeyTakenError();
    }
    this.passkeys.set(record.id, copy(record));
    this.byCredentialId.set(record.credentialId, record.id);
  }

  async findByCredentialId(credentialId: string): Promise<PasskeyRecord | null> {
    const id = this.byCredentialId.get(credentialId);
    const record = id === undefined ? undefined : this.passkeys.get(id);
    return record ? copy(record) : null;
  }

  async listByUser(userId: string): Promise<PasskeyRecord[]> {
    return [...this.passkeys.values()]
      .filter((record) => record.userId === userId)
      .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
      .map(copy);
  }

  async recordUse(
    id: string,
    expectedCounter: number,
    newCounter: number,
    at: number,
  ): Promise<boolean> {
    const record = this.passkeys.get(id);
    if (!record || record.counter !== expectedCounter) return false;
    record.counter = newCounter;
    record.lastUsedAt = at;
    return true;
  }

  async rename(userId: string, id: string, name: string): Promise<boolean> {
    const record = this.passkeys.get(id);
    if (!record || record.userId !== userId) return false;
    record.name = name;
    return true;
  }

  async delete(userId: string, id: string): Promise<boolean> {
    const record = this.passkeys.get(id);
    if (!record || record.userId !== userId) return false;
    this.passkeys.delete(id);
    this.byCredentialId.delete(record.credentialId);
    return true;
  }

  async deleteAllForUser(userId: string): Promise<number> {
    let count = 0;
    for (const record of [...this.passkeys.values()]) {
      if (record.userId !== userId) continue;
      this.passkeys.delete(record.id);
      this.byCredentialId.delete(record.credentialId);
      count += 1;
    }
    return count;
  }
}
