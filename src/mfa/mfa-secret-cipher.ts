import { createCipheriv, createDecipheriv, hash, hkdfSync, randomBytes } from 'node:crypto';
import { assertSecretsPresent, GENERATE_SECRET } from '../core/option-checks.js';

/** HKDF-SHA256 `info` of the AES key derived from each configured key. */
const HKDF_INFO = 'nest-warden mfa secret v1';
/** Shortest key accepted, in characters. */
const MIN_KEY_LENGTH = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const B64URL = /^[A-Za-z0-9_-]*$/;

/**
 * A stored MFA secret that cannot be read: malformed, encrypted with a key no longer configured,
 * tampered with, or moved from another user's row. The message never holds the value or the
 * secret; `reason` says which case.
 */
export class MfaSecretUnreadableError extends Error {
  override readonly name = 'MfaSecretUnreadableError';

  constructor(readonly reason: 'malformed' | 'unknown-key' | 'unauthentic') {
    super(
      reason === 'malformed'
        ? 'Stored MFA secret is malformed (not a v1 value)'
        : reason === 'unknown-key'
          ? 'Stored MFA secret was encrypted with a key that is not in mfa.encryptionKeys (was a key removed?)'
          : "Stored MFA secret failed authentication (tampered with, or another user's)",
    );
  }
}

interface DerivedKey {
  id: string;
  key: Buffer;
}

/**
 * Encrypts TOTP secrets at rest: AES-256-GCM, one AES key derived with HKDF-SHA256 (empty salt,
 * info `nest-warden mfa secret v1`) from each configured key, newest first: the first encrypts,
 * every one decrypts (rotation: prepend a new key, re-encrypt values `isCurrent` says are old,
 * then drop the old key). The user id is authenticated data: a value copied to another user's
 * row does not decrypt.
 *
 * Format: `v1.<key id>.<iv>.<ciphertext>.<tag>`, base64url parts, the key id being the first 8 hex
 * characters of SHA-256 of the derived AES key (it names the key without revealing it).
 */
export class MfaSecretCipher {
  private readonly keys: DerivedKey[];

  /** @param keys newest first, each at least 32 characters; throws a boot error otherwise. */
  constructor(keys: string[]) {
    assertSecretsPresent(
      'mfa.encryptionKeys',
      keys,
      `pass at least one key of ${MIN_KEY_LENGTH}+ characters, newest first (MFA_ENCRYPTION_KEYS); generate one with ${GENERATE_SECRET}`,
    );
    keys.forEach((key, index) => {
      if (key.length < MIN_KEY_LENGTH) {
        throw new Error(
          `AuthModule option mfa.encryptionKeys entry ${index} is shorter than ${MIN_KEY_LENGTH} characters (${key.length}): generate one with ${GENERATE_SECRET}`,
        );
      }
    });
    this.keys = keys.map((secret) => {
      const key = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), HKDF_INFO, 32));
      return { id: hash('sha256', key, 'hex').slice(0, 8), key };
    });
  }

  /** `plain` encrypted with the newest key for `userId`. */
  encrypt(plain: string, userId: string): string {
    const { id, key } = this.keys[0];
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(aad(userId));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    const parts = [iv, body, cipher.getAuthTag()].map((part) => part.toString('base64url'));
    return ['v1', id, ...parts].join('.');
  }

  /** The plaintext of `ciphertext` for `userId`; throws {@link MfaSecretUnreadableError}. */
  decrypt(ciphertext: string, userId: string): string {
    const parsed = parse(ciphertext);
    if (!parsed) throw new MfaSecretUnreadableError('malformed');
    const candidates = this.keys.filter((key) => key.id === parsed.keyId);
    if (candidates.length === 0) throw new MfaSecretUnreadableError('unknown-key');
    for (const { key } of candidates) {
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, parsed.iv, {
          authTagLength: TAG_BYTES,
        });
        decipher.setAAD(aad(userId));
        decipher.setAuthTag(parsed.tag);
        return Buffer.concat([decipher.update(parsed.body), decipher.final()]).toString('utf8');
      } catch {
        // Authentication failed with this key; another key may share the 8-hex id.
      }
    }
    throw new MfaSecretUnreadableError('unauthentic');
  }

  /** Whether `ciphertext` was encrypted with the newest key (false: re-encrypt it). */
  isCurrent(ciphertext: string): boolean {
    return parse(ciphertext)?.keyId === this.keys[0].id;
  }
}

function aad(userId: string): Buffer {
  return Buffer.from(`nest-warden mfa:${userId}`, 'utf8');
}

/** The parts of a v1 value, or null when it is not one. */
function parse(value: unknown) {
  if (typeof value !== 'string') return null;
  const parts = value.split('.');
  if (parts.length !== 5 || parts[0] !== 'v1' || !/^[0-9a-f]{8}$/.test(parts[1])) return null;
  const [iv, body, tag] = parts.slice(2).map((part) => decodeBase64url(part));
  if (!iv || !body || !tag || iv.length !== IV_BYTES || tag.length !== TAG_BYTES) return null;
  return { keyId: parts[1], iv, body, tag };
}

/** Strict base64url (no padding, canonical), or null. */
function decodeBase64url(part: string): Buffer | null {
  if (!B64URL.test(part)) return null;
  const bytes = Buffer.from(part, 'base64url');
  return bytes.toString('base64url') === part ? bytes : null;
}
