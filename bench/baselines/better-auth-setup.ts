// better-auth as its docs set it up, shared by the `better-auth` baseline app and
// bench/sessions.ts: PostgreSQL through a pg Pool (better-auth's built-in Kysely adapter),
// sessions in Redis through @better-auth/redis-storage as `secondaryStorage` (ioredis), email +
// password with Argon2id at the bench's parameters through the documented password hooks.
import { redisStorage } from '@better-auth/redis-storage';
import argon2 from 'argon2';
import type { BetterAuthOptions } from 'better-auth';
import { betterAuth } from 'better-auth';
import { getMigrations } from 'better-auth/db/migration';
import type { Redis } from 'ioredis';
import pg from 'pg';

/** Argon2id at nest-warden's defaults (bench/http.ts ARGON2), as the recipes hash too. */
export const BETTER_AUTH_ARGON2 = {
  type: argon2.argon2id,
  memoryCost: 19456,
  timeCost: 2,
  parallelism: 1,
} as const;

export interface BetterAuthSetup {
  /** `postgres://...`, with `options=-c search_path=<schema>` selecting its own schema. */
  databaseUrl: string;
  redis: Redis;
  /** Prefix of every key it writes to Redis (sessions, per-user session lists, rate limits). */
  keyPrefix: string;
  /** Signing and encryption secret (cookies, cookie cache). */
  secret: string;
  /** Public base URL: the trusted origin, and https makes its cookies `__Secure-` and Secure. */
  baseURL: string;
  /** better-auth's documented cookie cache: the session signed into a second cookie for 5 min. */
  cookieCache: boolean;
}

export function betterAuthOptions(setup: BetterAuthSetup) {
  return {
    appName: 'bench',
    baseURL: setup.baseURL,
    secret: setup.secret,
    // Its built-in PostgreSQL support: a pg Pool, wrapped in Kysely by better-auth. The schema
    // comes from the connection's search_path.
    database: new pg.Pool({ connectionString: setup.databaseUrl }),
    // With a secondary storage and the default `session.storeSessionInDatabase: false`, sessions
    // live in Redis only (no session table is created), and its rate limiter counts there too.
    secondaryStorage: redisStorage({ client: setup.redis, keyPrefix: setup.keyPrefix }),
    emailAndPassword: {
      enabled: true,
      password: {
        hash: (password: string) => argon2.hash(password, BETTER_AUTH_ARGON2),
        verify: ({ hash, password }: { hash: string; password: string }) =>
          argon2.verify(hash, password),
      },
    },
    session: setup.cookieCache ? { cookieCache: { enabled: true, maxAge: 300 } } : {},
    // Rate limiting: better-auth's defaults, on because NODE_ENV=production: 100 requests per
    // 10 s per client IP and path on its own routes, 3 per 10 s on /sign-in/*, /sign-up/* (and
    // password and email changes), counted in the secondary storage (one Lua INCR + EXPIRE per
    // request). The client IP comes from X-Forwarded-For only: in production, without that
    // header, every client falls into ONE shared bucket per path (3 sign-ins per 10 s for the
    // whole site) and a warning is logged. So it runs as deployed behind a reverse proxy that
    // sets X-Forwarded-For (its documented `advanced.ipAddress.ipAddressHeaders`, here at its
    // default): the bench plays that proxy, each simulated login from another client address,
    // so the limits stay at their defaults and are not what a login flood measures.
    advanced: { ipAddress: { ipAddressHeaders: ['x-forwarded-for'] } },
    telemetry: { enabled: false },
    // Errors only: at its default level it logs a warning for every wrong password.
    logger: { level: 'error' },
  } satisfies BetterAuthOptions;
}

export function createBetterAuth(setup: BetterAuthSetup) {
  const options = betterAuthOptions(setup);
  return { auth: betterAuth(options), options };
}

/** Creates (or completes) better-auth's tables with its own migration API, not hand-written DDL. */
export async function migrateBetterAuth(options: BetterAuthOptions): Promise<void> {
  const { runMigrations } = await getMigrations(options);
  await runMigrations();
}
