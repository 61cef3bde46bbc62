import { defineConfig } from 'vitest/config';

// Two projects, run one after the other by `npm test`:
//   core         — unit, scenario, simulator, storage, transport and in-process contract tests, in
//                  parallel across the cores;
//   integration  — real nats-server, replica and wrangler dev processes, one file at a time so
//                  timing-sensitive tests (elections, failover) do not compete with the simulator for CPU.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'core',
          include: ['test/**/*.test.ts'],
          exclude: ['test/integration/**', 'test/workers/**', 'test/dashboard/browser.test.ts', 'test/chat/nats.test.ts', 'node_modules/**'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          pool: 'forks',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/workers/**/*.test.ts', 'test/dashboard/browser.test.ts', 'test/chat/nats.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 60_000,
          pool: 'forks',
          fileParallelism: false,
        },
      },
    ],
  },
});
