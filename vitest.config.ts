import { defineConfig } from 'vitest/config';

// One config for the repo. Vitest looks for its config in the working directory and then its
// parents, so `vitest run` inside packages/waymark (what `npm run test:unit` does) finds this
// file too, with that package as its root: `test/**` then matches the package's own tests,
// while from the repo root `packages/*/test/**` matches every package's.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    // Sized for a 2-core CI machine. Forks rather than threads: some tests spawn and SIGKILL
    // real worker processes, and the native better-sqlite3 module is safest one per process.
    pool: 'forks',
    maxWorkers: 2,
    // Generous because some tests start real processes; a test on the fake clock takes ms.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
