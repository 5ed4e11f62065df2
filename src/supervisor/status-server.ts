/**
 * The supervisor's own small HTTP server on loopback (`SUPERVISOR_PORT`, default 8082):
 * `GET /status` → every tenant's live status and the counts by state; `GET /healthz` → 200 while the
 * supervisor runs (with whether the database answers), 503 once it is shutting down.
 *
 * `/status` gives states and reason codes only, never the detail text behind them (Telegram's error
 * descriptions, exit messages): anything on the machine can reach a loopback port, and those texts can
 * quote what the bot was sent. The details are in the supervisor's log and, for each organiser, in the
 * admin panel.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from '../log/logger.ts';
import { countByState, type StatusStore } from './status-store.ts';

export interface StatusServerOptions {
  store: StatusStore;
  logger: Logger;
  databaseUp: () => boolean;
  shuttingDown: () => boolean;
}

export function buildStatusServer(options: StatusServerOptions): FastifyInstance {
  const app = Fastify({ loggerInstance: options.logger.child({ server: 'status' }) as FastifyBaseLogger });
  app.get('/status', async () => {
    const context = options.store.getSnapshot().context;
    const tenants = Object.values(context.tenants)
      .sort((a, b) => Number(a.tenantId) - Number(b.tenantId) || a.tenantId.localeCompare(b.tenantId))
      .map((t) => ({
        tenant_id: t.tenantId,
        tenant_name: t.tenantName,
        state: t.state,
        reason: t.reason,
        since: new Date(t.since).toISOString(),
        restarts: t.restarts,
        pid: t.pid,
        bot_username: t.botUsername,
        last_heartbeat_at: t.lastHeartbeatAt ? new Date(t.lastHeartbeatAt).toISOString() : null,
        // Degraded (reason polling-failing): since when, and Telegram's error code (never its text).
        polling_failing_since: t.pollFailingSince ? new Date(t.pollFailingSince).toISOString() : null,
        polling_error_code: t.pollErrorCode,
      }));
    return { counts: countByState(context), database_up: options.databaseUp(), tenants };
  });
  app.get('/healthz', async (_request, reply) => {
    if (options.shuttingDown()) return reply.code(503).send({ status: 'shutting-down' });
    return { status: 'ok', database_up: options.databaseUp() };
  });
  return app;
}
