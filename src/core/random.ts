import { randomBytes, randomFillSync } from 'node:crypto';

/** Bytes drawn from the CSPRNG at a time (what `crypto.randomUUID`'s cache draws, 16 × 128 + 2 KiB). */
const POOL_BYTES = 4096;

let pool = Buffer.alloc(0);
let used = POOL_BYTES;

/**
 * `size` bytes from the CSPRNG, as `crypto.randomBytes` gives them, drawn from a pool filled
 * 4 KiB at a time: one call into OpenSSL (which also asks the kernel for the process id, to
 * notice a fork) per few hundred small draws instead of one each, as `crypto.randomUUID` does.
 * Every byte is handed out once; a refill takes a new buffer, so earlier results never change.
 * Draws over 256 bytes go to `randomBytes` directly.
 */
export function pooledRandomBytes(size: number): Buffer {
  if (size > 256) return randomBytes(size);
  if (used + size > POOL_BYTES) {
    pool = randomFillSync(Buffer.allocUnsafeSlow(POOL_BYTES));
    used = 0;
  }
  const bytes = pool.subarray(used, used + size);
  used += size;
  return bytes;
}
