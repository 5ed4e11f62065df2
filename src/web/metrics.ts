/**
 * Prometheus metrics of the platform, served by `GET /metrics` (prom-client, one registry per app so
 * several apps can live in one process):
 * - `http_request_duration_seconds{method,route,status_code}`: every HTTP request, by route template;
 * - `tg_lottery_bots{state}`: bots per supervisor state (from `bot_status`);
 * - `tg_lottery_bots_isolated{reason}`: running bots in a bot host of their own, by why (the panel
 *   shows them `isolated`; they are counted in `tg_lottery_bots{state="running"}` too);
 * - `tg_lottery_entries`, `tg_lottery_draws`, `tg_lottery_outbox_depth`: table counts;
 * - `tg_lottery_database_up`: 1 when the counts could be read at the last scrape;
 * - Node.js process metrics (`process_*`, `nodejs_*`).
 * The counts are read from PostgreSQL at scrape time, so every web process reports the same numbers.
 */
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { ISOLATION_REASONS, TENANT_STATES } from '../contracts/bot.ts';
import type { PlatformCounts } from '../db/repositories/stats.ts';

export interface WebMetrics {
  readonly registry: Registry;
  /** Read the counts (undefined: the database did not answer) and render the exposition text. */
  render(counts: PlatformCounts | undefined): Promise<string>;
  /** Record the duration of every request handled by `app`. */
  instrument(app: FastifyInstance): void;
}

/** Create the registry and the metrics. @param processMetrics also collect Node.js metrics, default true */
export function createWebMetrics(processMetrics = true): WebMetrics {
  const registry = new Registry();
  if (processMetrics) collectDefaultMetrics({ register: registry });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration in seconds, by method, route template and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const bots = new Gauge({
    name: 'tg_lottery_bots',
    help: 'Bots by supervisor state (bot_status)',
    labelNames: ['state'] as const,
    registers: [registry],
  });
  const isolated = new Gauge({
    name: 'tg_lottery_bots_isolated',
    help: 'Running bots in a bot host of their own, by why (bot_status.isolation); also counted as running',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  const entries = new Gauge({ name: 'tg_lottery_entries', help: 'Lottery entries', registers: [registry] });
  const draws = new Gauge({
    name: 'tg_lottery_draws',
    help: 'Draws made (draw proofs)',
    registers: [registry],
  });
  const outbox = new Gauge({
    name: 'tg_lottery_outbox_depth',
    help: 'Outbox messages waiting to be sent (pending or sending)',
    registers: [registry],
  });
  const databaseUp = new Gauge({
    name: 'tg_lottery_database_up',
    help: '1 when the counts could be read from the database at this scrape',
    registers: [registry],
  });

  return {
    registry,
    async render(counts) {
      databaseUp.set(counts ? 1 : 0);
      if (counts) {
        for (const state of new Set<string>([...TENANT_STATES, ...Object.keys(counts.botsByState)])) {
          bots.set({ state }, counts.botsByState[state] ?? 0);
        }
        for (const reason of new Set<string>([...ISOLATION_REASONS, ...Object.keys(counts.botsIsolated)])) {
          isolated.set({ reason }, counts.botsIsolated[reason] ?? 0);
        }
        entries.set(counts.entries);
        draws.set(counts.draws);
        outbox.set(counts.outboxDepth);
      }
      return registry.metrics();
    },
    instrument(app) {
      app.addHook('onResponse', async (request, reply) => {
        duration.observe(
          {
            method: request.method,
            route: request.routeOptions.url ?? 'unmatched',
            status_code: String(reply.statusCode),
          },
          reply.elapsedTime / 1000,
        );
      });
    },
  };
}
