/**
 * Start and stop a Bot API sandbox: a local HTTP server that behaves like Telegram's Bot API (tokens,
 * chats, members, long polling, webhooks, callback queries and Telegram's real errors) plus a control
 * API and a web page. Used by every end-to-end test and by the offline demo.
 * @example
 *   const sandbox = await createSandbox();
 *   const bot = await sandbox.client.createBot({ username: 'lottery_bot' });
 *   const telegraf = new Telegraf(bot.token, { telegram: { apiRoot: sandbox.apiRoot } });
 *   ...
 *   await sandbox.close();
 */

import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { createLogger, type Logger } from '../log/logger.ts';
import { callMethod, signalCaller } from './bot-api.ts';
import { SandboxClient } from './client.ts';
import { type Clock, systemClock } from './clock.ts';
import { DEFAULT_LIMITS, mergeLimits, type SandboxLimits } from './limits.ts';
import { buildServer } from './server.ts';
import { SandboxState } from './state.ts';
import { WebhookDeliverer } from './webhook.ts';

/**
 * Connections waiting to be accepted. Node's default (511) overflows when thousands of bots start at once
 * and the kernel then retries their SYNs after a second; the kernel caps this at net.core.somaxconn.
 */
const LISTEN_BACKLOG = 4096;

export interface SandboxOptions {
  /** TCP port; 0 (default) picks a free one. */
  port?: number;
  /** Interface to listen on; default 127.0.0.1. */
  host?: string;
  /** Limits and rule switches over Telegram's defaults ({@link DEFAULT_LIMITS}). */
  limits?: Partial<SandboxLimits>;
  /** Logger; default a silent one. */
  logger?: Logger;
  /** Time a bot has to answer a callback query, in ms (default 15 000); same as limits.callbackTimeoutMs. */
  callbackTimeoutMs?: number;
  /** Clock for message dates, callback deadlines and flood windows; default the system clock. */
  clock?: Clock;
}

export interface Sandbox {
  /** Base URL, e.g. `http://127.0.0.1:41234`; the web page is at `${url}/`. */
  readonly url: string;
  /** What to give Telegraf as `telegram.apiRoot` (same as url). */
  readonly apiRoot: string;
  /** Typed client for the control API. */
  readonly client: SandboxClient;
  /** The in-memory model, for direct use in tests. */
  readonly state: SandboxState;
  /** The Fastify app (for inject() in tests). */
  readonly app: FastifyInstance;
  /** Answer held polls and pending presses, stop webhooks, close the server. Idempotent. */
  close(): Promise<void>;
}

/**
 * Create and start a sandbox.
 * @throws Error for invalid limits, or when the port cannot be bound.
 */
export async function createSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const logger = options.logger ?? createLogger({ level: 'silent', pretty: false });
  const limitsPatch = {
    ...options.limits,
    ...(options.callbackTimeoutMs !== undefined ? { callbackTimeoutMs: options.callbackTimeoutMs } : {}),
  };
  const limits = mergeLimits({ ...DEFAULT_LIMITS }, limitsPatch);
  const state = new SandboxState(options.clock ?? systemClock, limits);
  const webhooks = new WebhookDeliverer(() => state.limits, logger);
  const closing = new AbortController();
  const deps = { state, webhooks, logger, closing: closing.signal };
  const closingCaller = signalCaller(closing.signal);
  webhooks.setExecutor(async (bot, method, params) => {
    try {
      await callMethod(deps, bot, method, params, closingCaller);
    } catch (err) {
      logger.debug({ err, method }, 'sandbox webhook answer call failed');
    }
  });
  state.onBotCreated = (bot) => webhooks.watch(bot);

  const app = await buildServer(deps);
  await app.listen({ port: options.port ?? 0, host: options.host ?? '127.0.0.1', backlog: LISTEN_BACKLOG });
  const address = app.server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;

  let closed: Promise<void> | null = null;
  return {
    url,
    apiRoot: url,
    client: new SandboxClient(url),
    state,
    app,
    close() {
      closed ??= (async () => {
        closing.abort();
        for (const bot of state.bots.values()) bot.queue.terminateHeld(null);
        for (const cb of state.callbacks.values()) for (const wake of cb.waiters.splice(0)) wake(null);
        state.releaseChangeWaiters();
        webhooks.close();
        // Let the answered requests write their responses before the sockets are closed.
        await new Promise((resolve) => setImmediate(resolve));
        await new Promise((resolve) => setImmediate(resolve));
        const stopped = app.close();
        app.server.closeAllConnections();
        await stopped;
      })();
      return closed;
    },
  };
}

/**
 * Start a sandbox for the CLI (`tg-lottery sandbox --port 8081`) and log where its web page and Bot API
 * root are.
 */
export async function runSandbox(options: { port: number; host: string; logger: Logger }): Promise<Sandbox> {
  const sandbox = await createSandbox(options);
  options.logger.info(
    { url: `${sandbox.url}/`, apiRoot: sandbox.apiRoot },
    `Bot API sandbox ready: web page ${sandbox.url}/ — set TELEGRAM_API_ROOT=${sandbox.apiRoot}`,
  );
  return sandbox;
}
