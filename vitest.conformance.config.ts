import { defineConfig } from 'vitest/config';

/**
 * `npm run conformance`: the runners over the shared corpora (test/conformance/**\/*.conformance.ts). Not part of
 * `npm test`, which needs nothing beside the checkout; scripts/conformance.mjs checks the corpus and starts this.
 */
export default defineConfig({
  test: {
    include: ['test/conformance/**/*.conformance.ts'],
    testTimeout: 300_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
