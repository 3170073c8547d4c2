import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Bounds that stop a hung test, not measures of speed: a loaded machine (2 cores shared by
    // several test runs) makes a CDK synth or a process start take minutes. Tests wait for
    // events inside these bounds.
    testTimeout: 240_000,
    hookTimeout: 240_000,
    pool: 'forks',
    // Two cores: keep parallelism modest so that timing-sensitive integration tests stay stable.
    maxWorkers: 2,
  },
});
