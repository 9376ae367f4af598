// Helpers shared by the bench scripts.
import type { Redis } from 'ioredis';

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** `n` with thousands separators and exactly `digits` decimals. */
export const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** Calls `each` with every batch of keys under `prefix` (SCAN, never KEYS). */
async function scanPrefix(
  redis: Redis,
  prefix: string,
  each: (keys: string[]) => Promise<unknown>,
): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    if (keys.length) await each(keys);
    cursor = next;
  } while (cursor !== '0');
}

/** Deletes every key under `prefix` (SCAN + UNLINK). */
export function deletePrefix(redis: Redis, prefix: string): Promise<void> {
  return scanPrefix(redis, prefix, (keys) => redis.unlink(...keys));
}

/** How many keys are under `prefix` (the shared Redis may hold others'). */
export async function countPrefix(redis: Redis, prefix: string): Promise<number> {
  let count = 0;
  await scanPrefix(redis, prefix, async (keys) => (count += keys.length));
  return count;
}

/** Runs `task(0..total-1)` with `width` in flight. */
export async function pool(
  total: number,
  width: number,
  task: (i: number) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < total) await task(next++);
    }),
  );
}
