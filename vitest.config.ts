import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The default output, and one closing line when the real-Prometheus tests were skipped for want of the binaries.
    reporters: ['default', './test/helpers/prometheus-skip-reporter.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'bench/**/*.test.ts', 'web/src/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/contracts/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          poolOptions: { forks: { singleFork: true } },
        },
      },
      // Horizon (Django under uWSGI) in Chromium against a Steward: `npm test` runs it alone, last. Beside the other
      // projects its calls to Steward failed once in a full run (it passes alone); a failure prints Horizon's log.
      {
        test: {
          name: 'horizon',
          include: ['test/horizon/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          poolOptions: { forks: { singleFork: true } },
        },
      },
      // Restarts the machine's RabbitMQ: `npm test` runs it alone, after every other project has finished.
      {
        test: {
          name: 'chaos',
          include: ['test/chaos/**/*.test.ts'],
          testTimeout: 300_000,
          hookTimeout: 180_000,
          poolOptions: { forks: { singleFork: true } },
        },
      },
    ],
  },
});
