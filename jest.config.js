// jest runs the compiled tests in build/ (tsc -p tsconfig.test.json), as native ES modules.
export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/build/test'],
  testMatch: ['**/*.test.js'],
  transform: {},
  testTimeout: 120000,
};
