/** Test projects: `npm test` runs unit, nodes and runtime; e2e and reliability have their own scripts. */
const project = (name, extra = {}) => ({
  displayName: name,
  testEnvironment: 'node',
  roots: [`<rootDir>/test/${name}`],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json', isolatedModules: true }] },
  ...extra,
});

module.exports = {
  globalSetup: '<rootDir>/test/support/global-redis.ts',
  globalTeardown: '<rootDir>/test/support/global-redis-teardown.ts',
  projects: [
    project('unit'),
    project('nodes'),
    project('runtime'),
    project('e2e'),
    project('reliability'),
  ],
};
