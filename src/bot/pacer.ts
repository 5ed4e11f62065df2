/**
 * Pacing of a bot's sends so Telegram's flood limits are rarely hit in the first place (F8): at most
 * `perSecond` sends for the whole bot, and at most `perChatPerMinute` into one group or channel (chat ids
 * below 0). Private chats only share the bot-wide budget (Telegram asks for about one message per second
 * per chat; a DM run sends one message per user). Limits: https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this
 */
export interface PacerOptions {
  perSecond: number;
  perChatPerMinute: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export class Pacer {
  private nextAt = 0;
  private readonly chatNextAt = new Map<number, number>();
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly gapMs: number;
  private readonly chatGapMs: number;

  constructor(options: PacerOptions) {
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.gapMs = 1000 / options.perSecond;
    this.chatGapMs = 60_000 / options.perChatPerMinute;
  }

  /** How long a send into `chatId` must wait from now (ms). */
  delayFor(chatId: number | null): number {
    const now = this.now();
    let at = Math.max(now, this.nextAt);
    if (chatId !== null && chatId < 0) at = Math.max(at, this.chatNextAt.get(chatId) ?? 0);
    return at - now;
  }

  /** Waits until a send into `chatId` is allowed, then books it. */
  async take(chatId: number | null): Promise<void> {
    const delay = this.delayFor(chatId);
    if (delay > 0) await this.sleep(delay);
    const now = this.now();
    this.nextAt = Math.max(now, this.nextAt) + this.gapMs;
    if (chatId !== null && chatId < 0) {
      this.chatNextAt.set(chatId, Math.max(now, this.chatNextAt.get(chatId) ?? 0) + this.chatGapMs);
      if (this.chatNextAt.size > 10_000) this.chatNextAt.clear();
    }
  }

  /** Nothing may be sent before `ms` from now (a 429's retry_after). */
  pause(ms: number): void {
    this.nextAt = Math.max(this.nextAt, this.now() + ms);
  }
}
