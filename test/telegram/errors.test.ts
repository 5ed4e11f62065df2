/**
 * The seam's two errors against a real HTTP server on 127.0.0.1: Telegram's error answer becomes a
 * TelegramApiError (method, code, description, parameters); an HTML page, a 502 with an HTML body, a
 * connection cut mid-answer, a refused connection, a timeout and an abort become a TelegramNoAnswerError
 * with a short reason. Neither holds the token — not in its message, stack, cause or any nested field —
 * and parameters JSON cannot carry (file uploads) are refused before anything is sent.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { botApi, TelegramApiError, TelegramNoAnswerError } from '../../src/telegram/index.ts';
import { timeoutFor } from '../../src/telegram/methods.ts';
import { fakeToken, reachableStrings } from './helpers.ts';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;
let handler: Handler = (_req, res) => res.end('{"ok":true,"result":true}');
let server: Server;
let apiRoot: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => handler(req, res, body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  apiRoot = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** Assert no part of `token` is reachable from `err` (nor in its JSON). */
function expectNoToken(err: unknown, token: string): void {
  const secret = token.split(':')[1]!;
  const text = `${reachableStrings(err).join('\n')}\n${JSON.stringify(err)}\n${String(err)}`;
  expect(text).not.toContain(secret);
  expect(text).not.toContain(secret.slice(0, 12));
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to fail');
}

describe('TelegramApiError', () => {
  it("carries Telegram's method, code, description and parameters", async () => {
    const token = fakeToken();
    handler = (_req, res) => {
      res.statusCode = 400;
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({
          ok: false,
          error_code: 400,
          description: 'Bad Request: group chat was upgraded to a supergroup chat',
          parameters: { migrate_to_chat_id: -1001234567890, retry_after: 'soon', extra: 1 },
        }),
      );
    };
    const err = await failure(botApi(token, { apiRoot }).call('sendMessage', { chat_id: -5, text: 'x' }));
    expect(err).toBeInstanceOf(TelegramApiError);
    expect(err).toMatchObject({
      name: 'TelegramApiError',
      method: 'sendMessage',
      code: 400,
      description: 'Bad Request: group chat was upgraded to a supergroup chat',
      parameters: { migrate_to_chat_id: -1001234567890 },
    });
    expect((err as TelegramApiError).parameters).not.toHaveProperty('retry_after');
    expect((err as Error).message).toBe(
      'Telegram answered sendMessage with 400: Bad Request: group chat was upgraded to a supergroup chat',
    );
    expect((err as Error).cause).toBeUndefined();
    expectNoToken(err, token);
  });

  it('masks the token should an answer in the Bot API shape quote it', async () => {
    const token = fakeToken();
    handler = (req, res) =>
      res.end(JSON.stringify({ ok: false, error_code: 404, description: `Not Found: ${req.url}` }));
    const err = await failure(botApi(token, { apiRoot }).call('getChat', { chat_id: 1 }, { attempts: 1 }));
    expect((err as TelegramApiError).description).toBe(`Not Found: /bot${token.split(':')[0]}:***/getChat`);
    expectNoToken(err, token);
  });
});

describe('TelegramNoAnswerError', () => {
  const cases: Array<[string, Handler, Partial<TelegramNoAnswerError>]> = [
    [
      'an HTML page with status 200',
      (req, res) => {
        res.setHeader('content-type', 'text/html');
        res.end(`<html><body>Sign in to the Wi-Fi to reach ${req.url}</body></html>`);
      },
      { kind: 'not-bot-api', status: 200, reason: "HTTP 200 with a body that is not the Bot API's JSON" },
    ],
    [
      'a 502 with an HTML body',
      (req, res) => {
        res.statusCode = 502;
        res.setHeader('content-type', 'text/html');
        res.end(`<html><body>502 Bad Gateway (upstream for ${req.url})</body></html>`);
      },
      { kind: 'not-bot-api', status: 502, reason: "HTTP 502 with a body that is not the Bot API's JSON" },
    ],
    [
      'a connection cut mid-answer',
      (req, res) => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
        res.write(`{"ok":true,"result":"${req.url}`);
        setImmediate(() => res.socket?.destroy());
      },
      { kind: 'network', reason: 'network error ECONNRESET' },
    ],
    ['an empty body', (_req, res) => res.end(), { kind: 'not-bot-api', status: 200 }],
  ];
  it.each(cases)('is what %s gives, with a short reason and no token', async (_what, answer, expected) => {
    const token = fakeToken();
    handler = answer;
    for (const method of ['getMe', 'getUpdates', 'sendMessage', 'getChatMember']) {
      const err = await failure(
        botApi(token, { apiRoot }).call(method, method === 'getMe' ? {} : { chat_id: 1, text: 'x' }, {
          attempts: 1,
        }),
      );
      expect(err, method).toBeInstanceOf(TelegramNoAnswerError);
      expect(err, method).toMatchObject({ name: 'TelegramNoAnswerError', method, ...expected });
      expect((err as Error).message).toBe(
        `Telegram gave no usable answer to ${method}: ${(err as TelegramNoAnswerError).reason}`,
      );
      expect((err as Error).cause).toBeUndefined();
      expectNoToken(err, token);
    }
  });

  it('is what a refused connection gives', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const token = fakeToken();
    const err = await failure(
      botApi(token, { apiRoot: `http://127.0.0.1:${port}` }).call('getMe', {}, { attempts: 1 }),
    );
    expect(err).toMatchObject({ kind: 'network', reason: 'network error ECONNREFUSED' });
    expectNoToken(err, token);
  });

  it('never copies a fetch error, even one quoting the URL', async () => {
    const token = fakeToken();
    const leaky: typeof fetch = async (url) => {
      throw Object.assign(new TypeError(`request to ${String(url)} failed`), {
        cause: Object.assign(new Error(`connect to ${String(url)}`), {
          code: 'ECONNRESET',
          url: String(url),
        }),
      });
    };
    const err = await failure(botApi(token, { apiRoot, fetch: leaky }).call('getMe', {}, { attempts: 1 }));
    expect(err).toMatchObject({ kind: 'network', reason: 'network error ECONNRESET' });
    expectNoToken(err, token);
  });
});

