import {
  assertSecretsLength,
  assertSecretsPresent,
  GENERATE_SECRET,
} from '../core/option-checks.js';

/** Session lifetimes, rotation, limits and cookie settings. All optional; defaults below. */
export interface SessionOptions {
  /**
   * Cookie signing secrets, newest first: the first signs, every one verifies. Each at least 32
   * characters. Required.
   */
  secrets: string[];
  /** Sliding idle timeout in seconds. @default 1800 */
  idleTimeoutSeconds?: number;
  /** Absolute lifetime from creation in seconds; activity never extends it. @default 43200 */
  absoluteTimeoutSeconds?: number;
  /** The session id is rotated transparently this often, in seconds. @default 900 */
  renewalIntervalSeconds?: number;
  /** A rotated-away id keeps working this long, in seconds (0 disables). @default 10 */
  rotationGraceSeconds?: number;
  /** A busy session writes its last-seen time at most this often, in seconds. @default 60 */
  touchIntervalSeconds?: number;
  /** Live sessions per user; creating one more evicts the oldest. @default 10 */
  maxSessionsPerUser?: number;
  /** Cap of the app-data bag, in bytes of JSON. @default 2048 */
  maxDataBytes?: number;
  /** Cookie `Secure` flag and `__Host-` name. @default true */
  cookieSecure?: boolean;
}

/** {@link SessionOptions} with every default applied. */
export type ResolvedSessionOptions = Required<SessionOptions>;

/** Applies defaults and refuses unusable settings with a plain `Error` at boot. */
export function resolveSessionOptions(options: SessionOptions): ResolvedSessionOptions {
  if (typeof options !== 'object' || options === null) {
    throw new Error(
      `AuthModule option session is missing: pass session: { secrets: [...] } (at least one random secret of 32+ characters; generate one with ${GENERATE_SECRET})`,
    );
  }
  const resolved: ResolvedSessionOptions = {
    idleTimeoutSeconds: 1800,
    absoluteTimeoutSeconds: 43_200,
    renewalIntervalSeconds: 900,
    rotationGraceSeconds: 10,
    touchIntervalSeconds: 60,
    maxSessionsPerUser: 10,
    maxDataBytes: 2048,
    cookieSecure: true,
    ...stripUndefined(options),
    secrets: options.secrets,
  };
  assertSecretsPresent(
    'session.secrets',
    resolved.secrets,
    `pass at least one random secret of 32+ characters, newest first, e.g. secrets: process.env.SESSION_SECRETS?.split(',') ?? [] with SESSION_SECRETS set (generate one with ${GENERATE_SECRET})`,
  );
  assertSecretsLength('session.secrets', resolved.secrets, 32);
  for (const key of [
    'idleTimeoutSeconds',
    'absoluteTimeoutSeconds',
    'renewalIntervalSeconds',
    'touchIntervalSeconds',
    'maxSessionsPerUser',
  ] as const) {
    if (!Number.isInteger(resolved[key]) || resolved[key] < 1) {
      throw new Error(`Session option ${key} must be a positive integer, got ${resolved[key]}`);
    }
  }
  if (resolved.rotationGraceSeconds < 0 || resolved.rotationGraceSeconds > 60) {
    throw new Error('Session option rotationGraceSeconds must be between 0 and 60');
  }
  return resolved;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
