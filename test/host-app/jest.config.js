// Jest runs the tests tsc compiled (npx tsc; not `nest build`, which leaves test/ out), as
// native ES modules:
// node --experimental-vm-modules node_modules/jest/bin/jest.js
export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/dist/test'],
  testMatch: ['**/*.e2e-spec.js'],
  transform: {},
};
