/** ESM + TypeScript: ts-jest's ESM preset, with `.js` import suffixes mapped back to the sources. */
export default {
  preset: 'ts-jest/presets/default-esm',
  testEnvironment: 'node',
  testMatch: ['<rootDir>/tests/**/*.test.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, diagnostics: false }] },
  setupFilesAfterEnv: ['<rootDir>/tests/support/cleanup.ts'],
  testTimeout: 30000,
};
