import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
          // A hang guard, not a speed check: fuzz and corpus tests run for seconds on a busy 2-core machine.
          testTimeout: 30_000,
          setupFiles: ['test/setup/quietDependencyWarnings.ts'],
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.e2e.test.ts'],
          environment: 'node',
          globalSetup: ['test/e2e/globalSetup.ts'],
          setupFiles: ['test/setup/quietDependencyWarnings.ts', 'test/setup/sdkLogOnFailure.ts'],
          testTimeout: 60_000,
          // expect.poll waits on a real homeserver and a real browser: 1 s (vitest's default) is too short on a loaded machine.
          expect: { poll: { timeout: 15_000 } },
          // Hooks start apps and wait on Synapse; globalSetup (the pip install) has no timeout.
          hookTimeout: 240_000,
          // One Synapse serves the whole run; files take turns.
          fileParallelism: false,
        },
      },
    ],
  },
});
