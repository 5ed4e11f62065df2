/**
 * The webhook bench's world: the `tg-lottery web` process, the tenants and their bots under a supervisor
 * (with the memory per idle bot measured as they come up), every bot's channel, open lottery and Join
 * post, and what the load generator POSTs for each bot.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from '../src/db/embedded.ts';
import type { Sql } from '../src/db/sql.ts';
import { chatInstance } from '../src/sandbox/ids.ts';
import { createWebhookSecrets, WEBHOOK_PATH_PREFIX } from '../src/security/webhook-secret.ts';
import { type Supervisor, startSupervisor } from '../src/supervisor/runtime.ts';
import { cipher, logger, type Sandbox, tenantsWithBots } from './common.ts';
import { publish, until } from './lottery.ts';
import type { Generator, Target } from './webhook-load.ts';
import { describeHosts, mb, settledHostsMemory } from './webhook-report.ts';

const BIN = fileURLToPath(new URL('../bin/tg-lottery.mjs', import.meta.url));
/** The benches' APP_SECRET (bench/common.ts seals the tokens with it): the web derives the same secrets. */
const APP_SECRET = 'benchmark-app-secret';

/** `tg-lottery web` against the benchmark's database, as an operator runs it beside the supervisor. */
export async function startWeb(
  databaseUrl: string,
  apiRoot: string,
): Promise<{ pid: number; url: string; close(): void }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [BIN, 'web'], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      APP_SECRET,
      HOST: '127.0.0.1',
      PORT: String(port),
      PUBLIC_URL: url,
      TELEGRAM_API_ROOT: apiRoot,
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await until(async () => (await fetch(`${url}/healthz`).catch(() => null)) !== null, 60_000);
  return { pid: child.pid!, url, close: () => child.kill('SIGTERM') };
}

async function allRunning(supervisor: Supervisor, count: number): Promise<void> {
  await until(async () => {
    const all = Object.values(supervisor.store.getSnapshot().context.tenants);
    return all.filter((t) => t.state === 'running').length >= count;
  }, 600_000);
}

/**
 * Memory per idle bot: `first` bots, then `total`, in `mode`; resolves with the printed line and the
 * supervisor still running (with the bots and tenants), for what follows.
 */
export async function memoryRun(
  sql: Sql,
  databaseUrl: string,
  sandbox: Sandbox,
  mode: 'webhook' | 'polling',
  first: number,
  total: number,
  webUrl: string | undefined,
): Promise<{
  line: string;
  supervisor: Supervisor;
  tenantIds: number[];
  bots: Array<{ id: number; token: string; username: string }>;
}> {
  const tag = mode === 'webhook' ? 'w' : 'p';
  const a = await tenantsWithBots(sql, sandbox, first, `${tag}a_`);
  const t0 = performance.now();
  const supervisor = await startSupervisor({
    logger,
    databaseUrl,
    sql,
    cipher,
    apiRoot: sandbox.apiRoot,
    checkIntervalS: 30,
    stopTimeoutMs: 5000,
    adminUrl: 'http://127.0.0.1:8080',
    ...(webUrl
      ? { webhook: { publicUrl: webUrl, secrets: createWebhookSecrets(APP_SECRET), maxConnections: 40 } }
      : {}),
  });
  await allRunning(supervisor, first);
  const firstS = (performance.now() - t0) / 1000;
  const m1 = await settledHostsMemory(supervisor);
  const b = await tenantsWithBots(sql, sandbox, total - first, `${tag}b_`);
  const t1 = performance.now();
  await allRunning(supervisor, total);
  const restS = (performance.now() - t1) / 1000;
  const m2 = await settledHostsMemory(supervisor);
  const slope = (m2.totalKiB - m1.totalKiB) / 1024 / Math.max(1, total - first);
  const line =
    `memory per idle bot, ${mode} mode: ${slope.toFixed(3)} MB/bot (PSS of the bot hosts, slope ${first}→${total} bots: ` +
    `${mb(m1.totalKiB)} → ${mb(m2.totalKiB)} MiB; hosts at ${first}: ${describeHosts(m1)}; at ${total}: ${describeHosts(m2)})` +
    `${mode === 'webhook' ? ' (target < 0.2 MB/bot)' : ' (for comparison)'}; ` +
    `${first} bots running in ${firstS.toFixed(1)} s, the next ${total - first} in ${restS.toFixed(1)} s`;
  return {
    line,
    supervisor,
    tenantIds: [...a.tenantIds, ...b.tenantIds],
    bots: [...a.bots, ...b.bots],
  };
}

