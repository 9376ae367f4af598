// Where the better-sqlite3 build for a given Node ABI lives. better-sqlite3 is not N-API: its
// binary in node_modules works on the Node that installed it only. Other Node lines the tests run
// on (see scripts/ensure-node24.mjs) get a copy of the package, rebuilt for their ABI, under
// .cache/ (never inside the shared node_modules). Used by jest.config.js and the --import hook.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The package folder of the build for `abi` (built or not). */
export function betterSqlite3BuildDir(abi = process.versions.modules) {
  const manifest = join(ROOT, 'node_modules', 'better-sqlite3', 'package.json');
  const { version } = JSON.parse(readFileSync(manifest, 'utf8'));
  return join(
    ROOT,
    '.cache',
    'better-sqlite3',
    `${version}-abi${abi}`,
    'node_modules',
    'better-sqlite3',
  );
}

/** The package folder built for the running Node, when there is one; else undefined. */
export function betterSqlite3ForThisNode() {
  const dir = betterSqlite3BuildDir();
  return existsSync(join(dir, 'build', 'Release', 'better_sqlite3.node')) ? dir : undefined;
}
