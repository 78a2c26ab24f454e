import { defineConfig } from 'vitest/config';

// The browser tests: `npm run test:e2e` builds the explorer, then runs these against `masksearch serve` in chromium.
export default defineConfig({
  test: {
    include: ['test/web/**/*.e2e.ts'],
    testTimeout: 30_000,
    hookTimeout: 90_000,
  },
});
