// Makes Node 24 LTS available to the tests without touching the machine's Node: the npm registry
// ships Node binaries as packages (node-<platform>-<arch>), installed into .cache/node24. Also
// builds better-sqlite3 for Node 24's ABI into .cache/better-sqlite3/ (its prebuilt binaries and
// node-gyp's header download come from hosts a CI box may not reach; the node-* package carries
// the headers, so node-gyp builds offline with a C++ toolchain, installed from Debian if missing).
// Prints the path of the Node 24 binary.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { betterSqlite3BuildDir, ROOT } from './better-sqlite3-build.mjs';

const MAJOR = '24';
const prefix = join(ROOT, '.cache', `node${MAJOR}`);
const pkg = `node-${process.platform === 'win32' ? 'win' : process.platform}-${process.arch}`;
const nodeDir = join(prefix, 'node_modules', pkg);
const node = join(nodeDir, 'bin', 'node');
const say = (message) => process.stderr.write(`ensure-node${MAJOR}: ${message}\n`);
// Children print to stderr: this script's stdout is the Node path the caller captures.
const run = (file, args, options = {}) =>
  execFileSync(file, args, { stdio: ['ignore', 2, 'inherit'], ...options });

if (!existsSync(node)) {
  say(`installing ${pkg}@${MAJOR} from the npm registry into .cache/node${MAJOR}`);
  run('npm', [
    'install',
    '--prefix',
    prefix,
    '--no-save',
    '--no-audit',
    '--no-fund',
    '--loglevel=error',
    `${pkg}@${MAJOR}`,
  ]);
}

const abi = execFileSync(node, ['-p', 'process.versions.modules'], { encoding: 'utf8' }).trim();
const target = betterSqlite3BuildDir(abi);
if (!existsSync(join(target, 'build', 'Release', 'better_sqlite3.node'))) {
  ensureToolchain();
  mkdirSync(join(ROOT, '.cache', 'better-sqlite3'), { recursive: true });
  say(
    `building better-sqlite3 for Node ${MAJOR} (ABI ${abi}) into .cache/better-sqlite3 (a few minutes, once)`,
  );
  // Built in a scratch folder and renamed into place: an interrupted build never counts as done.
  const scratch = mkdtempSync(join(ROOT, '.cache', 'better-sqlite3', 'build-'));
  const copy = join(scratch, 'better-sqlite3');
  const source = join(ROOT, 'node_modules', 'better-sqlite3');
  try {
    cpSync(source, copy, {
      recursive: true,
      filter: (path) => !path.startsWith(join(source, 'build')),
    });
    // npm's own node-gyp (npm tells scripts where it is), run by Node 24 against its headers.
    const gyp = findNodeGyp();
    // Without npm's npm_config_* variables: under `npm test` they point node-gyp at the machine's
    // Node headers (node_root_dir=/usr), whatever --nodedir says.
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)),
    );
    // Quiet unless it fails: the compiler's warnings are not the test run's business.
    try {
      execFileSync(node, [gyp, 'rebuild', '--release', `--nodedir=${nodeDir}`], {
        cwd: copy,
        env: { ...env, npm_config_nodedir: nodeDir, PATH: `${dirname(node)}:${process.env.PATH}` },
        stdio: ['ignore', 'pipe', 'pipe'],
        maxBuffer: 64 * 1024 * 1024,
      });
    } catch (error) {
      process.stderr.write(`${error.stdout ?? ''}${error.stderr ?? ''}`);
      throw error;
    }
    // The build must load in Node 24 (a binary built against other headers would not).
    run(node, ['-e', `new (require(${JSON.stringify(copy)}))(':memory:').close()`]);
    for (const objects of ['obj', 'obj.target']) {
      rmSync(join(copy, 'build', 'Release', objects), { recursive: true, force: true });
    }
    mkdirSync(dirname(target), { recursive: true });
    rmSync(target, { recursive: true, force: true });
    renameSync(copy, target);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
process.stdout.write(`${node}\n`);

/** npm's node-gyp: from npm's environment, beside this Node's npm, or where Debian puts it. */
function findNodeGyp() {
  const candidates = [process.env.npm_config_node_gyp];
  try {
    const root = execFileSync('npm', ['root', '-g'], { encoding: 'utf8' }).trim();
    candidates.push(join(root, 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'));
  } catch {
    // no global npm root: try the fixed places below
  }
  candidates.push(
    join(
      dirname(process.execPath),
      '..',
      'lib',
      'node_modules',
      'npm',
      'node_modules',
      'node-gyp',
      'bin',
      'node-gyp.js',
    ),
    '/usr/share/nodejs/node-gyp/bin/node-gyp.js',
  );
  const found = candidates.find((path) => path && existsSync(path));
  if (!found)
    throw new Error(
      `ensure-node${MAJOR}: node-gyp not found (looked in ${candidates.filter(Boolean).join(', ')})`,
    );
  return found;
}

/** make, a C++ compiler and Python for node-gyp: from Debian when missing (as root), else say so. */
function ensureToolchain() {
  const missing = ['make', 'g++', 'python3'].filter((tool) => {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length === 0) return;
  if (process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')) {
    say(`${missing.join(', ')} missing: installing Debian's build-essential and python3`);
    run('apt-get', ['update', '-qq']);
    run(
      'apt-get',
      ['install', '-y', '-qq', '--no-install-recommends', 'build-essential', 'python3'],
      {
        env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      },
    );
    return;
  }
  throw new Error(
    `${missing.join(', ')} needed to build better-sqlite3 for Node ${MAJOR}: install them (Debian: sudo apt-get install build-essential python3)`,
  );
}
