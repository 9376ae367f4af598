import { betterSqlite3ForThisNode } from './scripts/better-sqlite3-build.mjs';

/** better-sqlite3 built for this Node's ABI under .cache/ (Node 24 runs: scripts/test-node24.sh). */
const betterSqlite3 = betterSqlite3ForThisNode();

/**
 * Every test: unit specs beside their files, contract suites and e2e against real services.
 * NestJS 12 ships ES modules only, so Jest runs in ESM mode (see the `test:jest` script).
 */
export default {
  rootDir: '.',
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper: {
    '^(\\.{1,2}/.*)\\.js$': '$1',
    // @fastify/static (CommonJS) require()s content-disposition 3, which is ESM-only; Jest 29 on
    // Node 20 cannot do that, so tests get the API-identical CommonJS 1.x instead.
    '^content-disposition$': 'content-disposition-cjs',
    ...(betterSqlite3 ? { '^better-sqlite3$': betterSqlite3 } : {}),
  },
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.spec.ts'],
  transform: {
    '^.+\\.ts$': [
      'ts-jest',
      { useESM: true, tsconfig: '<rootDir>/tsconfig.json', diagnostics: false },
    ],
  },
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  setupFiles: ['reflect-metadata'],
  testTimeout: 30000,
  maxWorkers: 2,
};
