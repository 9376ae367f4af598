import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createTestSchema,
  deleteKeys,
  TEST_DATABASE_URL,
  TEST_REDIS_URL,
  testRedis,
  uniqueName,
} from '../support/services.js';
import { freePort, runMainToExit, startMain } from '../support/processes.js';

const password = 'correct horse battery staple';

async function register(port: number, email: string): Promise<number> {
  const res = await fetch(`http://127.0.0.1:${port}/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  return res.status;
}

describe('npm start (dist/main.js)', () => {
  let cwd: string;
  beforeEach(() => {
    cwd = mkdtempSync(join(tmpdir(), 'warden-boot-'));
  });
  afterEach(() => {
    rmSync(cwd, { recursive: true, force: true });
  });

  it('boots with no environment at all: SQLite and secrets under ./data, kept across restarts', async () => {
    const port = await freePort();
    const first = await startMain(cwd, { PORT: String(port) });
    try {
      const health = await fetch(`http://127.0.0.1:${port}/health`);
      expect(health.status).toBe(200);
      const docs = (await (await fetch(`http://127.0.0.1:${port}/docs-json`)).json()) as {
        paths: Record<string, unknown>;
      };
      expect(docs.paths['/auth/register']).toBeDefined();
      expect(await register(port, 'persist@example.com')).toBe(201);
      expect(first.output()).toContain('sqlite');
    } finally {
      await first.stop();
    }
    const secretsFile = join(cwd, 'data', 'secrets.json');
    expect(statSync(secretsFile).mode & 0o777).toBe(0o600);
    const secrets = readFileSync(secretsFile, 'utf8');
    expect(statSync(join(cwd, 'data', 'warden.sqlite')).size).toBeGreaterThan(0);

    const second = await startMain(cwd, { PORT: String(port) });
    try {
      expect(await register(port, 'PERSIST@example.com')).toBe(409);
    } finally {
      await second.stop();
    }
    expect(readFileSync(secretsFile, 'utf8')).toBe(secrets);
  });

  it('keeps users across restarts on PostgreSQL via DATABASE_URL', async () => {
    const { schema, drop } = await createTestSchema();
    const url = new URL(TEST_DATABASE_URL);
    url.searchParams.set('options', `-c search_path=${schema}`);
    // A prefix of its own: the registration throttle counts per IP, and other runs on this
    // machine register from 127.0.0.1 against the same Redis.
    const env = {
      DATABASE_URL: url.toString(),
      REDIS_URL: TEST_REDIS_URL,
      REDIS_KEY_PREFIX: `${uniqueName('warden_test')}:`,
    };
    try {
      const port = await freePort();
      const first = await startMain(cwd, { ...env, PORT: String(port) });
      try {
        expect(await register(port, 'pg-persist@example.com')).toBe(201);
      } finally {
        await first.stop();
      }
      const second = await startMain(cwd, { ...env, PORT: String(port), HTTP_ADAPTER: 'fastify' });
      try {
        expect(await register(port, 'pg-persist@example.com')).toBe(409);
        expect(second.output()).toContain('fastify, postgres, sessions: redis');
      } finally {
        await second.stop();
      }
    } finally {
      await drop();
      const redis = await testRedis();
      await deleteKeys(redis, env.REDIS_KEY_PREFIX).finally(() => redis.disconnect());
    }
  });

  describe('with NODE_ENV=production', () => {
    const strong = 'k2v9Qe7LrT0pWx4ZbN8sYc1MhJ6dFg3A';

    it('refuses to boot with no secrets and no Redis, one line per problem', async () => {
      const { code, stderr } = await runMainToExit(cwd, { NODE_ENV: 'production' });
      expect(code).toBe(1);
      const lines = stderr.trim().split('\n');
      expect(lines).toEqual([
        expect.stringMatching(/^SESSION_SECRETS is required in production: /),
        expect.stringMatching(/^JWT_SECRET is required in production: /),
        expect.stringMatching(/^SMTP_URL is required in production: /),
        expect.stringMatching(/^APP_URL is required in production: /),
        expect.stringMatching(/^REDIS_URL is required in production: /),
      ]);
    });

    it('refuses a short secret, a placeholder and weak Argon2, each on its line', async () => {
      const { code, stderr } = await runMainToExit(cwd, {
        NODE_ENV: 'production',
        SESSION_SECRETS: 'too-short',
        JWT_SECRET: 'changeme',
        REDIS_URL: TEST_REDIS_URL,
        SMTP_URL: 'smtp://127.0.0.1:2525',
        APP_URL: 'https://app.example.com',
        ARGON2_MEMORY_KIB: '8192',
      });
      expect(code).toBe(1);
      expect(stderr.trim().split('\n')).toEqual([
        expect.stringMatching(/^ARGON2_MEMORY_KIB=8192 is below the OWASP floor/),
        expect.stringMatching(/^SESSION_SECRETS is shorter than 32 characters/),
        expect.stringMatching(/^JWT_SECRET is a well-known placeholder/),
      ]);
      expect(stderr).not.toContain('too-short');
    });

    it('boots with strong secrets and Redis', async () => {
      const port = await freePort();
      const app = await startMain(cwd, {
        NODE_ENV: 'production',
        PORT: String(port),
        SESSION_SECRETS: strong,
        JWT_SECRET: `${strong}-jwt`,
        REDIS_URL: TEST_REDIS_URL,
        // Nothing listens there: mail waits in the outbox, the app boots and serves.
        SMTP_URL: 'smtp://127.0.0.1:1',
        APP_URL: 'https://app.example.com',
        DATABASE_URL: `sqlite:${join(cwd, 'prod.sqlite')}`,
      });
      try {
        const res = await fetch(`http://127.0.0.1:${port}/health`);
        expect(res.status).toBe(200);
        expect(res.headers.get('strict-transport-security')).toMatch(/max-age/);
      } finally {
        await app.stop();
      }
    });
  });
});
