/**
 * The Bot API route: `<root>/bot<token>/<method>` (also `/bot<token>/test/<method>`), GET or POST, with
 * parameters from the query string and a JSON, urlencoded or multipart body. Order of checks, as
 * Telegram: path shape (404), injected faults, token (401 `Unauthorized`), method (404 `Not Found`),
 * then the method itself. Answers `{ok:true,result}` or `{ok:false,error_code,description,parameters?}`
 * with the HTTP status equal to error_code.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '../log/logger.ts';
import { BotApiError, TG } from './errors.ts';
import type { FaultAction } from './faults.ts';
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

function sendError(reply: FastifyReply, err: BotApiError): FastifyReply {
  if (reply.raw.destroyed) return reply;
  return reply.code(err.errorCode).send(err.toJSON());
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
 * Run one method as `bot`; used by the route and by webhook answers. Returns the result, or a promise of
 * it for methods that wait (getUpdates).
 * @throws BotApiError (synchronously, or as the promise's rejection).
 */
export function callMethod(
  deps: BotApiDeps,
  bot: SandboxBot,
  method: string,
  raw: Record<string, unknown>,
  signal: AbortSignal | (() => AbortSignal),
): unknown {
  const handler = METHODS.get(method.toLowerCase());
  if (!handler) throw new BotApiError(404, TG.notFound);
  const ctx: MethodContext = {
    state: deps.state,
    bot,
    params: new Params(raw),
    // Created on first use: only long polls need to know that the client went away.
    get signal() {
      return typeof signal === 'function' ? signal() : signal;
    },
    webhooks: deps.webhooks,
    logger: deps.logger,
  };
  return handler(ctx);
}

/** An AbortSignal that fires when the client closes the connection before the answer. */
function clientGoneSignal(reply: FastifyReply): AbortSignal {
  const gone = new AbortController();
  if (reply.raw.destroyed) gone.abort();
  reply.raw.on('close', () => {
    if (!reply.raw.writableFinished) gone.abort();
  });
  return gone.signal;
}

async function applyFault(
  fault: FaultAction,
  request: FastifyRequest,
  reply: FastifyReply,
  clientGone: AbortSignal,
  deps: BotApiDeps,
): Promise<boolean> {
  if (fault.hangMs > 0) await wait(fault.hangMs, [clientGone, deps.closing]);
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

/** Register the Bot API route on `app`. */
export function registerBotApi(app: FastifyInstance, deps: BotApiDeps): void {
  /** Run the method and answer; stays synchronous for synchronous methods (most of them). */
  const run = (
    reply: FastifyReply,
    bot: SandboxBot,
    method: string,
    raw: Record<string, unknown>,
    signal: () => AbortSignal,
  ) => {
    const fail = (err: unknown) => {
      if (err instanceof BotApiError) return sendError(reply, err);
      deps.logger.error({ err, method }, 'sandbox method failed');
      return sendError(reply, new BotApiError(500, 'Internal Server Error'));
    };
    const ok = (result: unknown) => (reply.raw.destroyed ? reply : reply.send({ ok: true, result }));
    try {
      const result = callMethod(deps, bot, method, raw, signal);
      return result instanceof Promise ? result.then(ok, fail) : ok(result);
    } catch (err) {
      return fail(err);
    }
  };

  const handler = (request: FastifyRequest, reply: FastifyReply): FastifyReply | Promise<FastifyReply> => {
    const path = request.url.split('?', 1)[0] ?? '';
    const match = PATH.exec(path);
    if (!match) return sendError(reply, new BotApiError(404, TG.notFound));
    const token = match[1] ?? '';
    const method = match[2] ?? '';
    let gone: AbortSignal | null = null;
    const signal = () => {
      gone ??= clientGoneSignal(reply);
      return gone;
    };
    const proceed = (): FastifyReply | Promise<FastifyReply> => {
      const bot = deps.state.botByToken(token);
      if (!bot) return sendError(reply, new BotApiError(401, TG.unauthorized));
      const body = request.body;
      const raw: Record<string, unknown> = {
        ...(request.query as Record<string, unknown>),
        ...(body && typeof body === 'object' && !Array.isArray(body)
          ? (body as Record<string, unknown>)
          : {}),
      };
      return run(reply, bot, method, raw, signal);
    };
    const params = {
      ...(request.query as Record<string, unknown>),
      ...(request.body && typeof request.body === 'object' ? (request.body as Record<string, unknown>) : {}),
    };
    const fault = deps.state.faults.take(token, method.toLowerCase(), params.chat_id);
    if (!fault) return proceed();
    return applyFault(fault, request, reply, signal(), deps).then((handled) => (handled ? reply : proceed()));
  };
  for (const url of ['/:bot/:method', '/:bot/test/:method']) {
    app.get(url, handler);
    app.post(url, handler);
  }
}
