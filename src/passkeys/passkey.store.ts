/**
 * A registered WebAuthn credential (a passkey) as stored. Times in ms since the epoch. The SQL
 * columns bound some fields: callers keep `credentialId` within 1364 characters (1023 bytes, the
 * WebAuthn limit, in base64url), `name` within 100, `deviceType` within 32 and the JSON of
 * `transports` within 256.
 */
export interface PasskeyRecord {
  /** Public id of this passkey (UUID), what the API lists and deletes. */
  id: string;
  userId: string;
  /** The credential id, base64url, as the authenticator reports it: unique across users. */
  credentialId: string;
  /** The COSE public key, base64url. */
  publicKey: string;
  /** The signature counter last seen (0 for authenticators that do not count). */
  counter: number;
  /** Transports the authenticator reported ('internal', 'hybrid', 'usb', ...). */
  transports: string[];
  /** Backed up (synced) credential; deviceType 'singleDevice' | 'multiDevice'. */
  backedUp: boolean;
  deviceType: string;
  name: string;
  createdAt: number;
  lastUsedAt: number | null;
}

/** Thrown by {@link PasskeyStore.create} when the credential id (or the id) is already stored. */
export class PasskeyTakenError extends Error {
  constructor(options?: { cause?: unknown }) {
    super('This passkey is already registered', options);
    this.name = 'PasskeyTakenError';
  }
}

/**
 * Port: where passkeys live. Shipped: `TypeOrmPasskeyStore` (PostgreSQL, SQLite: survives
 * restarts, shared by every instance) and `MemoryPasskeyStore`. Both pass
 * `test/contracts/passkey-store`. Failures of the backing store throw
 * `WardenUnavailableException` (503).
 */
export abstract class PasskeyStore {
  /** Optional boot check: the table exists. Throws a one-line `Error` saying how to fix it. */
  check?(): Promise<void>;
  /**
   * Stores a new passkey; `PasskeyTakenError` if the credential id exists (unique index), for
   * any user, and then nothing changed.
   */
  abstract create(record: PasskeyRecord): Promise<void>;
  /** The passkey with this credential id (any user), or null. */
  abstract findByCredentialId(credentialId: string): Promise<PasskeyRecord | null>;
  /** The user's passkeys, oldest first (by `createdAt`, then `id`). */
  abstract listByUser(userId: string): Promise<PasskeyRecord[]>;
  /**
   * Records a use: sets counter and lastUsedAt only while the stored counter is still
   * `expectedCounter` (compare-and-set: of two parallel uses of one counter value one wins).
   * True when written.
   */
  abstract recordUse(
    id: string,
    expectedCounter: number,
    newCounter: number,
    at: number,
  ): Promise<boolean>;
  /** Renames the user's passkey; false when it is not the user's. */
  abstract rename(userId: string, id: string, name: string): Promise<boolean>;
  /** Deletes the user's passkey; false when it is not the user's. */
  abstract delete(userId: string, id: string): Promise<boolean>;
  /** Deletes every passkey of the user (an admin reset). Returns how many. */
  abstract deleteAllForUser(userId: string): Promise<number>;
}
