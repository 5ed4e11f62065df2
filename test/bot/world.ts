/**
 * An end-to-end world for the lottery bot: a migrated database, the Bot API sandbox, one tenant whose bot
 * runs under the real supervisor (a real bot process with the database over IPC), the draw scheduler,
 * and helpers to make chats, users and lotteries. Everything talks over loopback; nothing reaches Telegram.
 */

import type { FastifyInstance } from 'fastify';
import type { Database } from '../../src/db/database.ts';
import { type Sql, sqlFromOrm } from '../../src/db/sql.ts';
import type { LotteryRecord } from '../../src/lottery/index.ts';
import { type DrawScheduler, startDrawScheduler } from '../../src/lottery/scheduler.ts';
import { createSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import type { SandboxLimits } from '../../src/sandbox/limits.ts';
import { createWebhookSecrets, webhookUrl } from '../../src/security/webhook-secret.ts';
import type { BotSettings } from '../../src/supervisor/hosted-bot.ts';
import type { WebhookSettings } from '../../src/supervisor/webhooks.ts';
import { buildApp } from '../../src/web/app.ts';
import { tenantMembership } from '../../src/web/services/membership.ts';
import { openTestDatabase, testLogger } from '../helpers/db.ts';
import {
  type LotteryOverrides,
  makeLottery,
  makeOrganiser,
  seedCipher,
  TEST_SECRET,
  tokenCipher,
} from '../helpers/factories/index.ts';
import { type SupervisorHarness, startTestSupervisor } from '../helpers/supervisor.ts';
import { startTcpProxy, type TcpProxy } from '../helpers/tcp-proxy.ts';
import { waitUntil } from '../helpers/wait.ts';

export interface BotWorld {
  db: Awaited<ReturnType<typeof openTestDatabase>>;
  sql: Sql;
  sandbox: Sandbox;
  bot: { id: number; token: string; username: string };
  tenantId: number;
  harness: SupervisorHarness;
  scheduler: DrawScheduler;
  /** With `databaseProxy`: the proxy the bot process reaches PostgreSQL through (cut or freeze it). */
  dbProxy?: TcpProxy;
  deps: { sql: Sql; seedCipher: typeof seedCipher };
  /** A channel or group where the bot is an administrator (the bot has seen it: chats row present). */
  adminChat(type: 'channel' | 'supergroup' | 'group', title: string): Promise<number>;
  /** Sandbox users; `members` of the given chats. */
  users(count: number, make?: (i: number) => Record<string, unknown>): Promise<number[]>;
  /** Creates and publishes a lottery (the factory's); resolves when the bot has put every post in its chat. */
  publish(
    input: Omit<LotteryOverrides, 'tenantId' | 'status'>,
  ): Promise<{ lottery: LotteryRecord; posts: Map<number, number> }>;
  /** Webhook mode: the web app the sandbox delivers the updates to, and the bot's webhook URL. */
  web?: FastifyInstance;
  webhookUrl?: string;
  /** Resolves when the tenant has nothing left to send. */
  outboxDrained(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function createBotWorld(
  options: {
    limits?: Partial<SandboxLimits>;
    botSettings?: BotSettings;
    drawIntervalMs?: number;
    /** The bot process reaches the database through a TCP proxy (the test and the supervisor do not). */
    databaseProxy?: boolean;
    /** How the bot receives updates, default long polling; `webhook` starts the web app to receive them. */
    updates?: 'polling' | 'webhook';
    /** Webhook mode: called with the receiving web app before it listens (a test adds a hook). */
    beforeListen?: (app: FastifyInstance) => void;
  } = {},
): Promise<BotWorld> {
  const db = await openTestDatabase();
  let dbProxy: TcpProxy | undefined;
  let botDatabaseUrl: string | undefined;
  if (options.databaseProxy) {
    const target = new URL(db.url);
    dbProxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
    const via = new URL(db.url);
    via.hostname = '127.0.0.1';
    via.port = String(dbProxy.port);
    botDatabaseUrl = via.toString();
  }
  const sql = sqlFromOrm(db.orm);
  const sandbox = await createSandbox(options.limits ? { limits: options.limits } : {});
  const bot = await sandbox.client.createBot({ username: `giveaway${Math.floor(Math.random() * 1e6)}_bot` });
  const { tenantId } = await makeOrganiser(db, { username: `organiser${bot.id}`, bot: { bot } });
  const web =
    options.updates === 'webhook'
      ? await startWebhookReceiver(
          db,
          sandbox,
          options.beforeListen ? { beforeListen: options.beforeListen } : {},
        )
      : undefined;
  const harness = await startTestSupervisor(db, sandbox, {
    botSettings: { countEditIntervalMs: 300, ...options.botSettings },
    // An idle bot's long poll lasts up to 20 s: keep the production heartbeat window, or it is restarted.
    policy: { heartbeatTimeoutMs: 30_000 },
    ...(botDatabaseUrl ? { databaseUrl: botDatabaseUrl } : {}),
    ...(web ? { webhook: web.settings } : {}),
  });
  await harness.waitFor(tenantId, (s) => s.state === 'running', 'running');
  const scheduler = startDrawScheduler({
    sql,
    seedCipher,
    membershipFor: tenantMembership({ sql, cipher: tokenCipher, apiRoot: sandbox.apiRoot }),
    logger: testLogger(),
    intervalMs: options.drawIntervalMs ?? 200,
  });
  let userSeq = 0;
  const world: BotWorld = {
    db,
    sql,
    sandbox,
    bot,
    tenantId,
    harness,
    scheduler,
    ...(dbProxy ? { dbProxy } : {}),
    ...(web ? { web: web.app, webhookUrl: webhookUrl(web.settings.publicUrl, tenantId, bot.id) } : {}),
    deps: { sql, seedCipher },
    async adminChat(type, title) {
      const { id } = await sandbox.client.createChat({ type, title });
      await sandbox.client.setMember(id, { user_id: bot.id, status: 'administrator' });
      await waitUntil(
        async () =>
          (
            await sql.query(
              `select 1 from chats where tenant_id = ? and chat_id = ? and bot_status = 'administrator'`,
              [tenantId, id],
            )
          ).length > 0,
        `the bot to record chat ${title}`,
      );
      return id;
    },
    async users(count, make) {
      const ids: number[] = [];
      for (let i = 0; i < count; i++) {
        userSeq++;
        const { id } = await sandbox.client.createUser({
          first_name: `User${userSeq}`,
          username: `user${userSeq}`,
          language_code: 'en',
          ...make?.(i),
        } as never);
        ids.push(id);
      }
      return ids;
    },
    async publish(input) {
      const lottery = await makeLottery(sql, { ...input, tenantId, status: 'open' });
      const posts = await waitUntil(async () => {
        const rows = await sql.query<{ chat_id: string; message_id: string | null }>(
          'select chat_id, message_id from lottery_posts where lottery_id = ?',
          [lottery.id],
        );
        if (rows.length === 0 || rows.some((r) => r.message_id === null)) return null;
        return new Map(rows.map((r) => [Number(r.chat_id), Number(r.message_id)]));
      }, 'the lottery posts to be sent');
      return { lottery, posts };
    },
    async outboxDrained(timeoutMs = 30_000) {
      await waitUntil(
        async () =>
          (
            await sql.query(
              `select 1 from outbox_messages where tenant_id = ? and status in ('pending', 'sending')`,
              [tenantId],
            )
          ).length === 0,
        'the outbox to drain',
        timeoutMs,
      );
    },
    async close() {
      await scheduler.stop();
      await world.harness.supervisor.shutdown();
      await sandbox.close();
      await web?.app.close();
      await dbProxy?.close();
      await db.drop();
    },
  };
  return world;
}

/**
 * The web app listening on loopback as Telegram's webhook receiver (the sandbox delivers to it), and the
 * supervisor's webhook settings pointing at it.
 */
export async function startWebhookReceiver(
  db: Database,
  sandbox: Sandbox,
  options: { maxConnections?: number; beforeListen?: (app: FastifyInstance) => void } = {},
): Promise<{ app: FastifyInstance; settings: WebhookSettings }> {
  const app = await buildApp({
    logger: testLogger(),
    checkDatabase: async () => {},
    trustProxy: false,
    metricsToken: 'unused-in-tests',
    api: { orm: db.orm, appSecret: TEST_SECRET, telegramApiRoot: sandbox.apiRoot, registration: 'open' },
  });
  options.beforeListen?.(app);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    app,
    settings: {
      publicUrl: `http://127.0.0.1:${port}`,
      secrets: createWebhookSecrets(TEST_SECRET),
      maxConnections: options.maxConnections ?? 40,
    },
  };
}
