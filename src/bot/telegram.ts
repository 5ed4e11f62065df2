/**
 * The bot process's Telegraf adapter, a thin one: Telegraf routes updates to handlers, and every request
 * it makes — polling, `ctx.reply`, `ctx.answerCbQuery`, `bot.telegram.*` — goes through the platform's one
 * seam to Telegram (src/telegram/, docs/telegram.md) by a bridge that replaces Telegraf's `callApi`, on
 * `bot.telegram` and on the `ctx.telegram` Telegraf makes for each update. The seam's pacing, flood waits,
 * retry table, timeouts and token-free errors apply to all of them. Cross-cutting behaviour lives here:
 *
 * - The bridge hands Telegraf what its polling loop expects: a `TelegramError` (code, description,
 *   parameters, no URL) for an error answer, an error named `FetchError` for no usable answer (polling
 *   waits 5 s and retries, as for a 429 after `retry_after` or a 5xx), one named `AbortError` when polling
 *   is stopped. 401 and 409 end polling ({@link classifyError} classifies Telegraf's and the seam's errors).
 * - Every successful `getUpdates` is timestamped (the heartbeat's "last poll" time); a failing one (429,
 *   5xx, network — Telegraf waits and retries them) is kept as {@link TelegramAdapter.pollFailure} with
 *   Telegram's answer and since when, until a getUpdates succeeds again (the heartbeat's "degraded").
 * - The first `getUpdates` is a short poll (`timeout: 0`), so readiness ("getMe ok and polling
 *   started") is known at once instead of after a long poll; later long polls wait at most
 *   {@link LONG_POLL_S} (Telegraf asks for 50 s), so an idle healthy bot completes a getUpdates well
 *   inside the supervisor's 30 s heartbeat window.
 * - `getMe` is retried on 429, network errors and 5xx (Telegram unreachable is not a crash), until stopped;
 *   `deleteWebhook` / `setWebhook` as the seam's retry table says. `stop()` cancels those retries.
 * - `stop()` is idempotent and safe at every moment, before or after polling started (Telegraf's own
 *   `stop()` throws "Bot is not running!" before polling exists, F4).
 * - Polling is launched once per adapter; a Telegraf instance is never relaunched (F1).
 * - `drop_pending_updates` is never sent: joins made during a restart must not vanish (F5).
 */
import { Context, Telegraf, TelegramError } from 'telegraf';
import type { Update, UserFromGetMe } from 'telegraf/types';
import {
  type BotApi,
  botApi,
  retryRuleFor,
  scrubTokens,
  TelegramApiError,
  TelegramNoAnswerError,
} from '../telegram/index.ts';
import type { FatalReason } from './ipc.ts';

/** Long-poll timeout in seconds, below the supervisor's 30 s heartbeat timeout. */
export const LONG_POLL_S = 20;

/** Update kinds the bot asks for (Telegram's default plus `my_chat_member`, which is in it already). */
export const ALLOWED_UPDATES = ['message', 'callback_query', 'my_chat_member'] as const;

export interface TelegramAdapterOptions {
  token: string;
  /** Bot API root without trailing slash. */
  apiRoot: string;
  /**
   * Injected for tests: waits `ms` milliseconds (the seam's retry and flood waits). With it the adapter
   * gets a client of its own rather than the process's shared one for the token.
   */
  sleep?: (ms: number) => Promise<void>;
  /** Asked before every long poll (the lease fence, src/host/bot-runner.ts); absent = poll freely. */
  pollFence?: PollFence;
}

/**
 * What a long poll waits for and confirms (several supervisor nodes): `beforePoll` gets the offset the
 * poll would confirm (Bot API getUpdates: every update below it is confirmed) and resolves with the offset
 * to send, once the bot may poll; it may wait (its host's lease gate is closed) and resolves early when
 * `signal` is aborted (the bot stops). Never rejects.
 */
export interface PollFence {
  beforePoll(offset: number | undefined, signal: AbortSignal): Promise<number | undefined>;
  /**
   * Aborted when the bot may no longer work (its host's lease gate closed, or its lease was lost): the long
   * poll in flight is cut short and what it brings is not handled.
   */
  stopsOn(): AbortSignal;
  /** Whether the bot may work now (what a poll brings is handled only then). */
  mayWork(): boolean;
}

export type BotContext = import('telegraf').Context<Update>;

/** How polling ended. */
export type PollingOutcome = { kind: 'stopped' } | { kind: 'failed'; reason: FatalReason; error: unknown };

/**
 * No usable answer, as Telegraf's polling loop recognises it (`err.name === 'FetchError'`: it waits 5 s and
 * polls again); still a {@link TelegramNoAnswerError} with the seam's safe reason.
 */
class BridgedFetchError extends TelegramNoAnswerError {
  override name = 'FetchError';
}

/** The call was cancelled, as Telegraf's polling loop recognises it (`AbortError`: polling ends quietly). */
class BridgedAbortError extends TelegramNoAnswerError {
  override name = 'AbortError';
}

