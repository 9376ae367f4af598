// Jest runs the tests tsc compiled (npm run build), as native ES modules:
// node --experimental-vm-modules node_modules/jest/bin/jest.js
export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/dist/test'],
  testMatch: ['**/*.e2e-spec.js'],
  transform: {},
};
