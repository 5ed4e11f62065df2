/**
 * A small Telegram stand-in on 127.0.0.1 for the token-leak test: it answers like the Bot API (just
 * enough for a bot to start, poll, send and check members) unless told to misbehave per token and method:
 *
 * - `html200`: an HTML page with status 200 (a captive portal), quoting the request URL;
 * - `html502`: a 502 with an HTML body (a proxy's error page), quoting the request URL;
 * - `cut`: a 200 whose body (quoting the URL) is cut off: the socket is destroyed mid-answer.
 *
 * Each misbehaving answer quotes `req.url`, which holds `/bot<token>/`: the worst a proxy could do.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Misbehaviour = 'html200' | 'html502' | 'cut';
export type Mode = 'ok' | Misbehaviour;

export interface StandIn {
  apiRoot: string;
  /** Set how `method` is answered for `token` (default `ok`). */
  set(token: string, method: string, mode: Mode): void;
  /** Requests of `token` to `method` so far. */
  count(token: string, method: string): number;
  close(): Promise<void>;
}

function okResult(method: string, body: Record<string, unknown>, botId: number): unknown {
  switch (method) {
    case 'getMe':
      return { id: botId, is_bot: true, first_name: 'Stand-in', username: `standin${botId}_bot` };
    case 'getUpdates':
      return [];
    case 'sendMessage':
    case 'editMessageText': {
      const chatId = Number(body.chat_id);
      return {
        message_id: 1 + Math.floor(Math.random() * 1e6),
        date: Math.floor(Date.now() / 1000),
        chat:
          chatId > 0
            ? { id: chatId, type: 'private', first_name: 'U' }
            : { id: chatId, type: 'channel', title: 'C' },
        text: String(body.text ?? ''),
      };
    }
    case 'getChatMember':
      return { status: 'member', user: { id: Number(body.user_id), is_bot: false, first_name: 'U' } };
    default:
      return true;
  }
}

/** Start the stand-in. */
export async function startStandIn(): Promise<StandIn> {
  const modes = new Map<string, Mode>();
  const counts = new Map<string, number>();
  const held = new Set<ServerResponse>();

  const answer = (req: IncomingMessage, res: ServerResponse, raw: string) => {
    const match = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(req.url ?? '');
    if (!match) {
      res.statusCode = 404;
      res.end('{"ok":false,"error_code":404,"description":"Not Found"}');
      return;
    }
    const [, token, method] = match as unknown as [string, string, string];
    const key = `${token} ${method}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    let body: Record<string, unknown> = {};
    try {
      body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
    } catch {
      // an empty or broken body: answer as if no parameters
    }
    const mode = modes.get(key) ?? 'ok';
    if (mode === 'html200' || mode === 'html502') {
      res.statusCode = mode === 'html200' ? 200 : 502;
      res.setHeader('content-type', 'text/html');
      res.end(
        `<html><body><h1>${mode === 'html200' ? 'Sign in' : '502 Bad Gateway'}</h1>${req.url}</body></html>`,
      );
      return;
    }
    if (mode === 'cut') {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '4096' });
      res.write(`{"ok":true,"result":{"url":"${req.url}"`);
      setImmediate(() => res.socket?.destroy());
      return;
    }
    const result = okResult(method, body, Number(token.split(':')[0]));
    const send = () => {
      held.delete(res);
      if (!res.writableEnded) res.end(JSON.stringify({ ok: true, result }));
    };
    // A long poll with nothing to deliver: held a moment (not spun), then answered empty.
    if (method === 'getUpdates' && Number(body.timeout) > 0) {
      held.add(res);
      setTimeout(send, 200);
      return;
    }
    res.setHeader('content-type', 'application/json');
    send();
  };

  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => {
      raw += chunk;
    });
    req.on('end', () => answer(req, res, raw));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    apiRoot: `http://127.0.0.1:${port}`,
    set: (token, method, mode) => modes.set(`${token} ${method}`, mode),
    count: (token, method) => counts.get(`${token} ${method}`) ?? 0,
    async close() {
      for (const res of held) res.end(JSON.stringify({ ok: true, result: [] }));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
