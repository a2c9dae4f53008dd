import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The PostgreSQL tests read their database from this variable (.ci/run sets it). Without it
// they are skipped with a warning — except in CI, where they run and fail.
const POSTGRES_URL_VARIABLE = 'WAYMARK_TEST_POSTGRES_URL';
const withPostgres =
  (process.env[POSTGRES_URL_VARIABLE] ?? '') !== '' || process.env['CI'] === 'true';
if (!withPostgres) {
  console.warn(
    `\n*** ${POSTGRES_URL_VARIABLE} is not set: the engine suite does not run on PostgreSQL ` +
      `and the PostgreSQL store tests are SKIPPED.\n`,
  );
}

// One config for the repo. Vitest looks for its config in the working directory and then its
// parents, so `vitest run` inside packages/waymark (what `npm run test:unit` does) finds this
// file too, with that package as its root: `test/**` then matches the package's own tests,
// while from the repo root `packages/*/test/**` matches every package's.
export default defineConfig({
  test: {
    exclude: ['**/node_modules/**', '**/dist/**'],
    // Sized for a 2-core CI machine. Forks rather than threads: some tests spawn and SIGKILL
    // real worker processes, and the native better-sqlite3 module is safest one per process.
    pool: 'forks',
    maxWorkers: 2,
    // Generous because some tests start real processes; a test on the fake clock takes ms.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // expect.poll waits in real time (1 s by default): engine tests on PostgreSQL wait for commits.
    expect: { poll: { timeout: 5_000 } },
    projects: [
      {
        extends: true,
        test: { name: 'waymark', include: ['test/**/*.test.ts', 'packages/*/test/**/*.test.ts'] },
      },
      // The engine suite again, on PostgreSQL: createTestEngine's stores come from the setup.
      ...(withPostgres
        ? [
            {
              extends: true,
              test: {
                name: 'engine on postgres',
                include: ['test/runtime/**/*.test.ts', 'packages/*/test/runtime/**/*.test.ts'],
                setupFiles: [
                  fileURLToPath(
                    new URL(
                      './packages/waymark/test/storage/engine-on-postgres.setup.ts',
                      import.meta.url,
                    ),
                  ),
                ],
              },
            },
          ]
        : []),
    ],
  },
});
