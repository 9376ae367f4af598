import { z } from 'zod';
import { weakSecretReason } from './secret-strength.js';

/** Placeholders that people paste from tutorials; refused as secrets in production. */
const PLACEHOLDER_SECRETS = [
  'secret',
  'changeme',
  'change-me',
  'change_me',
  'dev-secret',
  'development',
  'password',
  'keyboard cat',
  'your-secret',
  'your_secret',
  'supersecret',
  'mysecret',
  'test',
  'default',
  'example',
  'jwt-secret',
  'session-secret',
];

const int = (fallback: number, min = 0) => z.coerce.number().int().min(min).default(fallback);
const flag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/** The example app's environment (`API.md`), parsed and with defaults applied. */
const schema = z.object({
  NODE_ENV: z.string().default('development'),
  PORT: int(3000, 0).pipe(z.number().max(65535)),
  HTTP_ADAPTER: z.enum(['express', 'fastify']).default('express'),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z.string().optional(),
  REDIS_URL: z.string().optional(),
  REDIS_KEY_PREFIX: z.string().min(1).max(64).default('warden:'),
  SESSION_SECRETS: z.string().optional(),
  JWT_SECRET: z.string().optional(),
  JWT_ALGORITHM: z.enum(['HS256', 'ES256']).default('HS256'),
  JWT_PRIVATE_KEYS: z.string().optional(),
  COOKIE_SECURE: flag.optional(),
  SESSION_IDLE_TIMEOUT_S: int(1800, 1),
  SESSION_ABSOLUTE_TIMEOUT_S: int(43200, 1),
  ACCESS_TOKEN_TTL_S: int(900, 1),
  REFRESH_TOKEN_TTL_S: int(1209600, 1),
  REFRESH_TOKEN_GRACE_S: int(0, 0).pipe(z.number().max(10)),
  LOGIN_MAX_FAILURES_PER_ACCOUNT: int(5, 1),
  LOGIN_MAX_FAILURES_PER_IP: int(50, 1),
  LOGIN_WINDOW_S: int(900, 1),
  LOGIN_MAX_CONSECUTIVE_FAILURES: int(100, 1),
  REGISTER_MAX_PER_IP: int(20, 1),
  REGISTER_WINDOW_S: int(3600, 1),
  ARGON2_MEMORY_KIB: int(19456, 1),
  ARGON2_TIME_COST: int(2, 1),
  ARGON2_PARALLELISM: int(1, 1),
  PASSWORD_MIN_STRENGTH: int(3, 0).pipe(z.number().max(4)),
  PWNED_PASSWORDS_URL: z.url({ protocol: /^https?$/ }).optional(),
  ADMIN_EMAIL: z.string().optional(),
  ADMIN_PASSWORD: z.string().optional(),
  TRUST_PROXY: z.string().default('false'),
  APP_URL: z.url({ protocol: /^https?$/ }).optional(),
  SMTP_URL: z.url({ protocol: /^smtps?$/ }).optional(),
  MAIL_FROM: z.string().min(3).max(320).optional(),
  EMAIL_VERIFICATION: z.enum(['off', 'optional', 'required']).default('optional'),
  EMAIL_TOKEN_TTL_S: int(86400, 1),
  PASSWORD_RESET_TTL_S: int(1800, 1),
  REAUTH_MAX_AGE_S: int(300, 1),
  MFA_ENCRYPTION_KEYS: z.string().optional(),
  MFA_PENDING_TTL_S: int(300, 1),
  WEBAUTHN_RP_ID: z.string().min(1).max(253).optional(),
  WEBAUTHN_RP_NAME: z.string().min(1).max(100).default('nest-warden'),
  AUDIT_MAX_BUFFERED: int(10000, 1),
  METRICS_TOKEN: z
    .string()
    .regex(/^[\x21-\x7e]{16,}$/, 'use at least 16 printable characters without spaces')
    .optional(),
});

/** Parsed environment, before secrets are resolved. */
export type ParsedEnv = z.infer<typeof schema>;

