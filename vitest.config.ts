import { defineConfig } from 'vitest/config';

// Three projects (issue 2): `unit` runs files in parallel; `integration` runs files one at a time
// against real services (Kafka, LevelDB, Chromium) started by its global setup; `simulation` runs
// the seeded cluster simulation. `vitest run` runs all three.
export default defineConfig({
  test: {
    reporters: ['default', './test/summary-reporter.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          // one real Kafka broker for the whole project (issue 4), stopped afterwards even on failure
          globalSetup: ['test/integration/global-setup.ts'],
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
      {
        test: {
          name: 'simulation',
          include: ['test/simulation/**/*.test.ts'],
          testTimeout: 600_000,
        },
      },
    ],
  },
});
