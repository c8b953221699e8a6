import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts', 'test/integration/**/*.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Native modules (better-sqlite3, onnxruntime-node) are happiest in forked processes.
    pool: 'forks',
    reporters: ['default', ['json', { outputFile: 'test-results/vitest-report.json' }]],
  },
});
