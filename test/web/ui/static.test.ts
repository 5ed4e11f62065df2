/**
 * Serving the built panel (src/web/static.ts): files as they are, the page for every other panel path,
 * the API's JSON 404 kept for /api/*, and a plain "not built" page while dist/ui is missing.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { installErrorHandling } from '../../../src/web/error-handler.ts';
import { adminPanel } from '../../../src/web/static.ts';

const INDEX = '<!doctype html><title>panel</title><div id="app"></div>';
const SCRIPT = `console.log(${JSON.stringify('x'.repeat(2000))});`;

let dir: string;
let app: FastifyInstance;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tg-lottery-ui-'));
  app = Fastify();
  installErrorHandling(app);
  app.get('/api/ping', async () => ({ pong: true }));
  await app.register(adminPanel, { root: join(dir, 'ui') });
  await app.ready();
});

afterEach(async () => {
  await app.close();
  await rm(dir, { recursive: true, force: true });
});

async function build() {
  await mkdir(join(dir, 'ui', 'assets'), { recursive: true });
  await writeFile(join(dir, 'ui', 'index.html'), INDEX);
  await writeFile(join(dir, 'ui', 'assets', 'app-1a2b.js'), SCRIPT);
  await writeFile(join(dir, 'ui', 'assets', 'app-1a2b.js.gz'), gzipSync(SCRIPT));
}

const get = (url: string, headers: Record<string, string> = {}) =>
  app.inject({ method: 'GET', url, headers });

describe('adminPanel', () => {
  it('says how to build the panel while it is not built, and the API still answers', async () => {
    const page = await get('/lotteries');
    expect(page.statusCode).toBe(503);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('npm run build:ui');
    expect((await get('/api/ping')).json()).toEqual({ pong: true });
  });

  it('picks up a build made while the server runs', async () => {
    expect((await get('/')).statusCode).toBe(503);
    await build();
    const page = await get('/');
    expect(page.statusCode).toBe(200);
    expect(page.body).toBe(INDEX);
  });

  it('answers every panel path with the page, revalidated on each visit', async () => {
    await build();
    for (const url of ['/', '/lotteries/12', '/proof/7?x=1', '/index.html']) {
      const page = await get(url);
      expect(page.statusCode, url).toBe(200);
      expect(page.body, url).toBe(INDEX);
      expect(page.headers['cache-control'], url).toBe('no-cache');
    }
    expect((await app.inject({ method: 'HEAD', url: '/bot' })).statusCode).toBe(200);
  });

  it('sends hashed assets for a year, pre-compressed when the browser accepts it', async () => {
    await build();
    const plain = await get('/assets/app-1a2b.js');
    expect(plain.statusCode).toBe(200);
    expect(plain.body).toBe(SCRIPT);
    expect(plain.headers['content-type']).toContain('javascript');
    expect(plain.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const zipped = await get('/assets/app-1a2b.js', { 'accept-encoding': 'gzip' });
    expect(zipped.headers['content-encoding']).toBe('gzip');
  });

  it("keeps the API's JSON 404, and a missing file is a 404 too, not the page", async () => {
    await build();
    for (const url of ['/api/nope', '/api', '/assets/old-chunk.js', '/favicon.ico']) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(404);
      expect(res.json().error.code, url).toBe('not_found');
    }
    const post = await app.inject({ method: 'POST', url: '/lotteries' });
    expect(post.statusCode).toBe(404);
  });

  it('never serves a file outside the panel folder', async () => {
    await build();
    await writeFile(join(dir, 'secret.txt'), 'TOP-SECRET-CONTENT');
    for (const url of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt', '/.env']) {
      const res = await get(url);
      expect(res.body, url).not.toContain('TOP-SECRET');
      expect(res.statusCode, url).toBeGreaterThanOrEqual(400);
    }
  });
});
