/**
 * The bot process's one seam to Telegram: a thin adapter over Telegraf 4.16 so the rest of the code
 * does not depend on it. Cross-cutting behaviour lives here:
 *
 * - `getMe`, `deleteWebhook` and `setWebhook` are retried on 429, waiting `parameters.retry_after`
 *   seconds (Bot API "Flood control"), up to 5 times.
 * - Every successful `getUpdates` is timestamped (the heartbeat's "last poll" time); a failing one (429,
 *   5xx, network — Telegraf waits and retries them) is kept as {@link TelegramAdapter.pollFailure} with
 *   Telegram's answer and since when, until a getUpdates succeeds again (the heartbeat's "degraded").
 * - The first `getUpdates` is a short poll (`timeout: 0`), so readiness ("getMe ok and polling
 *   started") is known at once instead of after a long poll; later long polls wait at most
 *   {@link LONG_POLL_S} (Telegraf asks for 50 s), so an idle healthy bot completes a getUpdates well
 *   inside the supervisor's 30 s heartbeat window.
 * - `getMe` is retried on network errors and 5xx (Telegram unreachable is not a crash), until stopped.
 * - `stop()` is idempotent and safe at every moment, before or after polling started (Telegraf's own
 *   `stop()` throws "Bot is not running!" before polling exists, F4).
 * - Polling is launched once per adapter; a Telegraf instance is never relaunched (F1).
 * - `drop_pending_updates` is never sent: joins made during a restart must not vanish (F5).
 */
import http from 'node:http';
import { Telegraf, TelegramError } from 'telegraf';
import type { Update, UserFromGetMe } from 'telegraf/types';
import type { FatalReason } from './ipc.ts';

/** Methods retried on 429 (startup calls; sends go through the outbox's own pacing). */
const RETRY_ON_FLOOD = new Set(['getMe', 'deleteWebhook', 'setWebhook']);
const MAX_FLOOD_RETRIES = 5;
/** Long-poll timeout in seconds, below the supervisor's 30 s heartbeat timeout. */
export const LONG_POLL_S = 20;

/** Update kinds the bot asks for (Telegram's default plus `my_chat_member`, which is in it already). */
export const ALLOWED_UPDATES = ['message', 'callback_query', 'my_chat_member'] as const;

export interface TelegramAdapterOptions {
  token: string;
  /** Bot API root without trailing slash. */
  apiRoot: string;
  /** Injected for tests: waits `ms` milliseconds. */
  sleep?: (ms: number) => Promise<void>;
}

export type BotContext = import('telegraf').Context<Update>;

/** How polling ended. */
export type PollingOutcome = { kind: 'stopped' } | { kind: 'failed'; reason: FatalReason; error: unknown };