/** One line per problem: the variable, what is wrong, how to fix it. */
export class EnvError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.join('\n')}`);
    this.name = 'EnvError';
  }
}

/** Parses and checks `env`. Production refusals are collected, one line each. */
export function parseEnv(env: Record<string, string | undefined>): ParsedEnv {
  const cleaned = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    throw new EnvError(
      result.error.issues.map(
        (issue) => `${issue.path.join('.')}: ${issue.message}; fix the value in the environment`,
      ),
    );
  }
  const parsed = result.data;
  const problems = [
    ...argon2Problems(parsed),
    ...(parsed.NODE_ENV === 'production' ? productionProblems(parsed) : []),
  ];
  if (problems.length > 0) throw new EnvError(problems);
  return parsed;
}

/** Splits a comma-separated secret list, newest first. */
export function splitSecrets(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

function secretProblems(name: string, secrets: string[]): string[] {
  if (secrets.length === 0) {
    return [
      `${name} is required in production: set it to a random value of at least 32 characters (openssl rand -base64 48)`,
    ];
  }
  return secrets.flatMap((secret, index) => {
    const which = secrets.length > 1 ? `${name} entry ${index + 1}` : name;
    if (PLACEHOLDER_SECRETS.some((p) => secret.toLowerCase().replace(/[0-9]+$/, '') === p)) {
      return [
        `${which} is a well-known placeholder: replace it with a random value (openssl rand -base64 48)`,
      ];
    }
    if (secret.length < 32) {
      return [
        `${which} is shorter than 32 characters: use a random value of at least 32 characters (openssl rand -base64 48)`,
      ];
    }
    const weakness = weakSecretReason(secret);
    if (weakness) {
      return [
        `${which} looks guessable (${weakness}): replace it with a random value (openssl rand -base64 48)`,
      ];
    }
    return [];
  });
}

function productionProblems(env: ParsedEnv): string[] {
  const problems = [
    ...secretProblems('SESSION_SECRETS', splitSecrets(env.SESSION_SECRETS)),
    ...(env.JWT_ALGORITHM === 'HS256'
      ? secretProblems('JWT_SECRET', splitSecrets(env.JWT_SECRET))
      : splitSecrets(env.JWT_PRIVATE_KEYS).length === 0
        ? [
            'JWT_PRIVATE_KEYS is required with JWT_ALGORITHM=ES256: set it to base64-encoded P-256 private keys (PEM), newest first, comma-separated',
          ]
        : []),
  ];
  // Optional (the session secrets serve by default), but held to the same standard when set.
  if (env.MFA_ENCRYPTION_KEYS !== undefined) {
    problems.push(...secretProblems('MFA_ENCRYPTION_KEYS', splitSecrets(env.MFA_ENCRYPTION_KEYS)));
  }
  if (!env.SMTP_URL) {
    problems.push(
      'SMTP_URL is required in production: without it mails (verification, password reset) are only logged; set SMTP_URL=smtp://user:password@host:587 (or smtps://)',
    );
  }
  if (!env.APP_URL) {
    problems.push(
      'APP_URL is required in production: links in mails start with it (http://localhost:<PORT> is only for development); set APP_URL=https://your.app',
    );
  }
  if (!env.REDIS_URL) {
    problems.push(
      'REDIS_URL is required in production: the in-process session store loses sessions on restart and is not shared between instances; set REDIS_URL=redis://host:6379',
    );
  }
  return problems;
}

/** Argon2 below the OWASP floor is refused in every environment (PasswordService would too). */
function argon2Problems(env: ParsedEnv): string[] {
  const problems: string[] = [];
  if (env.ARGON2_MEMORY_KIB < 19456) {
    problems.push(
      `ARGON2_MEMORY_KIB=${env.ARGON2_MEMORY_KIB} is below the OWASP floor: set it to 19456 or more`,
    );
  }
  if (env.ARGON2_TIME_COST < 2) {
    problems.push(
      `ARGON2_TIME_COST=${env.ARGON2_TIME_COST} is below the OWASP floor: set it to 2 or more`,
    );
  }
  return problems;
}
