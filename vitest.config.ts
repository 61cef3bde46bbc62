import { defineConfig } from 'vitest/config';

// One run covers every layer: unit and scenario tests, the simulator soak, and integration tests that
// spawn real nats-server and replica processes. Integration files are slow to start, so they get a
// generous per-test timeout; the core's tests finish in milliseconds.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
