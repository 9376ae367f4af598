import { hash } from 'node:crypto';

/** SHA-256's block size in bytes. */
const BLOCK = 64;
const DIGEST = 32;

/**
 * HMAC-SHA256 with one key (RFC 2104): `H((K ⊕ opad) ‖ H((K ⊕ ipad) ‖ message))`, built on the
 * one-shot `crypto.hash()`. The result is that of `createHmac('sha256', key)` (the spec checks it
 * against RFC 4231's vectors and against `createHmac` for keys and messages of every length); what
 * differs is the cost on a busy server: `createHmac()` sets up an OpenSSL MAC context on every
 * call, which, among the rest of a request's work, costs several times the two digests, while
 * `crypto.hash()` keeps its digest fetched. Key material stays in this object's buffers, as it
 * would in a `createHmac` key.
 */
export class HmacSha256 {
  /** K ⊕ ipad. */
  private readonly ipad: Buffer;
  /** K ⊕ opad, then room for the inner digest. */
  private readonly outer: Buffer;

  constructor(key: Buffer | string) {
    let k = typeof key === 'string' ? Buffer.from(key) : key;
    if (k.length > BLOCK) k = hash('sha256', k, 'buffer');
    this.ipad = Buffer.alloc(BLOCK, 0x36);
    this.outer = Buffer.alloc(BLOCK + DIGEST, 0x5c);
    for (let i = 0; i < k.length; i++) {
      this.ipad[i] ^= k[i];
      this.outer[i] ^= k[i];
    }
  }

  /** The 32-byte MAC of `message` (a string is taken as UTF-8). */
  digest(message: string | Buffer): Buffer {
    const length = typeof message === 'string' ? Buffer.byteLength(message) : message.length;
    const input = Buffer.allocUnsafe(BLOCK + length);
    this.ipad.copy(input, 0);
    if (typeof message === 'string') input.write(message, BLOCK, 'utf8');
    else message.copy(input, BLOCK);
    // Synchronous: nothing else can use `outer` between the two digests.
    hash('sha256', input, 'buffer').copy(this.outer, BLOCK);
    return hash('sha256', this.outer, 'buffer');
  }
}
