import type { SpawnSyncReturns } from 'node:child_process';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { installPackedApp, packTarball } from '../support/packed-app.js';
import { bareEnv, ROOT } from '../support/processes.js';
import {
  createTestSchema,
  deleteKeys,
  TEST_DATABASE_URL,
  TEST_REDIS_URL,
  testRedis,
  uniqueName,
} from '../support/services.js';

const HOST_APP = join(ROOT, 'test', 'host-app');

/**
 * test/host-app is the app of the README's "Install in your app" and "Testing your app": it is
 * compiled against the packed tarball, its own e2e test runs under ESM Jest and under Vitest, on
 * Express and on Fastify, against the real PostgreSQL (a schema of its own) and Redis (a key
 * prefix of its own), and its main.ts starts and serves. The README shows its files verbatim.
 */
describe('the README host app (test/host-app) on the packed tarball', () => {
  let dir: string;
  let env: Record<string, string>;
  let redis: Redis;
  let prefix: string;
  let dropSchema: () => Promise<void>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'warden-host-app-'));
    installPackedApp(HOST_APP, dir, packTarball(dir));
    const { schema, drop } = await createTestSchema();
    dropSchema = drop;
    prefix = `${uniqueName('warden_test')}:`;
    redis = await testRedis();
    const database = new URL(TEST_DATABASE_URL);
    database.searchParams.set('options', `-c search_path=${schema}`);
    env = {
      DATABASE_URL: database.href,
      REDIS_URL: TEST_REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
      SESSION_SECRETS: randomBytes(32).toString('hex'),
      JWT_SECRET: randomBytes(32).toString('hex'),
      NO_COLOR: '1',
    };
  }, 90_000);
  afterAll(async () => {
    await dropSchema?.();
    if (redis) {
      await deleteKeys(redis, prefix);
      redis.disconnect();
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const runners: Record<string, string[]> = {
    jest: ['--experimental-vm-modules', '--no-warnings', 'node_modules/jest/bin/jest.js'],
    vitest: ['node_modules/vitest/vitest.mjs', 'run'],
  };
  const report = (run: SpawnSyncReturns<string>) => `${run.stdout}\n${run.stderr}`;

  it.each([
    ['jest', 'express'],
    ['jest', 'fastify'],
    ['vitest', 'express'],
    ['vitest', 'fastify'],
  ])(
    'passes its e2e test under %s on %s',
    (runner, adapter) => {
      const run = spawnSync(process.execPath, runners[runner], {
        cwd: dir,
        encoding: 'utf8',
        env: bareEnv({ ...env, HTTP_ADAPTER: adapter }),
      });
      expect({ status: run.status, output: report(run) }).toMatchObject({ status: 0 });
      expect(report(run)).toMatch(/Tests:?\s+4 passed/);
    },
    60_000,
  );

  it('starts from its main.ts and guards its routes', async () => {
    const child = spawn(process.execPath, [join(dir, 'dist', 'src', 'main.js')], {
      cwd: dir,
      env: bareEnv({ ...env, PORT: '0' }),
    });
    try {
      let output = '';
      child.stderr.on('data', (chunk) => (output += chunk));
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', (chunk) => {
          output += chunk;
          const match = /listening on (\S+)/.exec(output);
          if (match) resolve(match[1]);
        });
        child.once('exit', () => reject(new Error(`main.js exited:\n${output}`)));
      });
      expect((await fetch(`${url}/projects`)).status).toBe(401);
      // Swagger as the README sets it up: both schemes for the Authorize button
      const document = (await (await fetch(`${url}/docs-json`)).json()) as {
        components: { securitySchemes: Record<string, unknown> };
      };
      expect(Object.keys(document.components.securitySchemes).sort()).toEqual([
        'bearer',
        'session',
      ]);
      // tokens: true mounted the bearer routes
      const refresh = await fetch(`${url}/auth/token/refresh`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ refreshToken: 'not-a-token' }),
      });
      expect(refresh.status).toBe(401);
    } finally {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      await exited;
    }
  }, 30_000);

  it('is what the README shows: every file verbatim, every dependency in the install line', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const blocks = [...readme.matchAll(/```(?:ts|js|jsonc)\n([\s\S]*?)```/g)].map((m) => m[1]);
    for (const file of [
      'src/app.module.ts',
      'src/projects.controller.ts',
      'src/main.ts',
      'test/projects.e2e-spec.ts',
      'jest.config.js',
      'vitest.config.ts',
      'tsconfig.json',
    ]) {
      const source = readFileSync(join(HOST_APP, file), 'utf8');
      expect({ file, inReadme: blocks.some((block) => block === `// ${file}\n${source}`) }).toEqual(
        { file, inReadme: true },
      );
    }
    const manifest = JSON.parse(readFileSync(join(HOST_APP, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    const install = /## Install in your app\n[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    const testing = /## Testing your app\n[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    const words = (text: string) => new Set(text.split(/[\s\\]+/));
    const missing = [
      ...Object.keys(manifest.dependencies).filter((name) => !words(install).has(name)),
      ...Object.keys(manifest.devDependencies).filter(
        (name) => !words(testing).has(name) && !words(install).has(name),
      ),
    ];
    expect(missing).toEqual([]);
  });
});
