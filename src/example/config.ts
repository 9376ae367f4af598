import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { ParsedEnv } from './env.js';
import { parseEnv, splitSecrets } from './env.js';

/** Where the example app keeps its users. */
export type DatabaseConfig = { type: 'postgres'; url: string } | { type: 'sqlite'; path: string };

/** The example app's configuration, everything resolved. */
export interface ExampleConfig {
  env: ParsedEnv;
  production: boolean;
  port: number;
  adapter: 'express' | 'fastify';
  database: DatabaseConfig;
  redisUrl?: string;
  /** Newest first: the first signs, all verify. */
  sessionSecrets: string[];
  jwtSecrets: string[];
  jwtAlgorithm: 'HS256' | 'ES256';
  /** ES256 private keys (PEM), newest first. */
  jwtPrivateKeys: string[];
  cookieSecure: boolean;
  /** false, or the number of proxy hops to trust in `X-Forwarded-For`. */
  trustProxy: number | false;
  /** Public base URL: links in mails. */
  appUrl: string;
  /** Keys of TOTP secrets at rest, newest first (MFA_ENCRYPTION_KEYS, else the session secrets). */
  mfaEncryptionKeys: string[];
  /** Where mail goes: SMTP, or the log (development without SMTP_URL). */
  mail: { smtpUrl?: string; from: string };
}

/** Parses the environment and resolves secrets (dev: generated once, kept in DATA_DIR). */
export function loadExampleConfig(env: Record<string, string | undefined>): ExampleConfig {
  const parsed = parseEnv(env);
  const production = parsed.NODE_ENV === 'production';
  const dataDir = resolve(parsed.DATA_DIR);
  let sessionSecrets = splitSecrets(parsed.SESSION_SECRETS);
  let jwtSecrets = splitSecrets(parsed.JWT_SECRET);
  if (sessionSecrets.length === 0 || jwtSecrets.length === 0) {
    const dev = loadOrCreateDevSecrets(dataDir);
    if (sessionSecrets.length === 0) sessionSecrets = [dev.session];
    if (jwtSecrets.length === 0) jwtSecrets = [dev.jwt];
  }
  const appUrl = (parsed.APP_URL ?? `http://localhost:${parsed.PORT}`).replace(/\/+$/, '');
  return {
    env: parsed,
    production,
    port: parsed.PORT,
    adapter: parsed.HTTP_ADAPTER,
    database: parseDatabaseUrl(parsed.DATABASE_URL, dataDir),
    redisUrl: parsed.REDIS_URL,
    sessionSecrets,
    jwtSecrets,
    jwtAlgorithm: parsed.JWT_ALGORITHM,
    jwtPrivateKeys: splitSecrets(parsed.JWT_PRIVATE_KEYS).map((b64) =>
      Buffer.from(b64, 'base64').toString('utf8'),
    ),
    cookieSecure: parsed.COOKIE_SECURE ?? production,
    trustProxy: parseTrustProxy(parsed.TRUST_PROXY),
    appUrl,
    mfaEncryptionKeys: splitSecrets(parsed.MFA_ENCRYPTION_KEYS).length
      ? splitSecrets(parsed.MFA_ENCRYPTION_KEYS)
      : sessionSecrets,
    mail: {
      smtpUrl: parsed.SMTP_URL,
      from: parsed.MAIL_FROM ?? `no-reply@${new URL(appUrl).hostname}`,
    },
  };
}

function parseDatabaseUrl(url: string | undefined, dataDir: string): DatabaseConfig {
  if (!url) return { type: 'sqlite', path: join(dataDir, 'warden.sqlite') };
  if (/^postgres(ql)?:\/\//.test(url)) return { type: 'postgres', url };
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length).replace(/^\/\//, '');
    return { type: 'sqlite', path: isAbsolute(path) ? path : resolve(path) };
  }
  throw new Error(
    'DATABASE_URL must start with postgres:// or sqlite: (for example sqlite:./data/warden.sqlite)',
  );
}

function parseTrustProxy(value: string): number | false {
  if (value === 'false' || value === '0') return false;
  if (value === 'true') return 1;
  const hops = Number(value);
  if (!Number.isInteger(hops) || hops < 0) {
    throw new Error(`TRUST_PROXY must be false, true or a hop count, got "${value}"`);
  }
  return hops;
}

/**
 * Development only: secrets generated once and kept in `<DATA_DIR>/secrets.json` (mode 0600),
 * so a restart keeps every session valid. Production refuses to boot without real secrets.
 */
function loadOrCreateDevSecrets(dataDir: string): { session: string; jwt: string } {
  const file = join(dataDir, 'secrets.json');
  if (existsSync(file)) {
    const stored = JSON.parse(readFileSync(file, 'utf8')) as { session?: string; jwt?: string };
    if (stored.session && stored.jwt) return { session: stored.session, jwt: stored.jwt };
  }
  mkdirSync(dataDir, { recursive: true });
  const secrets = {
    session: randomBytes(48).toString('base64url'),
    jwt: randomBytes(48).toString('base64url'),
  };
  writeFileSync(file, JSON.stringify(secrets), { mode: 0o600 });
  chmodSync(file, 0o600);
  return secrets;
}
