/**
 * The admin web server (Fastify). `buildApp` assembles routes without listening, so tests use
 * `app.inject()`; `listen` is the caller's business.
 *
 * Routes so far: `GET /healthz` (process up, always 200) and `GET /readyz` (200 when the database
 * answers `select 1`, 503 with a reason otherwise).
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from '../log/logger.ts';

export interface BuildAppOptions {
  logger: Logger;
  /** Resolves when the database answers; rejects otherwise. */
  checkDatabase: () => Promise<void>;
  /** Request body limit in bytes, default 1 MiB. */
  bodyLimit?: number;
}

export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: options.logger.child({ component: 'web' }) as FastifyBaseLogger,
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    requestIdHeader: 'x-request-id',
  });

  app.get('/healthz', async () => ({ status: 'ok' }));

  app.get('/readyz', async (_request, reply) => {
    try {
      await options.checkDatabase();
      return { status: 'ready' };
    } catch {
      return reply.code(503).send({ status: 'not-ready', reason: 'the database does not answer' });
    }
  });

  return app;
}
