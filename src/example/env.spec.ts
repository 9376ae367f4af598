import { randomBytes } from 'node:crypto';
import { EnvError, parseEnv } from './env.js';

const strong = 'k2v9Qe7LrT0pWx4ZbN8sYc1MhJ6dFg3A';

function problems(env: Record<string, string>): string[] {
  try {
    parseEnv(env);
  } catch (error) {
    if (error instanceof EnvError) return error.problems;
    throw error;
  }
  return [];
}

describe('parseEnv', () => {
  it('applies the API.md defaults with no environment at all', () => {
    expect(parseEnv({})).toMatchObject({
      PORT: 3000,
      HTTP_ADAPTER: 'express',
      SESSION_IDLE_TIMEOUT_S: 1800,
      SESSION_ABSOLUTE_TIMEOUT_S: 43200,
      ACCESS_TOKEN_TTL_S: 900,
      REFRESH_TOKEN_TTL_S: 1209600,
      LOGIN_MAX_FAILURES_PER_ACCOUNT: 5,
      LOGIN_MAX_FAILURES_PER_IP: 50,
      LOGIN_WINDOW_S: 900,
      LOGIN_MAX_CONSECUTIVE_FAILURES: 100,
      ARGON2_MEMORY_KIB: 19456,
      ARGON2_TIME_COST: 2,
      ARGON2_PARALLELISM: 1,
      AUDIT_MAX_BUFFERED: 10000,
    });
  });

  describe('in production', () => {
    const good = {
      NODE_ENV: 'production',
      SESSION_SECRETS: strong,
      JWT_SECRET: `${strong}x`,
      REDIS_URL: 'redis://127.0.0.1:6379',
      SMTP_URL: 'smtp://mailer:secret@127.0.0.1:2525',
      APP_URL: 'https://app.example.com',
    };

    it('boots with strong secrets, Redis and SMTP', () => {
      expect(problems(good)).toEqual([]);
    });

    it('refuses to boot without secrets, one line per variable', () => {
      const lines = problems({
        NODE_ENV: 'production',
        REDIS_URL: good.REDIS_URL,
        SMTP_URL: good.SMTP_URL,
        APP_URL: good.APP_URL,
      });
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(/^SESSION_SECRETS is required in production: set it/);
      expect(lines[1]).toMatch(/^JWT_SECRET is required in production: set it/);
    });

    it('refuses a secret shorter than 32 characters, in any position of the list', () => {
      const lines = problems({ ...good, SESSION_SECRETS: `${strong},short-but-random-xyz` });
      expect(lines).toEqual([
        expect.stringMatching(/^SESSION_SECRETS entry 2 is shorter than 32 characters/),
      ]);
    });

    it.each(['secret', 'changeme', 'dev-secret', 'keyboard cat', 'CHANGEME123'])(
      'refuses the placeholder %p',
      (placeholder) => {
        expect(problems({ ...good, JWT_SECRET: placeholder })).toEqual([
          expect.stringMatching(/^JWT_SECRET is a well-known placeholder: replace it/),
        ]);
      },
    );

    it.each([
      ['one repeated character', 'a'.repeat(48), 'too few distinct characters'],
      ['a two-character pattern', 'ab'.repeat(24), 'too few distinct characters'],
      ['digits repeated', '0123456789'.repeat(4), 'a repeating pattern'],
      ['a longer repeated pattern', 'k2v9Qe7LrT0pWx4Z'.repeat(3), 'a repeating pattern'],
      ['an alphabet run', 'prefix-abcdefghijklmnopqrstuvwxyz', 'a run of consecutive characters'],
      ['low variety', `${'a'.repeat(38)}q2w8e4r6t0y`, 'too little estimated entropy'],
    ])(
      'refuses a low-entropy secret (%s) with one line saying how to fix it',
      (_n, secret, why) => {
        const lines = problems({ ...good, SESSION_SECRETS: secret });
        expect(lines).toEqual([
          `SESSION_SECRETS looks guessable (${why}): replace it with a random value (openssl rand -base64 48)`,
        ]);
      },
    );

    it('accepts real random secrets: base64 and hex of 32 random bytes, base64 of 48', () => {
      for (let i = 0; i < 200; i++) {
        for (const secret of [
          randomBytes(32).toString('base64'),
          randomBytes(32).toString('hex'),
          randomBytes(48).toString('base64'),
          randomBytes(24).toString('base64url'),
        ]) {
          expect(problems({ ...good, JWT_SECRET: secret })).toEqual([]);
        }
      }
    });

    it('needs JWT_PRIVATE_KEYS instead of JWT_SECRET with ES256', () => {
      const { JWT_SECRET: _secret, ...noJwt } = good;
      expect(problems({ ...noJwt, JWT_ALGORITHM: 'ES256' })).toEqual([
        expect.stringMatching(/^JWT_PRIVATE_KEYS is required with JWT_ALGORITHM=ES256/),
      ]);
      expect(problems({ ...noJwt, JWT_ALGORITHM: 'ES256', JWT_PRIVATE_KEYS: 'a2V5' })).toEqual([]);
    });

    it('refuses links to localhost', () => {
      const { APP_URL: _omit, ...noUrl } = good;
      expect(problems(noUrl)).toEqual([
        expect.stringMatching(/^APP_URL is required in production: /),
      ]);
    });

    it('refuses to only log mail', () => {
      const { SMTP_URL: _omit, ...noSmtp } = good;
      expect(problems(noSmtp)).toEqual([
        expect.stringMatching(/^SMTP_URL is required in production: /),
      ]);
    });

    it('refuses the in-process session store', () => {
      const { REDIS_URL: _omit, ...noRedis } = good;
      expect(problems(noRedis)).toEqual([
        expect.stringMatching(/^REDIS_URL is required in production/),
      ]);
    });

    it('refuses Argon2 below the OWASP floor, naming each variable', () => {
      const lines = problems({ ...good, ARGON2_MEMORY_KIB: '4096', ARGON2_TIME_COST: '1' });
      expect(lines).toEqual([
        expect.stringMatching(/^ARGON2_MEMORY_KIB=4096 is below the OWASP floor: set it to 19456/),
        expect.stringMatching(/^ARGON2_TIME_COST=1 is below the OWASP floor: set it to 2/),
      ]);
    });
  });

  it('rejects malformed values with the variable name', () => {
    expect(problems({ PORT: 'eighty' })[0]).toMatch(/^PORT: /);
    expect(problems({ HTTP_ADAPTER: 'koa' })[0]).toMatch(/^HTTP_ADAPTER: /);
    expect(problems({ COOKIE_SECURE: 'yes' })[0]).toMatch(/^COOKIE_SECURE: /);
    expect(problems({ AUDIT_MAX_BUFFERED: '0' })[0]).toMatch(/^AUDIT_MAX_BUFFERED: /);
  });
});