/** Classify an error of Telegraf or of the network into the supervisor's fatal reasons. */
export function classifyError(err: unknown): FatalReason {
  if (err instanceof TelegramError) {
    const description = err.description ?? err.message;
    if (err.code === 401) return { kind: 'unauthorized', errorCode: 401, description };
    if (err.code === 409) return { kind: 'conflict', errorCode: 409, description };
    return { kind: 'other', errorCode: err.code, description };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { kind: 'other', description: message.slice(0, 500) };
}

/** getUpdates failing: since when (epoch ms, the first failure of the series) and Telegram's last answer. */
export interface PollFailure {
  since: number;
  errorCode?: number;
  description: string;
}

export class TelegramAdapter {
  readonly bot: Telegraf;
  /** Epoch ms of the last successful getUpdates; 0 before the first. */
  lastPollAt = 0;
  /** getUpdates is failing (429, 5xx, network) since the last success; null while polling works. */
  pollFailure: PollFailure | null = null;
  private firstPoll = true;
  private stopRequested = false;
  private polling: Promise<PollingOutcome> | undefined;
  private readyWaiters: Array<() => void> = [];
  private readonly firstPollDone = new Promise<void>((resolve) => {
    this.readyWaiters.push(resolve);
  });
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(options: TelegramAdapterOptions) {
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.bot = new Telegraf(options.token, {
      telegram: { apiRoot: options.apiRoot },
      handlerTimeout: 30_000,
    });
    const telegram = this.bot.telegram;
    if (options.apiRoot.startsWith('http://')) {
      // Telegraf drops its keep-alive agent for a plain-http API root (a local Bot API server or the
      // sandbox), which costs a TCP connection per call; give it one, as it has for https.
      (telegram.options as { agent?: http.Agent }).agent = new http.Agent({
        keepAlive: true,
        maxSockets: 64,
      });
    }
    const callApi = telegram.callApi.bind(telegram);
    // Wrap the single function every Telegraf call goes through.
    telegram.callApi = (async (method: string, payload: Record<string, unknown>, opts?: unknown) => {
      let effective = payload;
      if (method === 'getUpdates' && payload && 'timeout' in payload) {
        effective = {
          ...payload,
          timeout: this.firstPoll ? 0 : Math.min(Number(payload.timeout), LONG_POLL_S),
        };
      }
      for (let attempt = 0; ; attempt++) {
        try {
          const result = await (callApi as (m: string, p: unknown, o?: unknown) => Promise<unknown>)(
            method,
            effective,
            opts,
          );
          if (method === 'getUpdates' && payload && 'timeout' in payload) {
            this.lastPollAt = Date.now();
            this.pollFailure = null;
            if (this.firstPoll) {
              this.firstPoll = false;
              for (const w of this.readyWaiters.splice(0)) w();
            }
          }
          return result;
        } catch (err) {
          if (method === 'getUpdates' && !this.stopRequested) {
            const { errorCode, description } = classifyError(err);
            this.pollFailure = {
              since: this.pollFailure?.since ?? Date.now(),
              ...(errorCode !== undefined ? { errorCode } : {}),
              description: (description ?? 'no answer').slice(0, 300),
            };
          }
          const retryAfter = err instanceof TelegramError ? err.parameters?.retry_after : undefined;
          if (
            err instanceof TelegramError &&
            err.code === 429 &&
            RETRY_ON_FLOOD.has(method) &&
            attempt < MAX_FLOOD_RETRIES &&
            !this.stopRequested
          ) {
            await this.sleep(Math.max(1, retryAfter ?? 1) * 1000);
            continue;
          }
          throw err;
        }
      }
    }) as typeof telegram.callApi;
  }

  /**
   * getMe, retried on 429 (after `retry_after`) and on network errors or 5xx (every 1 s doubling to 10 s)
   * until it answers or `stop()` is called.
   * @throws TelegramError for a 4xx answer (401 for a bad token); Error('stopped') when stopped meanwhile
   */
  async getMe(onRetry?: (error: unknown, waitMs: number) => void): Promise<UserFromGetMe> {
    for (let attempt = 0; ; attempt++) {
      try {
        const me = await this.bot.telegram.getMe();
        this.bot.botInfo = me;
        return me;
      } catch (err) {
        const transient = !(err instanceof TelegramError) || err.code >= 500;
        if (!transient || this.stopRequested) throw err;
        const waitMs = Math.min(10_000, 1000 * 2 ** attempt);
        onRetry?.(err, waitMs);
        await this.sleep(waitMs);
        if (this.stopRequested) throw new Error('stopped');
      }
    }
  }

  /**
   * Start long polling (once). Resolves `ready` after the first successful getUpdates; `done` when
   * polling ends, with how it ended (never rejects).
   */
  startPolling(): { ready: Promise<void>; done: Promise<PollingOutcome> } {
    if (this.polling) throw new Error('polling was already started on this adapter; create a new one');
    const ready = this.firstPollDone;
    if (this.stopRequested) {
      this.polling = Promise.resolve({ kind: 'stopped' });
      return { ready, done: this.polling };
    }
    this.polling = this.bot.launch({ dropPendingUpdates: false, allowedUpdates: [...ALLOWED_UPDATES] }).then(
      (): PollingOutcome => ({ kind: 'stopped' }),
      (error: unknown): PollingOutcome =>
        this.stopRequested ? { kind: 'stopped' } : { kind: 'failed', reason: classifyError(error), error },
    );
    return { ready, done: this.polling };
  }

  /**
   * Stop polling and confirm the offset (Telegraf syncs it when the loop ends). Idempotent; safe before
   * polling started. Resolves when polling has ended.
   */
  async stop(): Promise<void> {
    this.stopRequested = true;
    if (!this.polling) return;
    const tryStop = () => {
      try {
        this.bot.stop('stop');
      } catch {
        // "Bot is not running!": launch() is still connecting, or polling already ended.
      }
    };
    tryStop();
    // If launch() was still connecting, polling starts later: stop it as soon as it exists.
    await Promise.race([this.polling, this.firstPollDone.then(tryStop)]);
    await this.polling;
  }
}
