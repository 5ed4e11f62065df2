/**
 * The Bot API route: `<root>/bot<token>/<method>` (also `/bot<token>/test/<method>`), GET or POST, with
 * parameters from the query string and a JSON, urlencoded or multipart body. Order of checks, as
 * Telegram: path shape (404), injected faults, token (401 `Unauthorized`), method (404 `Not Found`),
 * then the method itself. Answers `{ok:true,result}` or `{ok:false,error_code,description,parameters?}`
 * with the HTTP status equal to error_code.
 */
import type { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../log/logger.ts';
import { BotApiError, TG } from './errors.ts';
import type { FaultAction } from './faults.ts';
import type { Caller, CallerWatcher } from './methods/context.ts';
import { METHODS, type MethodContext } from './methods/index.ts';
import type { SandboxBot } from './model.ts';
import { Params } from './params.ts';
import type { SandboxState } from './state.ts';
import type { WebhookDeliverer } from './webhook.ts';

const PATH = /^\/bot(\d{1,20}:[A-Za-z0-9_-]{1,128})\/(?:test\/)?([A-Za-z0-9_]{1,64})\/?$/;

export interface BotApiDeps {
  state: SandboxState;
  webhooks: WebhookDeliverer;
  logger: Logger;
  /** Aborted when the sandbox closes: hung faults end at once. */
  closing: AbortSignal;
}

function sendError(reply: FastifyReply, err: BotApiError): void {
  if (!reply.raw.destroyed) reply.code(err.errorCode).send(err.toJSON());
}

function wait(ms: number, signals: AbortSignal[]): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      for (const s of signals) s.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    for (const s of signals) s.addEventListener('abort', done, { once: true });
  });
}

/**
 * The HTTP client of one Bot API request: gone once it closes its connection before the answer. Costs
 * one listener on the response, and only for a method that waits (getUpdates) and asks.
 */
class HttpCaller implements Caller {
  readonly #res: ServerResponse;

  constructor(res: ServerResponse) {
    this.#res = res;
  }

  get gone(): boolean {
    return this.#res.destroyed;
  }

  watch(watcher: CallerWatcher): void {
    const res = this.#res;
    // 'close' also follows a normal answer (writableFinished is true then); the response object dies
    // with its request, so the listener needs no removal.
    res.on('close', () => {
      if (!res.writableFinished) watcher.callerGone();
    });
  }
}

/** A caller that is gone when `signal` aborts: calls found in webhook answers end with the sandbox. */
export function signalCaller(signal: AbortSignal): Caller {
  return {
    get gone() {
      return signal.aborted;
    },
    watch(watcher) {
      signal.addEventListener('abort', () => watcher.callerGone(), { once: true });
    },
  };
}

/**
 * Run one method as `bot`; used by the route and by webhook answers. Returns the result, or a promise of
 * it for methods that wait (getUpdates).
 * @throws BotApiError (synchronously, or as the promise's rejection).
 */
export function callMethod(
  deps: BotApiDeps,
  bot: SandboxBot,
  method: string,
  raw: Record<string, unknown>,
  caller: Caller,
): unknown {
  const handler = METHODS.get(method.toLowerCase());
  if (!handler) throw new BotApiError(404, TG.notFound);
  const ctx: MethodContext = {
    state: deps.state,
    bot,
    params: new Params(raw),
    caller,
    webhooks: deps.webhooks,
    logger: deps.logger,
  };
  return handler(ctx);
}

/**
 * The call's parameters: the query string's, overridden by a JSON, urlencoded or multipart body's. The
 * body object itself when there is no query string (nothing changes parameters afterwards).
 */
function mergeParams(query: unknown, body: unknown): Record<string, unknown> {
  const fromBody =
    body !== null && typeof body === 'object' && !Array.isArray(body)
      ? (body as Record<string, unknown>)
      : null;
  for (const _ in query as object) return { ...(query as Record<string, unknown>), ...fromBody };
  return fromBody ?? {};
}

