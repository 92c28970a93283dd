import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // one packed tarball for the package and integration suites
    globalSetup: ['test/fixtures/pack.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      // the CommonJS entry is exercised through the built package in package.test.ts; names.ts is a
      // type only (the CommonJS entry's names), which nothing loads, checked by the same file's
      // TypeScript cases
      exclude: ['src/cjs.ts', 'src/names.ts'],
      reporter: ['text', 'json-summary'],
      thresholds: { lines: 100, branches: 100, functions: 100, statements: 100 },
    },
  },
})
