import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vitest/config';

/**
 * Test runner configuration. `test/global-setup.ts` provides one PostgreSQL server per run:
 * `DATABASE_URL` when it is set, else an embedded server started once; each test file that needs a
 * database creates its own throw-away database on it (see test/helpers/db.ts).
 * The Vue plugin compiles the admin panel's `.vue` files for its component tests (test/web/ui, which
 * opt into happy-dom per file with `// @vitest-environment happy-dom`; everything else runs in node).
 * Files and the tests in each file run in a shuffled order, so a test that depends on another's leftovers
 * fails. The order is fixed by `TEST_SEED` (default below, so CI runs are repeatable); set
 * `TEST_SEED=random` to try a new order (the seed used is printed at the start).
 */
const seed =
  process.env.TEST_SEED === 'random'
    ? Math.floor(Math.random() * 1_000_000)
    : Number(process.env.TEST_SEED ?? 20261206);
if (!Number.isSafeInteger(seed))
  throw new Error(`TEST_SEED must be an integer or "random", not ${process.env.TEST_SEED}`);

export default defineConfig({
  plugins: [vue()],
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    sequence: { shuffle: { files: true, tests: true }, seed },
    reporters: ['default'],
  },
});
