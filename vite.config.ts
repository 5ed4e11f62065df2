/**
 * Build and dev server of the admin panel (src/web/ui, Vue 3 + Element Plus).
 *
 * - `npm run build:ui` writes the panel to `dist/ui/` (ignored by git), with a `.br` and a `.gz` beside each
 *   text asset so the API server (src/web/static.ts) can send them pre-compressed.
 * - `npm run dev` (the platform plus this dev server) or `npm run dev:ui` (this alone) serves the panel with
 *   hot reload on http://127.0.0.1:5173 and proxies `/api` and `/healthz` to the API (`API_URL`, default
 *   http://127.0.0.1:8080). The proxy keeps the browser's
 *   Host header, so the API's same-origin check and the session cookies work as in production.
 * - The draw verifier (src/lottery/fairness) runs in the browser as it is, except its hashing seam: every
 *   `./hash.ts` import is aliased to src/web/ui/fairness-hash.ts (@noble/hashes instead of node:crypto).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import vue from '@vitejs/plugin-vue';
import { defineConfig, type Plugin } from 'vite';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const outDir = here('./dist/ui');
const api = process.env.API_URL ?? 'http://127.0.0.1:8080';

/** Writes `<file>.br` and `<file>.gz` beside every emitted text asset of at least 1 KiB. */
function precompress(): Plugin {
  const brotli = promisify(brotliCompress);
  const gz = promisify(gzip);
  return {
    name: 'tg-lottery:precompress',
    apply: 'build',
    async writeBundle(_options, bundle) {
      const files = Object.keys(bundle).filter((name) => /\.(js|css|html|svg|json)$/.test(name));
      await Promise.all(
        files.map(async (name) => {
          const path = join(outDir, name);
          const data = await readFile(path);
          if (data.length < 1024) return;
          const params = { [constants.BROTLI_PARAM_QUALITY]: 11 };
          await writeFile(`${path}.br`, await brotli(data, { params }));
          await writeFile(`${path}.gz`, await gz(data, { level: 9 }));
        }),
      );
    },
  };
}

export default defineConfig({
  root: here('./src/web/ui'),
  base: '/',
  plugins: [vue(), precompress()],
  resolve: {
    alias: [{ find: /^\.\/hash\.ts$/, replacement: here('./src/web/ui/fairness-hash.ts') }],
  },
  define: {
    __VUE_OPTIONS_API__: 'true',
    __VUE_PROD_DEVTOOLS__: 'false',
    __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: 'false',
    __VUE_I18N_FULL_INSTALL__: 'true',
    __VUE_I18N_LEGACY_API__: 'false',
    __INTLIFY_PROD_DEVTOOLS__: 'false',
  },
  build: {
    outDir,
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 600,
  },
  server: {
    host: '127.0.0.1',
    port: 5173,
    strictPort: true,
    proxy: {
      '/api': { target: api },
      '/healthz': { target: api },
    },
  },
});