/** A seam error as Telegraf expects it (see the module comment); anything else unchanged. */
function toTelegraf(err: unknown): unknown {
  if (err instanceof TelegramApiError) {
    return new TelegramError(
      { error_code: err.code, description: err.description, parameters: err.parameters },
      { method: err.method },
    );
  }
  if (err instanceof TelegramNoAnswerError && !(err instanceof BridgedFetchError)) {
    const Bridged = err.kind === 'aborted' ? BridgedAbortError : BridgedFetchError;
    return new Bridged(err.method, err.kind, err.reason, err.status);
  }
  return err;
}

/** Telegraf's polling passes the `abort-controller` package's signal; the seam needs a native one. */
function nativeSignal(signal: unknown): AbortSignal | undefined {
  if (!signal || typeof signal !== 'object') return undefined;
  if (signal instanceof AbortSignal) return signal;
  const s = signal as { aborted?: boolean; addEventListener?: (type: 'abort', fn: () => void) => void };
  if (typeof s.addEventListener !== 'function') return undefined;
  const controller = new AbortController();
  if (s.aborted) controller.abort();
  else s.addEventListener('abort', () => controller.abort());
  return controller.signal;
}

/**
 * Classify an error of the seam, of Telegraf or of anything else into the supervisor's fatal reasons:
 * 401 `unauthorized`, 409 `conflict`, the rest `other` with Telegram's code and description (for no
 * usable answer: the HTTP status, if any, and the seam's reason). Never returns a token.
 */
