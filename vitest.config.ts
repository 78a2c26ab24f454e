import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

// Vite would load graphql's .mjs build while Node loads the CJS one; two copies break instanceof checks.
const graphqlEntry = createRequire(import.meta.url).resolve('graphql');

export default defineConfig({
  resolve: { alias: [{ find: /^graphql$/, replacement: graphqlEntry }] },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
