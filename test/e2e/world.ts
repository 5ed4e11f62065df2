/**
 * The world of the panel's browser tests: a throw-away database, the Bot API sandbox, the real supervisor
 * (bot processes picked up through NOTIFY as soon as the browser saves a token), the draw scheduler, the
 * admin web (API and built panel) listening on a free loopback port, and a headless Chromium driven by
 * Playwright. Nothing reaches Telegram. Also: the panel's texts in each language, screenshots, and the
 * sandbox side of a giveaway (a channel with the bot as administrator, users pressing "join").
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';
import { DEFAULT_RESTART_POLICY } from '../../machines/policy.ts';
import { type Sql, sqlFromOrm } from '../../src/db/sql.ts';
import { type DrawScheduler, startDrawScheduler } from '../../src/lottery/scheduler.ts';
import { createSandbox, type PressResult, type Sandbox } from '../../src/sandbox/index.ts';
import { buildApp } from '../../src/web/app.ts';
import { tenantMembership } from '../../src/web/services/membership.ts';
import { en } from '../../src/web/ui/i18n/en.ts';
import { zhCN } from '../../src/web/ui/i18n/zh-CN.ts';
import { openTestDatabase, testLogger } from '../helpers/db.ts';
import { seedCipher, TEST_SECRET, tokenCipher } from '../helpers/factories/index.ts';
import { type SupervisorHarness, startTestSupervisor } from '../helpers/supervisor.ts';
import { waitUntil } from '../helpers/wait.ts';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const SCREENSHOTS = fileURLToPath(new URL('../../test-results/screenshots/', import.meta.url));

export type Lang = 'en' | 'zh-CN';
export type Texts = typeof en;
/** The panel's own texts, so the tests read what a person reads in each language. */
export const TEXTS: Record<Lang, Texts> = { en, 'zh-CN': zhCN };

/** A vue-i18n message with its parameters filled in ({'@'} is a literal @). */
export function fill(message: string, params: Record<string, string | number> = {}): string {
  return message.replace(/\{'(.)'\}/g, '$1').replace(/\{(\w+)\}/g, (_, key: string) => String(params[key]));
}

/** How long a page gets to show something (the panel polls every 3 s; CI runs suites in parallel). */
export const WAIT = { timeout: 30_000, interval: 100 };

/**
 * Waits until `locator` is visible, holding `text` when given (a substring, or a RegExp over its text):
 * Playwright's auto-waiting, for vitest (playwright-core has no `expect` of its own).
 */
export async function shows(locator: Locator, text?: string | RegExp): Promise<void> {
  await (text === undefined ? locator : locator.filter({ hasText: text })).first().waitFor(WAIT);
}

/** Build the panel when dist/ui is missing (CI builds it in `npm ci` through the `prepare` script). */
export async function ensurePanelBuilt(): Promise<void> {
  if (existsSync(`${ROOT}dist/ui/index.html`)) return;
  await promisify(execFile)('npx', ['vite', 'build', '--logLevel', 'warn'], { cwd: ROOT, timeout: 170_000 });
}

export interface PanelWorld {
  db: Awaited<ReturnType<typeof openTestDatabase>>;
  sql: Sql;
  sandbox: Sandbox;
  harness: SupervisorHarness;
  scheduler: DrawScheduler;
  app: FastifyInstance;
  /** Where the browser reaches the panel, e.g. http://127.0.0.1:41234 */
  url: string;
  browser: Browser;
  /** The first account signed up (the platform admin), once there is one. */
  admin: { username: string; password: string } | null;
  /** A fresh browser profile (no cookies, no localStorage) at desktop width. */
  newContext(locale: string): Promise<BrowserContext>;
  /** A full-page screenshot to test-results/screenshots/<lang>-<name>.png. */
  screenshot(page: Page, lang: Lang, name: string): Promise<void>;
  /** A sandbox channel where the bot is an administrator; resolves when the bot has recorded it. */
  adminChannel(botId: number, title: string): Promise<number>;
  /** `count` sandbox users, members of `chatId`; the first `started` of them started the bot. */
  members(chatId: number, botId: number, count: number, started: number): Promise<number[]>;
  /** The users press the lottery post's join button in `chatId`; resolves with the bot's answers. */
  join(chatId: number, lotteryId: number, users: number[]): Promise<PressResult[]>;
  /** Resolves with the first message of `chatId` whose JSON (text, entities, buttons) holds `needle`. */
  messageWith(chatId: number, needle: string): Promise<{ message_id: number; text: string }>;
  close(): Promise<void>;
}

export async function createPanelWorld(): Promise<PanelWorld> {
  await ensurePanelBuilt();
  await rm(SCREENSHOTS, { recursive: true, force: true });
  await mkdir(SCREENSHOTS, { recursive: true });
  // What is started is stopped in reverse order, also when a later step fails (e.g. no chromium).
  const closers: Array<() => Promise<unknown>> = [];
  const closeAll = async () => {
    let first: unknown;
    for (const close of closers.splice(0).reverse()) await close().catch((err) => (first ??= err));
    if (first) throw first;
  };
  try {
    return await openWorld(closers, closeAll);
  } catch (err) {
    await closeAll().catch(() => {});
    throw err;
  }
}

