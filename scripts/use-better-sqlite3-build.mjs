// `node --import` this file (scripts/test-node24.sh does, through NODE_OPTIONS, so the apps the
// tests spawn get it too): `better-sqlite3` then resolves to the copy built for the running Node's
// ABI under .cache/, when there is one. Jest resolves modules itself: jest.config.js maps it there.
import { registerHooks } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { betterSqlite3ForThisNode } from './better-sqlite3-build.mjs';

const dir = betterSqlite3ForThisNode();
if (dir) {
  const url = pathToFileURL(join(dir, 'lib', 'index.js')).href;
  registerHooks({
    resolve: (specifier, context, next) =>
      specifier === 'better-sqlite3'
        ? { url, format: 'commonjs', shortCircuit: true }
        : next(specifier, context),
  });
}