export interface World {
  sql: Sql;
  sandbox: Sandbox;
  supervisor: Supervisor;
  webPid: number;
  generator: Generator;
  /** Per bot, in the generator's order: the lottery and its post. */
  posts: Array<{ lotteryId: number; channel: number; messageId: number }>;
  /** Sandbox users for the real presses, and the (user, bot) pairs already used. */
  sampleUsers: number[];
  usedPairs: Set<string>;
}

/** Every bot gets a channel it administers (the bot records it from the webhook) and an open lottery there. */
export async function preparePosts(
  sql: Sql,
  sandbox: Sandbox,
  tenantIds: number[],
  bots: Array<{ id: number }>,
): Promise<World['posts']> {
  const channels: number[] = new Array(bots.length);
  const batch = 50;
  for (let i = 0; i < bots.length; i += batch) {
    await Promise.all(
      bots.slice(i, i + batch).map(async (bot, k) => {
        const { id } = await sandbox.client.createChat({ type: 'channel', title: `Webhook bench ${i + k}` });
        await sandbox.client.setMember(id, { user_id: bot.id, status: 'administrator' });
        channels[i + k] = id;
      }),
    );
  }
  await until(async () => {
    const [row] = await sql.query<{ n: string }>(
      `select count(*) as n from chats where type = 'channel' and bot_status = 'administrator'`,
    );
    return Number(row?.n) >= bots.length;
  }, 300_000);
  const posts: World['posts'] = new Array(bots.length);
  for (let i = 0; i < bots.length; i += batch) {
    await Promise.all(
      tenantIds.slice(i, i + batch).map(async (tenantId, k) => {
        const channel = channels[i + k]!;
        const { lottery, messageId } = await publish(sql, tenantId, channel, 1);
        posts[i + k] = { lotteryId: lottery.id, channel, messageId };
      }),
    );
  }
  return posts;
}

/** What the generator POSTs for each bot: the path, the secret and the Join post as Telegram shows it. */
export async function targetsFor(
  sandbox: Sandbox,
  tenantIds: number[],
  bots: Array<{ id: number }>,
  posts: World['posts'],
): Promise<Target[]> {
  const secrets = createWebhookSecrets(APP_SECRET);
  const targets: Target[] = new Array(bots.length);
  const batch = 50;
  for (let i = 0; i < bots.length; i += batch) {
    await Promise.all(
      bots.slice(i, i + batch).map(async (bot, k) => {
        const tenantId = tenantIds[i + k]!;
        const post = posts[i + k]!;
        const { chat, messages } = await sandbox.client.chatMessages(post.channel);
        const msg = messages.find((m) => m.message_id === post.messageId);
        const chatObject = { id: chat.id, title: chat.title, type: chat.type };
        const message = {
          message_id: post.messageId,
          sender_chat: chatObject,
          chat: chatObject,
          date: msg?.date ?? Math.floor(Date.now() / 1000),
          ...(msg?.edit_date ? { edit_date: msg.edit_date } : {}),
          text: msg?.text ?? 'Benchmark giveaway',
          ...(msg?.entities.length ? { entities: msg.entities } : {}),
          reply_markup: msg?.reply_markup ?? {
            inline_keyboard: [[{ text: 'Join', callback_data: `j:${post.lotteryId}` }]],
          },
        };
        targets[i + k] = {
          path: `${WEBHOOK_PATH_PREFIX}/${tenantId}/${bot.id}`,
          secret: secrets.secretFor(tenantId, bot.id),
          lotteryId: post.lotteryId,
          message: JSON.stringify(message),
          chatInstance: chatInstance(bot.id, chat.id),
        };
      }),
    );
  }
  return targets;
}