export function classifyError(err: unknown): FatalReason {
  if (err instanceof TelegramApiError || err instanceof TelegramError) {
    const description = scrubTokens(err.description ?? err.message).slice(0, 500);
    if (err.code === 401) return { kind: 'unauthorized', errorCode: 401, description };
    if (err.code === 409) return { kind: 'conflict', errorCode: 409, description };
    return { kind: 'other', errorCode: err.code, description };
  }
  if (err instanceof TelegramNoAnswerError) {
    return {
      kind: 'other',
      ...(err.status !== undefined && err.status >= 400 ? { errorCode: err.status } : {}),
      description: `no usable answer from Telegram: ${err.reason}`,
    };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { kind: 'other', description: scrubTokens(message).slice(0, 500) };
}

/** getUpdates failing: since when (epoch ms, the first failure of the series) and Telegram's last answer. */
export interface PollFailure {
  since: number;
  errorCode?: number;
  description: string;
}

type CallApi = (
  method: string,
  payload?: Record<string, unknown>,
  options?: { signal?: unknown },
) => Promise<unknown>;

export class TelegramAdapter {
  readonly bot: Telegraf;
  /** The seam's client of this token (shared with every other caller of the token in the process). */
  readonly api: BotApi;
  /** Epoch ms of the last successful getUpdates; 0 before the first. */
  lastPollAt = 0;
  /** getUpdates is failing (429, 5xx, network) since the last success; null while polling works. */
  pollFailure: PollFailure | null = null;
  private firstPoll = true;
  private stopRequested = false;
  /** Aborted by `stop()`: cancels the retried calls (getMe, deleteWebhook, …), never a send. */
  private readonly stopController = new AbortController();
  private readonly pollFence: PollFence | undefined;
  /** The offset of the last getUpdates that was answered: every update below it is confirmed. */
  private confirmedOffset = 0;
  private polling: Promise<PollingOutcome> | undefined;
  private readyWaiters: Array<() => void> = [];
  private readonly firstPollDone = new Promise<void>((resolve) => {
    this.readyWaiters.push(resolve);
  });

  constructor(options: TelegramAdapterOptions) {
    this.pollFence = options.pollFence;
    this.api = botApi(options.token, {
      apiRoot: options.apiRoot,
      ...(options.sleep ? { clock: sleepClock(options.sleep) } : {}),
    });
    const bridge = this.bridge;
    // Telegraf makes a new Telegram for each update (ctx.telegram): give each the bridge too.
    class SeamContext extends Context<Update> {
      constructor(...args: ConstructorParameters<typeof Context<Update>>) {
        (args[1] as { callApi: unknown }).callApi = bridge;
        super(...args);
      }
    }
    this.bot = new Telegraf(options.token, {
      telegram: { apiRoot: options.apiRoot },
      handlerTimeout: 30_000,
      contextType: SeamContext,
    });
    (this.bot.telegram as { callApi: unknown }).callApi = bridge;
  }

  /** Telegraf's `callApi`, through the seam. */
  private readonly bridge: CallApi = async (method, payload, callOptions) => {
    const isPoll = method === 'getUpdates' && payload !== undefined && 'timeout' in payload;
    let params = payload ?? {};
    // Telegraf's offset sync when polling stops (getUpdates without a timeout): when the last poll
    // confirmed that offset already, there is nothing to confirm, and the call is not made — it would
    // only end, with a 409, the aborted long poll Telegram may still hold, or a next owner's poll.
    if (method === 'getUpdates' && !isPoll && Number(params.offset ?? 0) <= this.confirmedOffset) return [];
    if (isPoll) {
      params = { ...params, timeout: this.firstPoll ? 0 : Math.min(Number(params.timeout), LONG_POLL_S) };
      if (this.pollFence) {
        const given = typeof params.offset === 'number' ? params.offset : undefined;
        const offset = await this.pollFence.beforePoll(given, this.stopController.signal);
        if (offset !== undefined) params = { ...params, offset };
      }
    }
    const signals = [nativeSignal(callOptions?.signal)];
    if (retryRuleFor(method).attempts > 1) signals.push(this.stopController.signal);
    const fenceSignal = isPoll && this.pollFence ? this.pollFence.stopsOn() : undefined;
    if (fenceSignal) signals.push(fenceSignal);
    const present = signals.filter((s): s is AbortSignal => s !== undefined);
    const signal = present.length > 1 ? AbortSignal.any(present) : present[0];
    try {
      const result = await this.api.call(method, params, signal ? { signal } : {});
      // The bot may no longer work (its node stopped renewing, or lost the lease): what came is not
      // handled, nor confirmed, so whoever runs the bot next gets it from Telegram.
      if (isPoll && this.pollFence && !this.pollFence.mayWork()) return [];
      if (method === 'getUpdates') {
        this.confirmedOffset = Math.max(this.confirmedOffset, Number(params.offset ?? 0));
      }
      if (isPoll) {
        this.lastPollAt = Date.now();
        this.pollFailure = null;
        if (this.firstPoll) {
          this.firstPoll = false;
          for (const w of this.readyWaiters.splice(0)) w();
        }
      }
      return result;
    } catch (err) {
      // Cut short by the lease fence (not by a stop): an empty poll; the next one waits for the gate.
      if (fenceSignal?.aborted && !this.stopRequested && !nativeSignal(callOptions?.signal)?.aborted)
        return [];
      if (method === 'getUpdates' && !this.stopRequested) {
        const { errorCode, description } = classifyError(err);
        this.pollFailure = {
          since: this.pollFailure?.since ?? Date.now(),
          ...(errorCode !== undefined ? { errorCode } : {}),
          description: (description ?? 'no answer').slice(0, 300),
        };
      }
      throw toTelegraf(err);
    }
  };

  /**
   * getMe, retried on 429 (after `retry_after`) and on network errors, timeouts or 5xx (1 s doubling to
   * 10 s, with jitter) until it answers or `stop()` is called. `onRetry` hears of each retry but those
   * after a 429.
   * @throws TelegramApiError for a 4xx answer (401 for a bad token); Error('stopped') when stopped meanwhile
   */
  async getMe(onRetry?: (error: unknown, waitMs: number) => void): Promise<UserFromGetMe> {
    try {
      const me = await this.api.call<UserFromGetMe>(
        'getMe',
        {},
        {
          attempts: Number.POSITIVE_INFINITY,
          signal: this.stopController.signal,
          onRetry: (error, waitMs) => {
            if (!(error instanceof TelegramApiError && error.code === 429)) onRetry?.(error, waitMs);
          },
        },
      );
      if (typeof me?.id !== 'number' || typeof me.username !== 'string') {
        throw new TelegramNoAnswerError('getMe', 'not-bot-api', 'the answer is not a bot');
      }
      this.bot.botInfo = me;
      return me;
    } catch (err) {
      if (this.stopRequested) throw new Error('stopped');
      throw err;
    }
  }

  /**
   * Webhook mode: setWebhook with `url`, the bot's `secret_token`, {@link ALLOWED_UPDATES} and
   * `max_connections` (Bot API setWebhook; pending updates are kept, never dropped, F5). Retried on 429,
   * network errors and 5xx until it answers or `stop()` is called.
   * @throws TelegramApiError for a 4xx answer (a URL Telegram refuses); Error('stopped') when stopped meanwhile
   */
  async setWebhook(
    webhook: { url: string; secretToken: string; maxConnections: number },
    onRetry?: (error: unknown, waitMs: number) => void,
  ): Promise<void> {
    try {
      await this.api.call(
        'setWebhook',
        {
          url: webhook.url,
          secret_token: webhook.secretToken,
          allowed_updates: [...ALLOWED_UPDATES],
          max_connections: webhook.maxConnections,
        },
        {
          attempts: Number.POSITIVE_INFINITY,
          signal: this.stopController.signal,
          onRetry: (error, waitMs) => {
            if (!(error instanceof TelegramApiError && error.code === 429)) onRetry?.(error, waitMs);
          },
        },
      );
    } catch (err) {
      if (this.stopRequested) throw new Error('stopped');
      throw err;
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
    this.stopController.abort();
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

/** A clock whose waits are `sleep` (the adapter's test hook), aborting as soon as its signal fires. */
function sleepClock(sleep: (ms: number) => Promise<void>) {
  return {
    now: () => Date.now(),
    async sleep(ms: number, signal?: AbortSignal) {
      if (signal?.aborted) throw signal.reason;
      if (ms > 0) await sleep(ms);
      if (signal?.aborted) throw signal.reason;
    },
  };
}
