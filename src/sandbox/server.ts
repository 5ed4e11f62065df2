/**
 * Build the sandbox's Fastify app (not listening): body parsers for JSON, urlencoded and multipart
 * bodies, the Bot API route, the control API, the web page, and error answers that never crash on bad
 * input — Telegram's envelope on Bot API paths, `{error}` on control paths.
 */
import formbody from '@fastify/formbody';
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import type { Logger } from '../log/logger.ts';
import { registerBotApi } from './bot-api.ts';
import { registerControlApi } from './control/routes.ts';
import { parseMultipart } from './multipart.ts';
import type { SandboxState } from './state.ts';
import { PAGE_HTML } from './web/page.ts';
import type { WebhookDeliverer } from './webhook.ts';

/** Largest request body accepted, in bytes (Telegram's limit for non-file requests is similar). */
export const BODY_LIMIT = 1 << 20;

export interface ServerDeps {
  state: SandboxState;
  webhooks: WebhookDeliverer;
  logger: Logger;
  closing: AbortSignal;
}

function isControlPath(url: string): boolean {
  return url.startsWith('/_sandbox');
}

/** Create the app with every route registered. */
export async function buildServer(deps: ServerDeps): Promise<FastifyInstance> {
  const app = Fastify({
    // No per-request logger: pino child loggers (with redaction) per request cost more than the sandbox's
    // own work. Errors are logged through deps.logger in the error handler.
    logger: false,
    bodyLimit: BODY_LIMIT,
    // Connections are closed by Sandbox.close() (closeAllConnections) after held polls are answered.
    forceCloseConnections: false,
    keepAliveTimeout: 65_000,
    routerOptions: { ignoreTrailingSlash: true, caseSensitive: true, maxParamLength: 500 },
    // Malformed URLs (bad percent-encoding, huge segments) never reach a route: answer them in kind.
    frameworkErrors: (err: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
      if (isControlPath(req.url)) return reply.code(400).send({ error: err.message });
      return reply.code(404).send({ ok: false, error_code: 404, description: 'Not Found' });
    },
  });
  await app.register(formbody, { bodyLimit: BODY_LIMIT });
  // Plain JSON.parse: secure-json-parse's prototype scan costs more than it protects here (nothing merges
  // request bodies into prototypes).
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'string', bodyLimit: BODY_LIMIT },
    (_req, body, done) => {
      const text = String(body);
      if (text.trim() === '') return done(null, {});
      try {
        done(null, JSON.parse(text));
      } catch {
        const err = new Error('Body is not valid JSON') as Error & { statusCode: number; code: string };
        err.statusCode = 400;
        err.code = 'FST_ERR_CTP_INVALID_JSON_BODY';
        done(err, undefined);
      }
    },
  );
  app.addContentTypeParser(
    'multipart/form-data',
    { parseAs: 'buffer', bodyLimit: BODY_LIMIT },
    (req, body, done) => {
      done(null, parseMultipart(body as Buffer, String(req.headers['content-type'] ?? '')));
    },
  );
  // Any other body (text/plain, octet-stream, no type): ignored, parameters come from the query string.
  app.addContentTypeParser(
    /^(?!application\/json|application\/x-www-form-urlencoded|multipart\/form-data)/,
    { parseAs: 'buffer', bodyLimit: BODY_LIMIT },
    (_req, _body, done) => done(null, {}),
  );

  app.setErrorHandler((err: FastifyError, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) deps.logger.error({ err, url: req.url }, 'sandbox request failed');
    const tooLarge = err.code === 'FST_ERR_CTP_BODY_TOO_LARGE';
    if (isControlPath(req.url)) {
      const message = tooLarge
        ? `body larger than ${BODY_LIMIT} bytes`
        : status === 500
          ? 'internal error'
          : err.message;
      return reply.code(status).send({ error: message });
    }
    const description = tooLarge
      ? 'Request Entity Too Large'
      : status === 500
        ? 'Internal Server Error'
        : `Bad Request: ${err.code?.startsWith('FST_ERR_CTP') ? "can't parse request body" : err.message}`;
    return reply
      .code(tooLarge ? 413 : status)
      .send({ ok: false, error_code: tooLarge ? 413 : status, description });
  });
  app.setNotFoundHandler((req, reply) => {
    if (isControlPath(req.url))
      return reply.code(404).send({ error: `no such endpoint: ${req.method} ${req.url.split('?')[0]}` });
    return reply.code(404).send({ ok: false, error_code: 404, description: 'Not Found' });
  });

  app.get('/', (_req, reply) => reply.type('text/html; charset=utf-8').send(PAGE_HTML));
  registerControlApi(app, deps);
  registerBotApi(app, deps);
  return app;
}
