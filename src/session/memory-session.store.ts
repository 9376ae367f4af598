import { Logger } from '@nestjs/common';
import type { Clock } from '../core/clock.js';
import { systemClock } from '../core/clock.js';
import type {
  SessionRecord,
  SessionRef,
  StoredSession,
  UserSessionsRef,
} from './session.record.js';
import type { SessionRotateOptions, SessionWriteOptions, SpentMarker } from './session.store.js';
import { SessionStore } from './session.store.js';

/** Options of {@link MemorySessionStore}. */
export interface MemorySessionStoreOptions {
  /** Entries (sessions and pointers) kept at most; the oldest go first. @default 100000 */
  maxEntries?: number;
  /** Where time comes from (TTL eviction). @default the system clock */
  clock?: Clock;
}

interface Entry {
  /** A session, or a forward pointer to the successor's id hash. */
  value: { record: SessionRecord } | { movedTo: string; graceUntil: number };
  expiresAt: number;
}

/**
 * In-process {@link SessionStore}: for development and tests. Sessions die with the process and
 * are not shared between instances, so production refuses it. Constructing one logs a warning
 * saying so, except when `NODE_ENV` is `test`. Same semantics as the Redis store,
 * down to TTLs (on the injected clock) and atomicity (every method runs to completion).
 */
export class MemorySessionStore extends SessionStore {
  private readonly entries = new Map<string, Entry>();
  private readonly indexes = new Map<string, Map<string, number>>();
  private readonly spent = new Map<string, { marker: SpentMarker; expiresAt: number }>();
  private readonly maxEntries: number;
  private readonly clock: Clock;

  constructor(options: MemorySessionStoreOptions = {}) {
    super();
    this.maxEntries = options.maxEntries ?? 100_000;
    this.clock = options.clock ?? systemClock;
    // Meant for development: say where sessions go. Under test runners (Jest sets NODE_ENV=test)
    // the in-process store is the expected choice and a warning per boot is noise.
    if (process.env.NODE_ENV !== 'test') {
      new Logger('Warden').warn(
        'MemorySessionStore: sessions live in this process only (lost on restart, not shared); use RedisSessionStore in production',
      );
    }
  }

  async create(
    ref: SessionRef,
    record: SessionRecord,
    options: SessionWriteOptions & { maxSessions: number },
  ): Promise<SessionRecord[]> {
    const index = this.indexFor(record.userId);
    for (const idHash of [...index.keys()]) if (!this.session(idHash)) index.delete(idHash);
    this.put(ref.idHash, { record: clone(record) }, options.ttlMs);
    index.set(ref.idHash, record.createdAt);
    const evicted: SessionRecord[] = [];
    while (index.size > options.maxSessions) {
      const [oldest] = [...index.entries()].sort((a, b) => a[1] - b[1])[0];
      index.delete(oldest);
      const session = this.session(oldest);
      this.entries.delete(oldest);
      if (session) evicted.push(session);
    }
    return evicted;
  }

  async get(ref: SessionRef): Promise<StoredSession | null> {
    let idHash: string | undefined = ref.idHash;
    let graceUntil: number | undefined;
    for (let hops = 0; idHash && hops <= 3; hops++) {
      const entry = this.live(idHash);
      if (!entry) return null;
      if ('record' in entry.value) return { record: clone(entry.value.record), idHash, graceUntil };
      graceUntil ??= entry.value.graceUntil;
      idHash = entry.value.movedTo;
    }
    return null;
  }

  async touch(
    ref: SessionRef,
    record: SessionRecord,
    options: SessionWriteOptions,
  ): Promise<boolean> {
    if (!this.session(ref.idHash)) return false;
    this.put(ref.idHash, { record: clone(record) }, options.ttlMs);
    return true;
  }

