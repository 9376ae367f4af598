#!/bin/sh
# The Jest suite again, on Node 24 LTS (npm test runs it after the run on the machine's Node).
# scripts/ensure-node24.mjs installs Node 24 and better-sqlite3 built for it under .cache/;
# the --import hook points `better-sqlite3` at that build in the apps the tests spawn.
set -e
cd "$(dirname "$0")/.."
NODE24=$(node scripts/ensure-node24.mjs)
echo "Jest on $("$NODE24" --version)" >&2
NODE_OPTIONS="--import=\"$(pwd)/scripts/use-better-sqlite3-build.mjs\"" \
  exec "$NODE24" --experimental-vm-modules --no-warnings=ExperimentalWarning node_modules/jest/bin/jest.js "$@"