describe('timeouts', () => {
  it('gives up on a request after its timeout', async () => {
    handler = () => {
      // never answers
    };
    const token = fakeToken();
    const err = await failure(botApi(token, { apiRoot }).call('getMe', {}, { attempts: 1, timeoutMs: 50 }));
    expect(err).toMatchObject({ kind: 'timeout', reason: 'no answer within 0.05 s' });
    expectNoToken(err, token);
  });

  it('waits 10 s by default, and for getUpdates its long poll plus 10 s', () => {
    expect(timeoutFor('sendMessage', {}, 10_000)).toBe(10_000);
    expect(timeoutFor('getUpdates', { timeout: 20 }, 10_000)).toBe(30_000);
    expect(timeoutFor('getUpdates', { timeout: 0 }, 10_000)).toBe(10_000);
  });

  it("honours the caller's AbortSignal, in flight and before sending", async () => {
    handler = () => {
      // never answers
    };
    const api = botApi(fakeToken(), { apiRoot });
    const controller = new AbortController();
    const pending = failure(api.call('getMe', {}, { signal: controller.signal }));
    controller.abort();
    expect(await pending).toMatchObject({ kind: 'aborted' });
    expect(await failure(api.call('getMe', {}, { signal: AbortSignal.abort() }))).toMatchObject({
      kind: 'aborted',
    });
  });
});

describe('JSON bodies', () => {
  it('sends JSON, leaving out null and undefined fields', async () => {
    let seen: { type?: string; body?: string } = {};
    handler = (req, res, body) => {
      seen = { ...(req.headers['content-type'] ? { type: req.headers['content-type'] } : {}), body };
      res.end('{"ok":true,"result":{"message_id":1}}');
    };
    const api = botApi(fakeToken(), { apiRoot });
    await api.call('sendMessage', { chat_id: 7, text: 'hi', reply_markup: undefined, parse_mode: null });
    expect(seen).toEqual({ type: 'application/json', body: '{"chat_id":7,"text":"hi"}' });
  });

  it.each([
    ['a Buffer', { photo: Buffer.from('png') }, 'photo is binary data'],
    ['a stream', { document: Readable.from(['x']) }, 'document is a stream'],
    ["Telegraf's InputFile", { photo: { source: '/tmp/a.png' } }, 'photo is an InputFile'],
    [
      'a nested file',
      { media: [{ type: 'photo', media: new Uint8Array(2) }] },
      'media[0].media is binary data',
    ],
    ['a function', { text: () => 'x' }, 'text is a function'],
    ['a bigint', { chat_id: 10n }, 'chat_id is a bigint'],
    ['NaN', { chat_id: Number.NaN }, 'chat_id is NaN'],
  ])('refuses %s before sending anything', async (_what, params, message) => {
    let requests = 0;
    handler = (_req, res) => {
      requests++;
      res.end('{"ok":true,"result":true}');
    };
    const api = botApi(fakeToken(), { apiRoot });
    const err = await failure(api.call('sendPhoto', { chat_id: 7, ...params } as Record<string, unknown>));
    expect(err).toBeInstanceOf(TypeError);
    expect((err as Error).message).toContain(message);
    expect((err as Error).message).toContain('JSON only');
    expect(requests).toBe(0);
  });
});
