// `node --import` this file (scripts/test-node24.sh does, through NODE_OPTIONS, so the apps the
// tests spawn get it too): `better-sqlite3` then resolves to the copy built for the running Node's
// ABI under .cache/, when there is one. Jest resolves modules itself: jest.config.js maps it there.
import module from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { betterSqlite3ForThisNode } from './better-sqlite3-build.mjs';

const dir = betterSqlite3ForThisNode();
// NODE_OPTIONS reaches every Node the tests start, npm's own (the machine's Node) included:
// only a Node with a build under .cache/ (and module.registerHooks, Node >= 22.15) is redirected.
if (dir && module.registerHooks) {
  const url = pathToFileURL(join(dir, 'lib', 'index.js')).href;
  module.registerHooks({
    resolve: (specifier, context, next) =>
      specifier === 'better-sqlite3'
        ? { url, format: 'commonjs', shortCircuit: true }
        : next(specifier, context),
  });
}
