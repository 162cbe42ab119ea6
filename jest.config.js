// jest runs the compiled tests in build/ (tsc -p tsconfig.test.json), as native ES modules. Two workers: the
// conformance suites spend most of their time waiting on tshark and child processes.
export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/build/test'],
  testMatch: ['**/*.test.js'],
  transform: {},
  testTimeout: 300000,
  maxWorkers: 2,
};