async function applyFault(
  fault: FaultAction,
  request: FastifyRequest,
  reply: FastifyReply,
  deps: BotApiDeps,
): Promise<boolean> {
  if (fault.hangMs > 0) {
    const gone = new AbortController();
    reply.raw.on('close', () => {
      if (!reply.raw.writableFinished) gone.abort();
    });
    await wait(fault.hangMs, [gone.signal, deps.closing]);
  }
  if (fault.drop || reply.raw.destroyed || deps.closing.aborted) {
    reply.hijack();
    request.raw.socket?.destroy();
    return true;
  }
  if (fault.error) {
    const { errorCode, description, parameters } = fault.error;
    sendError(reply, new BotApiError(errorCode, description, parameters));
    return true;
  }
  return false;
}

/** Answer `{ok:true,result}` unless the client went away. */
function answer(reply: FastifyReply, result: unknown): void {
  if (!reply.raw.destroyed) reply.send({ ok: true, result });
}

/** Answer a method's failure: its BotApiError, or 500 for a bug (logged). */
function answerError(deps: BotApiDeps, reply: FastifyReply, method: string, err: unknown): void {
  if (err instanceof BotApiError) sendError(reply, err);
  else {
    deps.logger.error({ err, method }, 'sandbox method failed');
    sendError(reply, new BotApiError(500, 'Internal Server Error'));
  }
}

/**
 * Check the token, run the method and answer. Synchronous for synchronous methods (most of them); a
 * waiting method's promise is answered when it settles. No closure is made per call on this path but the
 * two settle callbacks of a waiting method.
 */
function proceed(
  deps: BotApiDeps,
  reply: FastifyReply,
  token: string,
  method: string,
  raw: Record<string, unknown>,
): void {
  const bot = deps.state.botByToken(token);
  if (!bot) {
    sendError(reply, new BotApiError(401, TG.unauthorized));
    return;
  }
  let result: unknown;
  try {
    result = callMethod(deps, bot, method, raw, new HttpCaller(reply.raw));
  } catch (err) {
    answerError(deps, reply, method, err);
    return;
  }
  if (!(result instanceof Promise)) {
    answer(reply, result);
    return;
  }
  result.then(
    (value) => settleLater(deps, reply, method, true, value),
    (err: unknown) => settleLater(deps, reply, method, false, err),
  );
}

/** Answer a waiting method once it settles; never throws (nothing would catch it). */
function settleLater(
  deps: BotApiDeps,
  reply: FastifyReply,
  method: string,
  ok: boolean,
  value: unknown,
): void {
  try {
    if (ok) answer(reply, value);
    else answerError(deps, reply, method, value);
  } catch (err) {
    deps.logger.error({ err, method }, 'sandbox could not answer');
    reply.raw.destroy();
  }
}

/** Register the Bot API route on `app`. */
export function registerBotApi(app: FastifyInstance, deps: BotApiDeps): void {
  // Answers are sent by proceed(); the handler returns nothing so Fastify does not wait on a promise.
  const handler = (request: FastifyRequest, reply: FastifyReply): void => {
    const url = request.url;
    const q = url.indexOf('?');
    const match = PATH.exec(q === -1 ? url : url.slice(0, q));
    if (!match) {
      sendError(reply, new BotApiError(404, TG.notFound));
      return;
    }
    const token = match[1] ?? '';
    const method = match[2] ?? '';
    const raw = mergeParams(request.query, request.body);
    const fault = deps.state.faults.take(token, method.toLowerCase(), raw.chat_id);
    if (!fault) {
      proceed(deps, reply, token, method, raw);
      return;
    }
    applyFault(fault, request, reply, deps).then(
      (handled) => {
        if (!handled) proceed(deps, reply, token, method, raw);
      },
      (err: unknown) => answerError(deps, reply, method, err),
    );
  };
  for (const url of ['/:bot/:method', '/:bot/test/:method']) {
    app.get(url, handler);
    app.post(url, handler);
  }
}
