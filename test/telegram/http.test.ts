/**
 * The seam's POST over node:http against a real server on 127.0.0.1: the answer whole whatever its status,
 * keep-alive reuse, and the three failures (timeout, the caller's abort, the connection) with token-free
 * reasons; an answer over the size cap is refused.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpPost, MAX_ANSWER_BYTES, PostFailure } from '../../src/telegram/http.ts';

let server: Server;
let base: string;
let handler: (req: IncomingMessage, res: ServerResponse, body: string) => void;
const sockets = new Set<unknown>();

beforeAll(async () => {
  server = createServer((req, res) => {
    sockets.add(req.socket);
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => handler(req, res, body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const token = '123456:AAbbCCddEEffGGhhIIjjKKllMMnnOOpp';
const url = () => `${base}/bot${token}/getMe`;

async function failure(promise: Promise<unknown>): Promise<PostFailure> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(PostFailure);
  expect(JSON.stringify(err) + String(err) + (err as Error).stack).not.toContain(token.split(':')[1]);
  return err as PostFailure;
}

describe('httpPost', () => {
  it('sends the body with its length and reads the whole answer, whatever the status', async () => {
    handler = (req, res, body) => {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`${req.method} ${req.headers['content-length']} ${req.headers['content-type']} ${body}`);
    };
    const answer = await httpPost({
      url: url(),
      headers: { 'content-type': 'application/json' },
      body: '{"a":"é"}',
      timeoutMs: 2000,
    });
    expect(answer).toEqual({ status: 502, text: 'POST 10 application/json {"a":"é"}' });
  });

  it('reuses one kept-alive connection for requests one after another', async () => {
    handler = (_req, res) => res.end('{}');
    sockets.clear();
    for (let i = 0; i < 5; i++) await httpPost({ url: url(), headers: {}, timeoutMs: 2000 });
    expect(sockets.size).toBe(1);
  });

  it('gives up after its timeout when no answer comes', async () => {
    handler = () => {};
    const t0 = performance.now();
    const err = await failure(httpPost({ url: url(), headers: {}, timeoutMs: 150 }));
    expect(err.kind).toBe('timeout');
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
  });

  it("stops when the caller's signal fires, and does not send when it has already fired", async () => {
    handler = () => {};
    const controller = new AbortController();
    const pending = httpPost({ url: url(), headers: {}, timeoutMs: 10_000, signal: controller.signal });
    controller.abort();
    expect((await failure(pending)).reason).toBe('cancelled by the caller');
    let seen = 0;
    handler = (_req, res) => {
      seen++;
      res.end('{}');
    };
    const before = await failure(
      httpPost({ url: url(), headers: {}, timeoutMs: 1000, signal: controller.signal }),
    );
    expect(before).toMatchObject({ kind: 'aborted', reason: 'cancelled before it was sent' });
    expect(seen).toBe(0);
  });

  it('names a cut connection and a refused one by their codes only', async () => {
    handler = (req, res) => {
      res.writeHead(200, { 'content-length': '1000' });
      res.write(`{"ok":true,"result":"${req.url}`);
      setImmediate(() => res.socket?.destroy());
    };
    const cut = await failure(httpPost({ url: url(), headers: {}, timeoutMs: 2000 }));
    expect(cut.kind).toBe('network');
    expect(cut.reason).toMatch(/^network error/);
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const refused = await failure(
      httpPost({ url: `http://127.0.0.1:${port}/bot${token}/getMe`, headers: {}, timeoutMs: 2000 }),
    );
    expect(refused).toMatchObject({ kind: 'network', reason: 'network error ECONNREFUSED' });
  });

  it('refuses an answer larger than its cap', async () => {
    const chunk = Buffer.alloc(1024 * 1024, 'x');
    handler = (_req, res) => {
      res.writeHead(200);
      let sent = 0;
      const more = () => {
        while (sent <= MAX_ANSWER_BYTES) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', more);
        }
        res.end();
      };
      res.on('error', () => {});
      more();
    };
    const err = await failure(httpPost({ url: url(), headers: {}, timeoutMs: 20_000 }));
    expect(err).toMatchObject({ kind: 'network', reason: `an answer over ${MAX_ANSWER_BYTES} bytes` });
  });
});
