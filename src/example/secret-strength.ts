/**
 * Fewer distinct characters than this and a secret is refused.
 * @default 10
 */
export const MIN_DISTINCT_CHARACTERS = 10;

/**
 * A Shannon estimate (over the secret's own character frequencies, times its length) under this
 * many bits and a secret is refused. Not 128: the estimate undercounts short random strings,
 * and would refuse every `openssl rand -hex 16` (128 real bits, estimated ~115).
 * @default 96
 */
export const MIN_ESTIMATED_BITS = 96;

/** A run of this many consecutive characters (`0123456789`, `abcdefghij`, `zyx…`) is refused. */
export const MAX_SEQUENTIAL_RUN = 10;

/**
 * Why a secret looks guessable, or `undefined` when nothing stands out. Heuristics, not a
 * proof of randomness: they catch one repeated character, short repeated patterns, keyboard
 * or alphabet runs and low variety, while a random base64 or hex value of 32+ characters
 * passes (the chance that a random 32-character hex value trips them is about 2 in 10,000).
 * The reason never quotes the secret.
 */
export function weakSecretReason(secret: string): string | undefined {
  const chars = [...secret];
  if (new Set(chars).size < MIN_DISTINCT_CHARACTERS) return 'too few distinct characters';
  if (smallestPeriod(chars) <= chars.length / 2) return 'a repeating pattern';
  if (longestSequentialRun(chars) >= MAX_SEQUENTIAL_RUN) return 'a run of consecutive characters';
  if (shannonBits(chars) < MIN_ESTIMATED_BITS) return 'too little estimated entropy';
  return undefined;
}

/** Length of the shortest p with chars[i] === chars[i - p] for every i ≥ p (KMP failure function). */
function smallestPeriod(chars: string[]): number {
  const border = new Array<number>(chars.length).fill(0);
  for (let i = 1, k = 0; i < chars.length; i++) {
    while (k > 0 && chars[i] !== chars[k]) k = border[k - 1];
    if (chars[i] === chars[k]) k++;
    border[i] = k;
  }
  return chars.length - (border[chars.length - 1] ?? 0);
}

/** Longest run of characters whose code points step by +1 (or by -1) each time. */
function longestSequentialRun(chars: string[]): number {
  const code = (i: number) => chars[i].codePointAt(0) ?? 0;
  let longest = Math.min(chars.length, 1);
  let run = 1;
  for (let i = 1; i < chars.length; i++) {
    const delta = code(i) - code(i - 1);
    const previous = i >= 2 ? code(i - 1) - code(i - 2) : 0;
    if (delta === 1 || delta === -1) run = delta === previous ? run + 1 : 2;
    else run = 1;
    longest = Math.max(longest, run);
  }
  return longest;
}

/** Length × the Shannon entropy of the character frequencies, in bits. */
function shannonBits(chars: string[]): number {
  const counts = new Map<string, number>();
  for (const char of chars) counts.set(char, (counts.get(char) ?? 0) + 1);
  let bitsPerChar = 0;
  for (const count of counts.values()) {
    const p = count / chars.length;
    bitsPerChar -= p * Math.log2(p);
  }
  return bitsPerChar * chars.length;
}
