/**
 * The Bot API client of one token: `call(method, params, options)` is the only way the platform makes a
 * Bot API request. Each call
 *
 * 1. encodes its parameters as JSON (body.ts; no file uploads);
 * 2. when gated (a paced send, or a method the retry table retries) waits out the bot's flood wait
 *    (flood.ts), and when a send, books and waits for its pacing slot (pacing.ts);
 * 3. makes one HTTP request (transport.ts) with its timeout (methods.ts) and the caller's AbortSignal;
 * 4. on a failure the retry table (retry.ts) retries, waits 1 s doubling to 10 s with jitter (or
 *    `retry_after` for a 429), and tries again, else throws the {@link TelegramApiError} or
 *    {@link TelegramNoAnswerError}.
 *
 * A 429 on a gated call is booked in the flood gate, so every caller of the token in the process waits,
 * not only the one that got it. Get clients through `botApi()` (registry.ts), which hands every caller of
 * a token the same one.
 */

import { jsonBody } from './body.ts';
import { type Clock, systemClock } from './clock.ts';
import {
  botIdOf,
  isTelegramCallError,
  TelegramApiError,
  type TelegramCallError,
  TelegramNoAnswerError,
} from './errors.ts';
import { DEFAULT_BREATHER_MS, FloodGate } from './flood.ts';
import type { FetchLike } from './http.ts';
import { DEFAULT_TIMEOUT_MS, isPacedMethod, METHOD_NAME, timeoutFor } from './methods.ts';
import { type ChatKey, chatKeyOf, Pacing, type PacingLimits, TELEGRAM_LIMITS } from './pacing.ts';
import { backoffMs, failureKind, retryRuleFor } from './retry.ts';
import { Transport } from './transport.ts';

/** Options of one call. */
export interface CallOptions {
  /** Cancels the call: its waits, and the request in flight. */
  signal?: AbortSignal;
  /** Timeout of each HTTP request (ms); default 10 000, getUpdates its long poll plus 10 s. */
  timeoutMs?: number;
  /** Attempts in all, instead of the retry table's (1: no retry; Infinity: until success or `signal`). */
  attempts?: number;
  /** Called before each retry with the failure and the wait (ms). */
  onRetry?: (error: TelegramCallError, waitMs: number) => void;
  /**
   * The longest flood wait (ms) the call accepts: should the bot have to wait longer (a 429 booked
   * earlier), the call is not made and throws a TelegramApiError 429 with the `retry_after` left.
   * Default: waits as long as it takes.
   */
  maxFloodWaitMs?: number;
}

/** How a client is made. */
export interface BotApiOptions {
  /** Bot API root without the `/bot<token>` part, e.g. `https://api.telegram.org`. */
  apiRoot: string;
  /** A `fetch` to send with (tests inject one); by default node:http(s) with keep-alive agents (http.ts). */
  fetch?: FetchLike;
  /** Clock for waits (tests inject a fake one). */
  clock?: Clock;
  /** Random numbers in [0, 1) for the backoff's jitter. */
  random?: () => number;
  /** Pacing limits to start with, default Telegram's (30/s, 20/min per group, 1/s per private chat). */
  limits?: Partial<PacingLimits>;
}

export class BotApi {
  /** The bot id (the token's digits before the colon; not a secret), or null. */
  readonly botId: number | null;
  private readonly transport: Transport;
  private readonly clock: Clock;
  private readonly random: () => number;
  private readonly pacing: Pacing;
  private readonly flood: FloodGate;
  private inFlight = 0;
  private lastUsedAt: number;

