import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './processes.js';

/** What `npm pack --json` reports about the tarball. */
export interface PackedTarball {
  /** Absolute path of the .tgz. */
  path: string;
  /** Paths inside the package (`dist/index.js`, ...). */
  files: string[];
}

/** Packs this repository (dist/ must be built) into `destination`. */
export function packTarball(destination: string): PackedTarball {
  const packed = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', destination], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }),
  ) as [{ filename: string; files: { path: string }[] }];
  return {
    path: join(destination, packed[0].filename),
    files: packed[0].files.map((f) => f.path),
  };
}

/**
 * Copies the app at `source` into `dir`, installs the tarball as its node_modules/nest-warden,
 * links every other dependency from this repository's node_modules, and compiles it with the
 * repository's tsc (the app's own tsconfig.json).
 */
export function installPackedApp(source: string, dir: string, tarball: PackedTarball): void {
  cpSync(source, dir, {
    recursive: true,
    filter: (path) => !/[/\\](node_modules|dist)$/.test(path),
  });
  const modules = join(dir, 'node_modules');
  mkdirSync(join(modules, 'nest-warden'), { recursive: true });
  execFileSync('tar', [
    '-xzf',
    tarball.path,
    '-C',
    join(modules, 'nest-warden'),
    '--strip-components=1',
  ]);
  for (const entry of readdirSync(join(ROOT, 'node_modules'))) {
    if (entry === 'nest-warden' || entry.startsWith('.')) continue;
    symlinkSync(join(ROOT, 'node_modules', entry), join(modules, entry));
  }
  const tsc = spawnSync(
    process.execPath,
    [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir],
    { cwd: dir, encoding: 'utf8' },
  );
  if (tsc.status !== 0) throw new Error(`tsc failed in ${source}:\n${tsc.stdout}${tsc.stderr}`);
}
