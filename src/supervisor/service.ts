/**
 * The supervisor as a service inside a process (`tg-lottery supervise`, or beside the web server in
 * `tg-lottery start`): the supervisor itself plus its status server on loopback `SUPERVISOR_PORT`.
 */
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/env.ts';
import type { Database } from '../db/database.ts';
import { sqlFromOrm } from '../db/sql.ts';
import type { Logger } from '../log/logger.ts';
import { type DrawScheduler, startDrawScheduler } from '../lottery/scheduler.ts';
import { createSeedCipher } from '../lottery/seed-cipher.ts';
import { createTokenCipher } from '../security/token-cipher.ts';
import { createWebhookSecrets } from '../security/webhook-secret.ts';
import { tenantMembership } from '../web/services/membership.ts';
import { type Inspection, startInspection } from './inspect.ts';
import { type Supervisor, startSupervisor } from './runtime.ts';
import { buildStatusServer } from './status-server.ts';

export interface SupervisorService {
  supervisor: Supervisor;
  /** The draw scheduler (exactly-once draws of due lotteries). */
  draws: DrawScheduler;
  statusServer: FastifyInstance;
  /** Stop the bots, then the status server. */
  stop(): Promise<void>;
}

export interface SupervisorServiceOptions {
  config: Config;
  logger: Logger;
  db: Database;
  appSecret: string;
  /** `--inspect`: start the inspector bridge; `INSPECT_URL` connects to one instead. */
  inspect?: boolean;
  /** Where people configure a token (the admin web), for the "no config yet" line. */
  adminUrl?: string;
  /** Milliseconds between two looks for due draws, default 1000. */
  drawIntervalMs?: number;
}

export async function startSupervisorService(options: SupervisorServiceOptions): Promise<SupervisorService> {
  const { config, db } = options;
  const logger = options.logger.child({ component: 'supervisor' });
  const inspectUrl = process.env.INSPECT_URL || undefined;
  let inspection: Inspection | undefined;
  if (options.inspect || inspectUrl) inspection = await startInspection(logger, { url: inspectUrl });
  const supervisor = await startSupervisor({
    logger,
    databaseUrl: db.url,
    botDatabaseUrl: db.botUrl,
    sql: sqlFromOrm(db.orm),
    cipher: createTokenCipher(options.appSecret),
    apiRoot: config.telegramApiRoot,
    checkIntervalS: config.checkIntervalS,
    stopTimeoutMs: config.stopTimeoutMs,
    placement: { sharedHosts: config.botHosts, botsPerHost: config.botsPerHost },
    ...(config.nodeName ? { nodeName: config.nodeName } : {}),
    leaseTtlMs: Math.round(config.leaseTtlS * 1000),
    // The embedded server listens on loopback in this node's data directory: no other node can share it.
    databaseAlone: db.embedded !== undefined,
    ...(config.updates === 'webhook' && config.publicUrl
      ? {
          webhook: {
            publicUrl: config.publicUrl,
            secrets: createWebhookSecrets(options.appSecret),
            maxConnections: config.webhookMaxConnections,
          },
        }
      : {}),
    adminUrl:
      options.adminUrl ?? `http://${config.host === '0.0.0.0' ? 'localhost' : config.host}:${config.port}`,
    inspect: inspection?.inspect as never,
  });
  const sql = sqlFromOrm(db.orm);
  const draws = startDrawScheduler({
    sql,
    seedCipher: createSeedCipher(options.appSecret),
    membershipFor: tenantMembership({
      sql,
      cipher: createTokenCipher(options.appSecret),
      apiRoot: config.telegramApiRoot,
    }),
    proofUrl: (id) => (config.publicUrl ? `${config.publicUrl}/proof/${id}` : null),
    logger,
    ...(options.drawIntervalMs !== undefined ? { intervalMs: options.drawIntervalMs } : {}),
  });
  const statusServer = buildStatusServer({
    store: supervisor.store,
    hosts: () => supervisor.hosts(),
    node: () => supervisor.node(),
    logger,
    databaseUp: () => supervisor.configSource.databaseUp,
    shuttingDown: () => supervisor.shuttingDown,
  });
  try {
    await statusServer.listen({ port: config.supervisorPort, host: '127.0.0.1' });
  } catch (err) {
    await draws.stop();
    await supervisor.shutdown();
    inspection?.stop();
    throw new Error(
      `the supervisor status server cannot listen on 127.0.0.1:${config.supervisorPort} ` +
        `(${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); set SUPERVISOR_PORT to a free port`,
    );
  }
  let stopping: Promise<void> | undefined;
  return {
    supervisor,
    draws,
    statusServer,
    stop() {
      stopping ??= (async () => {
        await draws.stop();
        await supervisor.shutdown();
        await statusServer.close();
        inspection?.stop();
      })();
      return stopping;
    },
  };
}
