/**
 * The supervisor's own small HTTP server on loopback (`SUPERVISOR_PORT`, default 8082):
 * `GET /status` → every tenant's live status and the counts by state, this node and the bot leases it
 * holds (several nodes, docs/operations.md); `GET /healthz` → 200 while the
 * supervisor runs (with whether the database answers), 503 once it is shutting down.
 *
 * `/status` gives states and reason codes only, never the detail text behind them (Telegram's error
 * descriptions, exit messages): anything on the machine can reach a loopback port, and those texts can
 * quote what the bot was sent. The details are in the supervisor's log and, for each organiser, in the
 * admin panel.
 *
 * Every request must name a loopback host (`127.0.0.1`, `localhost` or `[::1]`, any port) in `Host`;
 * anything else gets 421. A web page whose own name an attacker resolves to 127.0.0.1 (DNS rebinding)
 * would otherwise read `/status` from a browser on this machine.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { Logger } from '../log/logger.ts';
import type { HostStatus } from './hosts.ts';
import type { LeaseKeeperView } from './leases.ts';
import { countByState, type StatusStore } from './status-store.ts';

export interface StatusServerOptions {
  store: StatusStore;
  /** The bot hosts now (ids, kinds, pids, bots, event-loop delay, memory). */
  hosts?: () => HostStatus[];
  /** This node and the bot leases it holds (several nodes share one database). */
  node?: () => LeaseKeeperView;
  logger: Logger;
  databaseUp: () => boolean;
  shuttingDown: () => boolean;
}

const LOOPBACK_HOST = /^(?:127\.0\.0\.1|localhost|\[::1\])(?::\d{1,5})?$/i;

/** Whether a `Host` header names this machine's loopback interface (RFC 9110 §7.2: host[:port]). */
export function isLoopbackHost(host: string | undefined): boolean {
  return host !== undefined && LOOPBACK_HOST.test(host);
}

export function buildStatusServer(options: StatusServerOptions): FastifyInstance {
  // No line per request: `GET /status` is polled by monitoring; errors are still logged.
  const app = Fastify({
    loggerInstance: options.logger.child({ server: 'status' }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
  });
  app.addHook('onRequest', async (request, reply) => {
    if (!isLoopbackHost(request.headers.host)) {
      return reply.code(421).send({
        error: 'misdirected_host',
        message: 'The supervisor answers only requests addressed to 127.0.0.1, localhost or [::1].',
      });
    }
  });
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
        // In a bot host of its own, and why (crash-loop, event-loop-blocked, memory); null = shared.
        isolated: t.isolation,
        host_id: t.hostId,
      }));
    const hosts = (options.hosts?.() ?? []).map((h) => ({
      host_id: h.hostId,
      kind: h.kind,
      state: h.state,
      pid: h.pid,
      bots: h.bots,
      event_loop_delay_p99_ms: h.loopDelayP99Ms,
      rss_bytes: h.rssBytes,
      // A host silent for policy.silentHostMs (15 s) is killed; until then this shows how long it has been.
      last_heartbeat_at: h.lastHeartbeatAt ? new Date(h.lastHeartbeatAt).toISOString() : null,
    }));
    const view = options.node?.();
    const node = view
      ? {
          node_id: view.nodeId,
          name: view.name,
          live_nodes: view.liveNodes,
          leases_valid_until: view.validUntil > 0 ? new Date(view.validUntil).toISOString() : null,
          // The bots this node owns (tenant ids, each with its lease's epoch), and those it hands over.
          leases: view.leases
            .sort((a, b) => Number(a.tenantId) - Number(b.tenantId))
            .map((l) => ({ tenant_id: l.tenantId, epoch: l.epoch, handing_over: l.givingBack })),
        }
      : null;
    return { counts: countByState(context), database_up: options.databaseUp(), node, tenants, hosts };
  });
  app.get('/healthz', async (_request, reply) => {
    if (options.shuttingDown()) return reply.code(503).send({ status: 'shutting-down' });
    return { status: 'ok', database_up: options.databaseUp() };
  });
  return app;
}
