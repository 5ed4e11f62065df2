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

/** One bot's windows: its per-second one, and one per group/channel it wrote to. */
interface BotWindows {
  bot: Window;
  chats: Map<number, Window>;
}

export class FloodControl {
  readonly #clock: Clock;
  readonly #bots = new Map<number, BotWindows>();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /**
   * Count one message from `botId` into `chatId` (null for a private chat, which only the per-bot limit
   * covers), or refuse it. Windows are found by number (no key strings built per message).
   * @throws BotApiError 429 with retry_after when a limit is reached; nothing is counted then.
   */
  take(botId: number, chatId: number | null, limits: SandboxLimits): void {
    const perSecond = limits.botMessagesPerSecond;
    const perMinute = chatId !== null ? limits.chatMessagesPerMinute : 0;
    if (perSecond <= 0 && perMinute <= 0) return;
    const now = this.#clock.now();
    let windows = this.#bots.get(botId);
    if (!windows) {
      windows = { bot: new Window(), chats: new Map() };
      this.#bots.set(botId, windows);
    }
    let chatWindow: Window | undefined;
    if (perMinute > 0 && chatId !== null) {
      chatWindow = windows.chats.get(chatId);
      if (!chatWindow) {
        chatWindow = new Window();
        windows.chats.set(chatId, chatWindow);
      }
    }
    const waitMs = Math.max(
      perSecond > 0 ? windows.bot.wait(now, perSecond, 1_000) : 0,
      chatWindow ? chatWindow.wait(now, perMinute, 60_000) : 0,
    );
    if (waitMs > 0) {
      const seconds = Math.max(1, Math.ceil(waitMs / 1000));
      throw new BotApiError(429, TG.tooManyRequests(seconds), { retry_after: seconds });
    }
    if (perSecond > 0) windows.bot.stamps.push(now);
    chatWindow?.stamps.push(now);
  }

  /** Forget all counts (reset, or limits changed). */
  clear(): void {
    this.#bots.clear();
  }
}
