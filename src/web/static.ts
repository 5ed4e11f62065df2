/**
 * Serves the built admin panel (`npm run build:ui` → `dist/ui/`) at `/`: a file that exists is sent as it
 * is (pre-compressed `.br`/`.gz` when the browser takes them; hashed `assets/*` cached for a year,
 * everything else revalidated), any other GET path gets `index.html` so the panel's router can show it,
 * and `/api/*` keeps the API's JSON 404. Without a build, every panel path answers 503 with a plain page
 * that says how to build it. The folder is checked on each request, so a build made while the server runs
 * is picked up without a restart.
 *
 * @example await app.register(adminPanel); // in buildApp, after the API
 */
import { stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';

/** Where `npm run build:ui` writes the panel (vite.config.ts). */
export const DEFAULT_PANEL_DIR = fileURLToPath(new URL('../../dist/ui/', import.meta.url));

export interface AdminPanelOptions {
  /** Folder of the built panel, default {@link DEFAULT_PANEL_DIR}. */
  root?: string;
}

const NOT_BUILT_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>tg-lottery: admin panel not built</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 3em auto; line-height: 1.5">
<h1>The admin panel is not built</h1>
<p>Run <code>npm run build:ui</code> in the tg-lottery folder, then reload this page.
The API itself works: see <a href="/api/docs">/api/docs</a>.</p>
<p lang="zh-CN">管理面板尚未构建：请在 tg-lottery 目录下运行 <code>npm run build:ui</code>，然后刷新本页。</p>
</body></html>
`;

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** The request path relative to the panel folder, or null when it is not a plain, safe file path. */
function relativePath(url: string): string | null {
  let path: string;
  try {
    path = decodeURIComponent(url.split('?')[0] ?? '/');
  } catch {
    return null;
  }
  const segments = path.split('/').filter(Boolean);
  if (segments.some((s) => s === '..' || s.startsWith('.') || s.includes('\\') || s.includes('\0'))) {
    return null;
  }
  return segments.join('/');
}

/** The admin panel at `/` with the single-page-app fallback. Register it in the root scope. */
export const adminPanel: FastifyPluginAsync<AdminPanelOptions> = async (app, options) => {
  const root = resolve(options.root ?? DEFAULT_PANEL_DIR);
  // serve: false: no routes of its own, only reply.sendFile (in this plugin's scope).
  await app.register(fastifyStatic, { root, serve: false, preCompressed: true });

  const sendPanelFile = (reply: FastifyReply, file: string) => {
    if (file.startsWith('assets/')) {
      return reply.sendFile(file, { maxAge: '365d', immutable: true });
    }
    reply.header('cache-control', 'no-cache');
    return reply.sendFile(file, { cacheControl: false });
  };

  app.get('/*', { schema: { hide: true } }, async (request: FastifyRequest, reply: FastifyReply) => {
    const url = request.url;
    if (url === '/api' || url.startsWith('/api/') || url.startsWith('/api?')) return reply.callNotFound();
    if (!(await isFile(join(root, 'index.html')))) {
      return reply
        .code(503)
        .type('text/html; charset=utf-8')
        .header('cache-control', 'no-store')
        .send(NOT_BUILT_PAGE);
    }
    const file = relativePath(url);
    if (file === null) return reply.callNotFound();
    const full = join(root, file);
    if (file && (full === root || full.startsWith(root + sep)) && (await isFile(full))) {
      return sendPanelFile(reply, file);
    }
    // A missing asset is a 404, not the page: a stale tab asking for an old chunk must fail visibly.
    if (file.startsWith('assets/') || /\.[a-z0-9]{1,8}$/i.test(file)) return reply.callNotFound();
    return sendPanelFile(reply, 'index.html');
  });
};
