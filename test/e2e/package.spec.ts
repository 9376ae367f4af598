import { execFileSync, spawnSync } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { ROOT } from '../support/processes.js';

/**
 * `npm pack` gives a tarball a separate NestJS app can install and import: the consumer under
 * test/consumer is compiled (strict, with the library's declarations) against the packed
 * tarball and run. `npm test` builds dist/ before Jest runs.
 */
describe('the npm package', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'warden-consumer-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('installs from the packed tarball, compiles against its types and runs', () => {
    const packed = JSON.parse(
      execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], {
        cwd: ROOT,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      }),
    ) as [{ filename: string; files: { path: string }[] }];
    const files = packed[0].files.map((f) => f.path);
    expect(files).toContain('dist/index.js');
    expect(files).toContain('dist/index.d.ts');
    expect(files).toContain('dist/testing/index.js');
    expect(files.filter((f) => /^dist\/(main|example)|\.spec\.|^src\/|^test\//.test(f))).toEqual(
      [],
    );

    cpSync(join(ROOT, 'test', 'consumer'), dir, { recursive: true });
    const modules = join(dir, 'node_modules');
    mkdirSync(join(modules, 'nest-warden'), { recursive: true });
    execFileSync('tar', [
      '-xzf',
      join(dir, packed[0].filename),
      '-C',
      join(modules, 'nest-warden'),
      '--strip-components=1',
    ]);
    // Every shipped source map points at sources inside the tarball or carries them inline, so a
    // stack trace or debugger in the host app shows nest-warden's TypeScript.
    const maps = files.filter((f) => f.endsWith('.map'));
    expect(maps).toContain('dist/index.js.map');
    const unresolved = maps.flatMap((map) => {
      const { sources, sourcesContent, sourceRoot } = JSON.parse(
        readFileSync(join(modules, 'nest-warden', map), 'utf8'),
      ) as { sources: string[]; sourcesContent?: (string | null)[]; sourceRoot?: string };
      return sources
        .filter((source, i) => {
          if (typeof sourcesContent?.[i] === 'string') return false;
          const target = posix.normalize(posix.join(posix.dirname(map), sourceRoot ?? '', source));
          return !files.includes(target);
        })
        .map((source) => `${map} -> ${source}`);
    });
    expect(unresolved).toEqual([]);
    const indexMap = JSON.parse(
      readFileSync(join(modules, 'nest-warden', 'dist', 'index.js.map'), 'utf8'),
    ) as { sourcesContent?: string[] };
    expect(indexMap.sourcesContent?.[0]).toBe(readFileSync(join(ROOT, 'src', 'index.ts'), 'utf8'));

    // The consumer's other dependencies (Nest, typeorm, ...) come from this repository's install.
    for (const entry of readdirSync(join(ROOT, 'node_modules'))) {
      if (entry === 'nest-warden' || entry.startsWith('.')) continue;
      symlinkSync(join(ROOT, 'node_modules', entry), join(modules, entry));
    }
    execFileSync(
      process.execPath,
      [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir],
      {
        cwd: dir,
        stdio: 'pipe',
      },
    );
    const output = execFileSync(process.execPath, [join(dir, 'dist', 'main.js')], {
      cwd: dir,
      encoding: 'utf8',
    });
    expect(JSON.parse(output.trim().split('\n').pop()!)).toEqual({
      status: 201,
      found: true,
      me: 200,
    });

    // nest-warden/testing: the consumer runs the exported contract suite against its own
    // UserCache adapter with Jest, and the suite fails an adapter that breaks the port.
    const runSuite = (broken: boolean) =>
      spawnSync(
        process.execPath,
        [
          '--experimental-vm-modules',
          '--no-warnings',
          join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js'),
          '--config',
          JSON.stringify({
            rootDir: dir,
            testMatch: ['<rootDir>/dist/**/*.test.js'],
            transform: {},
            testEnvironment: 'node',
          }),
        ],
        { cwd: dir, encoding: 'utf8', env: { ...process.env, BROKEN: broken ? '1' : '0' } },
      );
    const good = runSuite(false);
    expect(good.stderr).toMatch(/Tests:\s+3 passed, 3 total/);
    expect(good.status).toBe(0);
    const bad = runSuite(true);
    expect(bad.stderr).toMatch(/Tests:\s+2 failed, 1 passed, 3 total/);
    expect(bad.status).not.toBe(0);
  });
});
