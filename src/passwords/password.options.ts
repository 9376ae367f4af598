import { availableParallelism } from 'node:os';

/** Argon2id cost and the hashing bulkhead. All fields optional; defaults below. */
export interface PasswordOptions {
  /** Argon2 memory cost in KiB. @default 19456 (OWASP floor) */
  memoryCostKib?: number;
  /** Argon2 passes over memory. @default 2 */
  timeCost?: number;
  /** Argon2 lanes. @default 1 */
  parallelism?: number;
  /**
   * Hashes (or verifies) running at once. Each one holds a libuv threadpool thread and
   * `memoryCostKib` of memory. @default min(CPUs, UV_THREADPOOL_SIZE − 2), at least 1
   */
  maxConcurrent?: number;
  /** Calls allowed to wait for a slot; past that a call fails at once with 503. @default 64 */
  maxQueued?: number;
  /** How long a call may wait for a slot before it fails with 503, in ms. @default 5000 */
  queueDeadlineMs?: number;
  /** Minimum password length in Unicode code points. @default 8 */
  minLength?: number;
  /** Maximum password length in Unicode code points. @default 256 */
  maxLength?: number;
  /**
   * Minimum zxcvbn score (0–4) of a new password (register, change); 0 turns the estimate off.
   * @default 3
   */
  minStrength?: number;
  /**
   * Base URL of a k-anonymity range API (`<url>/range/<5 hex of SHA-1>`, e.g.
   * `https://api.pwnedpasswords.com`); a new password it lists gets 400. A timeout or error lets
   * the password through with a warning. `null`: no breach check. @default null
   */
  breachedPasswordsUrl?: string | null;
  /** How long the breach check may take, in ms. @default 1000 */
  breachedPasswordsTimeoutMs?: number;
}

/** The OWASP Password Storage Cheat Sheet floor for Argon2id. Lower is a boot error. */
export const ARGON2_OWASP_FLOOR = { memoryCostKib: 19456, timeCost: 2, parallelism: 1 } as const;

/** {@link PasswordOptions} with every default applied. */
export type ResolvedPasswordOptions = Required<PasswordOptions>;

/** Applies defaults and refuses parameters below the OWASP floor (a plain `Error` at boot). */
export function resolvePasswordOptions(options: PasswordOptions = {}): ResolvedPasswordOptions {
  const threadpool = Number(process.env.UV_THREADPOOL_SIZE) || 4;
  const resolved: ResolvedPasswordOptions = {
    memoryCostKib: options.memoryCostKib ?? ARGON2_OWASP_FLOOR.memoryCostKib,
    timeCost: options.timeCost ?? ARGON2_OWASP_FLOOR.timeCost,
    parallelism: options.parallelism ?? ARGON2_OWASP_FLOOR.parallelism,
    maxConcurrent:
      options.maxConcurrent ?? Math.max(1, Math.min(availableParallelism(), threadpool - 2)),
    maxQueued: options.maxQueued ?? 64,
    queueDeadlineMs: options.queueDeadlineMs ?? 5000,
    minLength: options.minLength ?? 8,
    maxLength: options.maxLength ?? 256,
    minStrength: options.minStrength ?? 3,
    breachedPasswordsUrl: options.breachedPasswordsUrl ?? null,
    breachedPasswordsTimeoutMs: options.breachedPasswordsTimeoutMs ?? 1000,
  };
  const floor = ARGON2_OWASP_FLOOR;
  if (
    resolved.memoryCostKib < floor.memoryCostKib ||
    resolved.timeCost < floor.timeCost ||
    resolved.parallelism < floor.parallelism
  ) {
    throw new Error(
      `Argon2 parameters m=${resolved.memoryCostKib} t=${resolved.timeCost} p=${resolved.parallelism} are below the OWASP floor (m=${floor.memoryCostKib} KiB, t=${floor.timeCost}, p=${floor.parallelism}): raise memoryCostKib/timeCost/parallelism`,
    );
  }
  for (const key of ['maxConcurrent', 'minLength', 'maxLength'] as const) {
    if (!Number.isInteger(resolved[key]) || resolved[key] < 1) {
      throw new Error(`Password option ${key} must be a positive integer, got ${resolved[key]}`);
    }
  }
  if (resolved.maxQueued < 0 || resolved.queueDeadlineMs < 0) {
    throw new Error('Password options maxQueued and queueDeadlineMs must not be negative');
  }
  if (![0, 1, 2, 3, 4].includes(resolved.minStrength)) {
    throw new Error(`Password option minStrength must be 0 to 4, got ${resolved.minStrength}`);
  }
  if (
    resolved.breachedPasswordsUrl !== null &&
    !/^https?:\/\//.test(resolved.breachedPasswordsUrl)
  ) {
    throw new Error('Password option breachedPasswordsUrl must be an http(s) URL');
  }
  if (!(resolved.breachedPasswordsTimeoutMs > 0)) {
    throw new Error('Password option breachedPasswordsTimeoutMs must be positive');
  }
  if (resolved.minLength > resolved.maxLength) {
    throw new Error('Password option minLength must not exceed maxLength');
  }
  return resolved;
}
