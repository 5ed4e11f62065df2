/**
 * Telegram's flood limits as sliding windows: 30 messages per second per bot and 20 messages per minute
 * per bot in one group or channel (sends and edits both count). Past a limit the call is refused with
 * 429 `Too Many Requests: retry after N` and `parameters.retry_after: N`, N in whole seconds until the
 * window has room again. https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this
 */
import type { Clock } from './clock.ts';
import { BotApiError, TG } from './errors.ts';
import type { SandboxLimits } from './limits.ts';

class Window {
  readonly stamps: number[] = [];
  /** Milliseconds until a new event fits, or 0 when it fits now. */
  wait(now: number, limit: number, windowMs: number): number {
    while (this.stamps.length > 0 && (this.stamps[0] ?? 0) <= now - windowMs) this.stamps.shift();
    if (this.stamps.length < limit) return 0;
    const oldest = this.stamps[this.stamps.length - limit] ?? now;
    return Math.max(1, oldest + windowMs - now);
  }
}

export class FloodControl {
  readonly #clock: Clock;
  readonly #windows = new Map<string, Window>();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /**
   * Count one message from `botId` into `chatId` (null for a private chat, which only the per-bot limit
   * covers), or refuse it.
   * @throws BotApiError 429 with retry_after when a limit is reached; nothing is counted then.
   */
  take(botId: number, chatId: number | null, limits: SandboxLimits): void {
    const now = this.#clock.now();
    const checks: Array<[string, number, number]> = [];
    if (limits.botMessagesPerSecond > 0) checks.push([`b${botId}`, limits.botMessagesPerSecond, 1_000]);
    if (chatId !== null && limits.chatMessagesPerMinute > 0) {
      checks.push([`c${botId}:${chatId}`, limits.chatMessagesPerMinute, 60_000]);
    }
    let waitMs = 0;
    const windows: Window[] = [];
    for (const [key, limit, windowMs] of checks) {
      let window = this.#windows.get(key);
      if (!window) {
        window = new Window();
        this.#windows.set(key, window);
      }
      windows.push(window);
      waitMs = Math.max(waitMs, window.wait(now, limit, windowMs));
    }
    if (waitMs > 0) {
      const seconds = Math.max(1, Math.ceil(waitMs / 1000));
      throw new BotApiError(429, TG.tooManyRequests(seconds), { retry_after: seconds });
    }
    for (const window of windows) window.stamps.push(now);
  }

  /** Forget all counts (reset, or limits changed). */
  clear(): void {
    this.#windows.clear();
  }
}
