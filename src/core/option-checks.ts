/** `openssl` command that prints a good random secret, quoted in boot errors. */
export const GENERATE_SECRET = '`openssl rand -base64 48`';

/**
 * Refuses a list of secrets (or keys) that is not a non-empty array of non-empty strings, with a
 * one-line boot error naming the option path (`AuthModule option session.secrets is missing`):
 * `process.env.X?.split(',') ?? []` and `[process.env.X!]` with X unset land here, not in a
 * `TypeError` later. `fix` says what to pass.
 */
export function assertSecretsPresent(
  path: string,
  value: unknown,
  fix: string,
): asserts value is string[] {
  const got = describeMissing(value);
  if (got) throw new Error(`AuthModule option ${path} is missing (${got}): ${fix}`);
}

/** Refuses secrets shorter than `minLength`, naming the entry (never its value). */
export function assertSecretsLength(path: string, secrets: string[], minLength: number): void {
  secrets.forEach((secret, index) => {
    if (secret.length < minLength) {
      throw new Error(
        `AuthModule option ${path}[${index}] is too short (${secret.length} characters): each needs at least ${minLength} characters; generate one with ${GENERATE_SECRET}`,
      );
    }
  });
}

/** What is wrong with a list of secrets, or null when every entry is a non-empty string. */
function describeMissing(value: unknown): string | null {
  if (value === undefined || value === null) return `got ${String(value)}`;
  if (!Array.isArray(value)) return `got a ${typeof value}, not an array of strings`;
  if (value.length === 0) return 'got an empty array';
  const index = value.findIndex((entry) => typeof entry !== 'string' || entry.length === 0);
  if (index === -1) return null;
  const entry: unknown = value[index];
  const what =
    typeof entry === 'string'
      ? 'an empty string'
      : entry === undefined || entry === null
        ? String(entry)
        : `a ${typeof entry}`;
  return `entry ${index} is ${what}: is the environment variable it comes from set?`;
}