  constructor(token: string, options: BotApiOptions) {
    if (typeof token !== 'string' || !/^[A-Za-z0-9:_-]{1,200}$/.test(token)) {
      throw new TypeError('a bot token is made of letters, digits, ":", "_" and "-"');
    }
    this.botId = botIdOf(token);
    this.transport = new Transport({
      apiRoot: options.apiRoot,
      token,
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
    this.clock = options.clock ?? systemClock;
    this.random = options.random ?? Math.random;
    const now = () => this.clock.now();
    this.pacing = new Pacing(now, { ...TELEGRAM_LIMITS, ...options.limits });
    this.flood = new FloodGate(now, DEFAULT_BREATHER_MS);
    this.lastUsedAt = this.clock.now();
  }

  /** The pacing limits in force. */
  get limits(): Readonly<PacingLimits> {
    return this.pacing.limits;
  }

  /** Change pacing limits (for every caller of this token). @throws RangeError for a value not above 0 */
  setLimits(limits: Partial<PacingLimits>): void {
    this.pacing.setLimits(limits);
  }

  /**
   * How long (ms) a send into `chatId` would wait from now — for pacing and flood waits — before it goes
   * (0: at once). Only looks; books nothing.
   */
  delayFor(chatId: unknown): number {
    const chat = chatKeyOf(chatId);
    const now = this.clock.now();
    return Math.max(0, this.pacing.delayFor(chat), this.flood.openAt(chat) - now);
  }

  /**
   * Whether the client has been unused for `idleMs`, with nothing in flight and no pacing slot or flood
   * wait ahead (for any chat): dropping it then loses nothing but its limits (registry.ts).
   */
  idleFor(idleMs: number): boolean {
    const now = this.clock.now();
    return (
      this.inFlight === 0 &&
      now - this.lastUsedAt >= idleMs &&
      this.pacing.latest() <= now &&
      this.flood.latest() <= now
    );
  }

  /**
   * Call Bot API `method` with `params`.
   * @returns Telegram's `result` (unchecked: the caller validates its shape)
   * @throws TelegramApiError when Telegram answered `ok: false` (after the retries the table allows);
   *   TelegramNoAnswerError when no usable answer came (network, timeout, not the Bot API's JSON, aborted);
   *   TypeError for a bad method name or parameters JSON cannot carry
   */
  async call<T = unknown>(
    method: string,
    params?: Record<string, unknown>,
    options: CallOptions = {},
  ): Promise<T> {
    if (!METHOD_NAME.test(method))
      throw new TypeError(`not a Bot API method name: ${JSON.stringify(method).slice(0, 80)}`);
    const body = jsonBody(method, params);
    const rule = retryRuleFor(method);
    const attempts = Math.max(1, options.attempts ?? rule.attempts);
    const paced = isPacedMethod(method);
    const gated = paced || rule.attempts > 1;
    const chat = paced ? chatKeyOf(params?.chat_id) : null;
    const timeoutMs = options.timeoutMs ?? timeoutFor(method, params ?? {}, DEFAULT_TIMEOUT_MS);
    const { signal } = options;
    this.inFlight++;
    try {
      for (let attempt = 1; ; attempt++) {
        if (gated) await this.waitTurn(method, chat, paced, options);
        this.lastUsedAt = this.clock.now();
        try {
          return (await this.transport.request(method, body, timeoutMs, signal)) as T;
        } catch (err) {
          if (!isTelegramCallError(err)) throw err;
          const flooded = err instanceof TelegramApiError && err.code === 429;
          if (flooded && gated) this.flood.hit(chat, err.parameters.retry_after);
          const kind = failureKind(err);
          if (kind === null || !rule.on.includes(kind) || attempt >= attempts || signal?.aborted) throw err;
          const waitMs = flooded
            ? Math.max(1, (err as TelegramApiError).parameters.retry_after ?? 1) * 1000
            : backoffMs(attempt, this.random);
          options.onRetry?.(err, waitMs);
          // A gated call's flood wait is waited out by waitTurn, shared with every other caller.
          await this.wait(method, flooded && gated ? 0 : waitMs, signal);
        }
      }
    } finally {
      this.inFlight--;
      this.lastUsedAt = this.clock.now();
    }
  }

  /** Wait out the flood gate and, for a send, the pacing slot (re-checking the gate after the slot). */
  private async waitTurn(method: string, chat: ChatKey, paced: boolean, options: CallOptions): Promise<void> {
    for (;;) {
      const floodMs = this.flood.openAt(chat) - this.clock.now();
      if (floodMs > 0) {
        if (options.maxFloodWaitMs !== undefined && floodMs > options.maxFloodWaitMs) {
          const retryAfter = Math.ceil(floodMs / 1000);
          throw new TelegramApiError(
            method,
            429,
            `Too Many Requests: retry after ${retryAfter} (this bot's flood wait; not sent)`,
            { retry_after: retryAfter },
          );
        }
        await this.wait(method, floodMs, options.signal);
        continue;
      }
      if (!paced) return;
      const at = this.pacing.reserve(chat);
      await this.wait(method, at - this.clock.now(), options.signal);
      // A 429 may have come in meanwhile (another caller's): then wait that out too.
      if (this.flood.openAt(chat) <= this.clock.now()) return;
    }
  }

  private async wait(method: string, ms: number, signal?: AbortSignal): Promise<void> {
    if (ms <= 0 && !signal?.aborted) return;
    try {
      await this.clock.sleep(ms, signal);
    } catch {
      throw new TelegramNoAnswerError(method, 'aborted', 'cancelled before it was sent');
    }
  }
}
