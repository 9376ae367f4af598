import type { TotpFactor } from './mfa.store.js';
import { MfaStore } from './mfa.store.js';

/**
 * In-process {@link MfaStore}: one process, lost on restart (tests, demos). No method awaits
 * between its check and its write, so each is atomic within the process.
 */
export class MemoryMfaStore extends MfaStore {
  private readonly factors = new Map<string, TotpFactor>();
  private readonly codes = new Map<string, Set<string>>();

  async getTotp(userId: string): Promise<TotpFactor | null> {
    const factor = this.factors.get(userId);
    return factor ? { ...factor } : null;
  }

  async setPendingTotp(userId: string, ciphertext: string): Promise<void> {
    const factor = this.factors.get(userId);
    this.factors.set(userId, {
      secret: factor?.secret ?? null,
      pending: ciphertext,
      enabledAt: factor?.enabledAt ?? null,
    });
  }

  async activateTotp(userId: string, expectedPending: string, now: number): Promise<boolean> {
    const factor = this.factors.get(userId);
    if (!factor || factor.pending === null || factor.pending !== expectedPending) return false;
    this.factors.set(userId, { secret: factor.pending, pending: null, enabledAt: now });
    return true;
  }

  async removeTotp(userId: string): Promise<void> {
    this.factors.delete(userId);
  }

  async replaceRecoveryCodes(userId: string, hashes: string[]): Promise<void> {
    if (hashes.length === 0) this.codes.delete(userId);
    else this.codes.set(userId, new Set(hashes));
  }

  async useRecoveryCode(userId: string, hash: string): Promise<number | null> {
    const codes = this.codes.get(userId);
    if (!codes?.delete(hash)) return null;
    if (codes.size === 0) this.codes.delete(userId);
    return codes.size;
  }

  async countRecoveryCodes(userId: string): Promise<number> {
    return this.codes.get(userId)?.size ?? 0;
  }

  async deleteRecoveryCodes(userId: string): Promise<void> {
    this.codes.delete(userId);
  }
}