  async rotate(
    from: SessionRef,
    toIdHash: string,
    record: SessionRecord,
    options: SessionRotateOptions,
  ): Promise<boolean> {
    if (!this.session(from.idHash)) return false;
    this.entries.delete(from.idHash);
    this.put(toIdHash, { record: clone(record) }, options.ttlMs);
    if (options.graceMs > 0) {
      this.put(from.idHash, { movedTo: toIdHash, graceUntil: options.graceUntil }, options.graceMs);
    }
    if (options.spent) await this.markSpent(from, options.spent, options.ttlMs);
    const index = this.indexFor(record.userId);
    index.delete(from.idHash);
    index.set(toIdHash, record.createdAt);
    return true;
  }

  async destroy(ref: SessionRef, record: SessionRecord): Promise<boolean> {
    const existed = this.session(ref.idHash) !== null;
    if (existed) this.entries.delete(ref.idHash);
    const index = this.index(record.userId);
    index?.delete(ref.idHash);
    if (index?.size === 0) this.indexes.delete(record.userId);
    return existed;
  }

  async list(user: UserSessionsRef): Promise<StoredSession[]> {
    const index = this.index(user.userId);
    if (!index) return [];
    const out: StoredSession[] = [];
    for (const [idHash] of [...index.entries()].sort((a, b) => a[1] - b[1])) {
      const record = this.session(idHash);
      if (record) out.push({ record: clone(record), idHash });
      else index.delete(idHash);
    }
    return out;
  }

  async revokeHandle(user: UserSessionsRef, handle: string): Promise<SessionRecord | null> {
    for (const { record, idHash } of await this.list(user)) {
      if (record.handle === handle) {
        await this.destroy({ tag: user.tag, idHash }, record);
        return record;
      }
    }
    return null;
  }

  async revokeAll(user: UserSessionsRef, exceptHandle?: string): Promise<SessionRecord[]> {
    const revoked: SessionRecord[] = [];
    for (const { record, idHash } of await this.list(user)) {
      if (record.handle === exceptHandle) continue;
      await this.destroy({ tag: user.tag, idHash }, record);
      revoked.push(record);
    }
    return revoked;
  }

  async findByHandle(user: UserSessionsRef, handle: string): Promise<StoredSession | null> {
    return (await this.list(user)).find((s) => s.record.handle === handle) ?? null;
  }

  async markSpent(ref: SessionRef, marker: SpentMarker, ttlMs: number): Promise<void> {
    this.spent.set(ref.idHash, { marker: { ...marker }, expiresAt: this.clock.now() + ttlMs });
    while (this.spent.size > this.maxEntries)
      this.spent.delete(this.spent.keys().next().value as string);
  }

  async getSpent(ref: SessionRef): Promise<SpentMarker | null> {
    const entry = this.spent.get(ref.idHash);
    if (!entry) return null;
    if (entry.expiresAt <= this.clock.now()) {
      this.spent.delete(ref.idHash);
      return null;
    }
    return { ...entry.marker };
  }

  private index(userId: string): Map<string, number> | undefined {
    return this.indexes.get(userId);
  }

  private indexFor(userId: string): Map<string, number> {
    let index = this.indexes.get(userId);
    if (!index) this.indexes.set(userId, (index = new Map()));
    return index;
  }

  private live(idHash: string): Entry | null {
    const entry = this.entries.get(idHash);
    if (!entry) return null;
    if (entry.expiresAt <= this.clock.now()) {
      this.entries.delete(idHash);
      return null;
    }
    return entry;
  }

  private session(idHash: string): SessionRecord | null {
    const entry = this.live(idHash);
    return entry && 'record' in entry.value ? entry.value.record : null;
  }

  private put(idHash: string, value: Entry['value'], ttlMs: number): void {
    this.entries.delete(idHash); // re-insert: Map order is the eviction order
    this.entries.set(idHash, { value, expiresAt: this.clock.now() + ttlMs });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }
}

function clone(record: SessionRecord): SessionRecord {
  return JSON.parse(JSON.stringify(record)) as SessionRecord;
}
