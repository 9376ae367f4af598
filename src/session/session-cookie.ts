import type { Cipher, Decipher } from 'node:crypto';
import {
  createCipheriv,
  createDecipheriv,
  hash,
  createHmac,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';

/** What a valid session cookie carries: the secret id and the user's (hidden) slot tag. */
export interface SessionCookiePayload {
  /** 256 random bits, base64url. Never stored anywhere. */
  id: string;
  /** The user's slot tag: 16 base64url characters (12 bytes, `userTag`). */
  tag: string;
}

interface Keys {
  mac: Buffer;
  locatorCipher: Cipher;
  locatorDecipher: Decipher;
}

const ID_BYTES = 32;
/** Bytes of the user's slot tag in the locator block; the rest of the block is random. */
const TAG_BYTES = 12;
/** Bytes of SHA-256(id) a store sees: 128 bits, plenty for a 256-bit random id. */
const ID_HASH_BYTES = 16;

/**
 * A cookie value: `<id>.<locator>.<signature>`, each part the one base64url spelling of its
 * bytes. A 43-character part (32 bytes) carries 2 spare bits in its last character, a
 * 22-character one (16 bytes) 4, so up to 16 strings decode to the same bytes; only the one with
 * the spare bits zero, as Node encodes it, is accepted: its last character is one of
 * `AEIMQUYcgkosw048` (a multiple of 4 in the alphabet), or of `AQgw` (a multiple of 16).
 */
const COOKIE_PATTERN =
  /^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]\.[A-Za-z0-9_-]{21}[AQgw]\.[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/;

/**
 * The session cookie: `<id>.<locator>.<signature>`, about 110 characters.
 *
 * - `id`: 256 bits from the OS CSPRNG. The store only ever sees its SHA-256.
 * - `locator`: the user's slot tag (12 bytes of SHA-256(userId), `userTag`: it names the user's
 *   sessions hash in Redis and its Cluster slot), AES-256-encrypted in one block with 4 random
 *   bytes, so it reveals nothing and two cookies of one user cannot be linked (a block cipher
 *   under a secret key: any change of the input block gives an unrelated output block).
 * - `signature`: HMAC-SHA256 over both. The first secret signs, all verify (rotation), in
 *   constant time; a bad or missing signature is rejected before any store lookup.
 */
export class SessionCookieCodec {
  /** `__Host-sid` when secure, else `sid` (another `baseName` for another cookie). */
  readonly name: string;
  private readonly keys: Keys[];

  constructor(
    secrets: string[],
    private readonly secure: boolean,
    baseName = 'sid',
  ) {
    this.name = secure ? `__Host-${baseName}` : baseName;
    this.keys = secrets.map((secret) => {
      const locator = createHmac('sha256', secret)
        .update('nest-warden session locator v1')
        .digest();
      return {
        mac: createHmac('sha256', secret).update('nest-warden session mac v1').digest(),
        // ECB without padding turns each 16-byte update into 16 bytes at once and keeps no
        // state between blocks, so one cipher and one decipher per key serve every request
        // (final() is never called) instead of one made per request.
        locatorCipher: createCipheriv('aes-256-ecb', locator, null).setAutoPadding(false),
        locatorDecipher: createDecipheriv('aes-256-ecb', locator, null).setAutoPadding(false),
      };
    });
  }

  /** A new random session id. */
  static newId(): string {
    return randomBytes(ID_BYTES).toString('base64url');
  }

  /**
   * SHA-256 of a session id truncated to 128 bits, base64url (22 characters): the only form of
   * the id a store sees.
   */
  static hashId(id: string): string {
    return hash('sha256', id, 'buffer').subarray(0, ID_HASH_BYTES).toString('base64url');
  }

  /** The signed cookie value for an id and slot tag. */
  encode(payload: SessionCookiePayload): string {
    const keys = this.keys[0];
    const tag = Buffer.from(payload.tag, 'base64url');
    if (tag.length !== TAG_BYTES) throw new TypeError('a slot tag is 12 bytes (userTag)');
    const block = Buffer.concat([tag, randomBytes(16 - TAG_BYTES)]);
    const locator = keys.locatorCipher.update(block).toString('base64url');
    return `${payload.id}.${locator}.${this.sign(keys.mac, payload.id, locator)}`;
  }

  /** Verifies and decodes a cookie value; null for anything malformed or not signed by us. */
  decode(value: string | undefined): SessionCookiePayload | null {
    if (!value || value.length !== 110 || !COOKIE_PATTERN.test(value)) return null;
    const id = value.slice(0, 43);
    const locator = value.slice(44, 66);
    // Canonical spellings: comparing the bytes is comparing the strings.
    const given = Buffer.from(value.slice(67), 'base64url');
    for (const keys of this.keys) {
      if (timingSafeEqual(given, this.mac(keys.mac, id, locator))) {
        const block = keys.locatorDecipher.update(Buffer.from(locator, 'base64url'));
        return { id, tag: block.subarray(0, TAG_BYTES).toString('base64url') };
      }
    }
    return null;
  }

  /**
   * The session cookie's value from a raw `Cookie` header, parsed strictly (RFC 6265
   * `name=value` pairs separated by `"; "`): the name must match exactly (`__host-sid` or
   * `" sid"` do not), and a header with two session cookies has none (cookie tossing).
   */
  read(cookieHeader: string | string[] | undefined): string | undefined {
    const header = Array.isArray(cookieHeader) ? cookieHeader.join('; ') : cookieHeader;
    if (!header) return undefined;
    let found: string | undefined;
    let count = 0;
    for (const pair of header.split('; ')) {
      const eq = pair.indexOf('=');
      if (eq <= 0 || pair.slice(0, eq) !== this.name) continue;
      count++;
      found = pair.slice(eq + 1);
    }
    if (count !== 1 || found === undefined) return undefined;
    return found.startsWith('"') && found.endsWith('"') && found.length >= 2
      ? found.slice(1, -1)
      : found;
  }

  /** `Set-Cookie` value that sets the cookie; `maxAgeSeconds` makes it persistent. */
  serialize(value: string, maxAgeSeconds?: number): string {
    const maxAge =
      maxAgeSeconds === undefined ? '' : `; Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}`;
    return `${this.name}=${value}; Path=/${maxAge}; HttpOnly; SameSite=Lax${this.secure ? '; Secure' : ''}`;
  }

  /** `Set-Cookie` value that expires the cookie at once. */
  expire(): string {
    return `${this.name}=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax${this.secure ? '; Secure' : ''}`;
  }

  private sign(key: Buffer, id: string, locator: string): string {
    return this.mac(key, id, locator).toString('base64url');
  }

  private mac(key: Buffer, id: string, locator: string): Buffer {
    return createHmac('sha256', key).update(`sid.v1.${id}.${locator}`).digest();
  }
}
