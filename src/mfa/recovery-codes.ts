import { hash, randomBytes } from 'node:crypto';

/** RFC 4648 base32, lowercase: no 0/1/8/9, so nothing to confuse with o, l or b. */
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
/** 10 random bytes: 80 bits, exactly 16 base32 characters. */
const CODE_BYTES = 10;

/**
 * `count` new recovery codes, each 16 base32 characters (80 random bits) shown as
 * `xxxx-xxxx-xxxx-xxxx` in lowercase. Store only their {@link hashRecoveryCode} hashes.
 * @default count 10
 */
export function generateRecoveryCodes(count = 10): string[] {
  const codes = new Set<string>();
  while (codes.size < count) codes.add(base32(randomBytes(CODE_BYTES)));
  return [...codes].map((code) => code.match(/.{4}/g)!.join('-'));
}

/**
 * A recovery code as typed (any case, with or without spaces and dashes) in its stored form: 16
 * lowercase base32 characters; null when it cannot be one.
 */
export function normalizeRecoveryCode(input: string): string | null {
  if (typeof input !== 'string') return null;
  const code = input.toLowerCase().replace(/[\s-]/g, '');
  return /^[a-z2-7]{16}$/.test(code) ? code : null;
}

/** What is stored of a normalized recovery code: SHA-256, hex (80 random bits need no salt). */
export function hashRecoveryCode(normalized: string): string {
  return hash('sha256', normalized, 'hex');
}

/** Base32 of `bytes` whose bit count is a multiple of 5 (no padding). */
function base32(bytes: Buffer): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET[(value >>> bits) & 31];
    }
  }
  return out;
}
