import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vitest/config';

/**
 * Test runner configuration. `test/global-setup.ts` provides one PostgreSQL server per run:
 * `DATABASE_URL` when it is set, else an embedded server started once; each test file that needs a
 * database creates its own throw-away database on it (see test/helpers/db.ts).
 * The Vue plugin compiles the admin panel's `.vue` files for its component tests (test/web/ui, which
 * opt into happy-dom per file with `// @vitest-environment happy-dom`; everything else runs in node).
 */
export default defineConfig({
  plugins: [vue()],
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
