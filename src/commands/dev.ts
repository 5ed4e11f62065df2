/**
 * `tg-lottery dev` (`npm run dev`): the platform as `start` runs it, plus Vite's dev server for the admin
 * panel with hot reload on http://127.0.0.1:5173 (vite.config.ts proxies `/api` and `/healthz` to this
 * process's API on PORT). Ctrl+C stops both. `npm run dev:ui` runs Vite alone, against an API started
 * elsewhere (`API_URL`).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startCommand } from './start.ts';

export async function devCommand(): Promise<number> {
  const viteBin = fileURLToPath(new URL('../../node_modules/vite/bin/vite.js', import.meta.url));
  if (!existsSync(viteBin)) {
    process.stderr.write(
      'tg-lottery dev: Vite is not installed; run npm install (with dev dependencies) first\n',
    );
    return 2;
  }
  const port = process.env.PORT || '8080';
  // Vite's proxy keeps the browser's Host (127.0.0.1:5173), so the API must serve that host too.
  process.env.ALLOWED_HOSTS = [process.env.ALLOWED_HOSTS, '127.0.0.1:5173', 'localhost:5173']
    .filter(Boolean)
    .join(',');
  const vite = spawn(process.execPath, [viteBin], {
    stdio: 'inherit',
    env: { ...process.env, API_URL: process.env.API_URL ?? `http://127.0.0.1:${port}` },
  });
  // Ctrl+C reaches Vite through the terminal's process group; anything else ending us ends Vite too.
  const stopVite = () => {
    if (vite.exitCode === null) vite.kill('SIGTERM');
  };
  process.once('exit', stopVite);
  try {
    return await startCommand();
  } finally {
    stopVite();
  }
}