async function openWorld(
  closers: Array<() => Promise<unknown>>,
  closeAll: () => Promise<void>,
): Promise<PanelWorld> {
  const db = await openTestDatabase();
  closers.push(() => db.drop());
  const sql = sqlFromOrm(db.orm);
  const sandbox = await createSandbox();
  closers.push(() => sandbox.close());
  // FAST_POLICY's 5 s heartbeat window is shorter than an idle bot's 20 s long poll (src/bot/telegram.ts):
  // these bots stay idle for a while, so they get the production window.
  const harness = await startTestSupervisor(db, sandbox, {
    checkIntervalS: 5,
    policy: { heartbeatTimeoutMs: DEFAULT_RESTART_POLICY.heartbeatTimeoutMs },
  });
  closers.push(() => harness.supervisor.shutdown());
  const scheduler = startDrawScheduler({
    sql,
    seedCipher,
    membershipFor: tenantMembership({ sql, cipher: tokenCipher, apiRoot: sandbox.apiRoot }),
    logger: testLogger(),
    intervalMs: 200,
  });
  closers.push(() => scheduler.stop());

  // Listen on port 0 first so the app knows its public URL (the proof links in announcements), then let
  // the app answer that server's requests: `routing` is Fastify's own request handler.
  const server: Server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  closers.push(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const app = await buildApp({
    logger: testLogger(),
    checkDatabase: async () => {
      await sql.query('select 1');
    },
    trustProxy: false,
    processMetrics: false,
    rateLimits: { perMinute: 100_000, registerPerHour: 100_000 },
    api: {
      orm: db.orm,
      appSecret: TEST_SECRET,
      telegramApiRoot: sandbox.apiRoot,
      registration: 'open',
      publicUrl: url,
      loginLimits: { pairFailures: 1000, addressFailures: 1000 },
    },
  });
  closers.push(() => app.close());
  await app.ready();
  server.on('request', app.routing);

  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--headless',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  closers.push(() => browser.close());

  let userSeq = 0;
  const world: PanelWorld = {
    db,
    sql,
    sandbox,
    harness,
    scheduler,
    app,
    url,
    browser,
    admin: null,
    async newContext(locale) {
      const context = await browser.newContext({
        baseURL: url,
        locale,
        viewport: { width: 1280, height: 900 },
        acceptDownloads: true,
      });
      context.setDefaultTimeout(WAIT.timeout);
      return context;
    },
    async screenshot(page, lang, name) {
      // Scrolled to the top, the sticky header stays at the top of the full-page picture.
      await page.evaluate(() =>
        (globalThis as unknown as { scrollTo(x: number, y: number): void }).scrollTo(0, 0),
      );
      await page.screenshot({
        path: `${SCREENSHOTS}${lang}-${name}.png`,
        fullPage: true,
        animations: 'disabled',
      });
    },
    async adminChannel(botId, title) {
      const { id } = await sandbox.client.createChat({ type: 'channel', title });
      await sandbox.client.setMember(id, { user_id: botId, status: 'administrator' });
      await waitUntil(
        async () =>
          (await sql.query(`select 1 from chats where chat_id = ? and bot_status = 'administrator'`, [id]))
            .length > 0,
        `the bot to record channel ${title}`,
      );
      return id;
    },
    async members(chatId, botId, count, started) {
      const ids: number[] = [];
      for (let i = 0; i < count; i++) {
        userSeq++;
        const { id } = await sandbox.client.createUser({
          first_name: i % 2 ? `用户${userSeq}` : `User${userSeq}`,
          username: `e2e_user${userSeq}`,
          language_code: i % 2 ? 'zh-hans' : 'en',
        });
        await sandbox.client.setMember(chatId, { user_id: id, status: 'member' });
        if (i < started) await sandbox.client.start(id, botId);
        ids.push(id);
      }
      // The bot learns who started it from updates: wait until it has, so the join answers are known.
      const startedIds = ids.slice(0, started);
      if (startedIds.length > 0) {
        await waitUntil(async () => {
          const rows = await sql.query(
            `select 1 from bot_users where started_at is not null
                and tg_user_id = any(string_to_array(?, ',')::bigint[])`,
            [startedIds.join(',')],
          );
          return rows.length === startedIds.length;
        }, 'the bot to record who started it');
      }
      return ids;
    },
    async join(chatId, lotteryId, users) {
      const data = `j:${lotteryId}`;
      const post = await world.messageWith(chatId, `"callback_data":"${data}"`);
      const answers: PressResult[] = [];
      for (const id of users) {
        answers.push(
          await sandbox.client.press(id, {
            chat_id: chatId,
            message_id: post.message_id,
            callback_data: data,
          }),
        );
      }
      return answers;
    },
    messageWith(chatId, needle) {
      return waitUntil(async () => {
        const view = await sandbox.client.chatMessages(chatId);
        return view.messages.find((m) => !m.deleted && JSON.stringify(m).includes(needle));
      }, `a message with ${needle} in chat ${chatId}`);
    },
    close: closeAll,
  };
  return world;
}
