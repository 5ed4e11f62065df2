/**
 * Pacing of one bot's sends (the methods of methods.ts `PACED_METHODS`), so Telegram's flood limits are
 * rarely hit in the first place (F8). Limits of the Bot API FAQ ("My bot is hitting limits, how do I avoid
 * this?", https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this):
 *
 * - about 30 messages a second for the whole bot ({@link PacingLimits.perSecond});
 * - no more than 20 messages a minute into one group or channel, a chat id below 0 or an `@username`
 *   ({@link PacingLimits.perGroupPerMinute});
 * - about one message a second into one private chat ({@link PacingLimits.perPrivatePerSecond}).
 *
 * A send books the earliest slot its limits allow (so concurrent callers queue in order) and waits for
 * it. Idle time builds no burst. The limits can be changed while the bot runs (the outbox's configured
 * rates, `sendsPerSecond` / `sendsPerChatPerMinute`).
 */

/** Sends allowed; each a positive number. */
export interface PacingLimits {
  /** Sends per second for the whole bot. */
  perSecond: number;
  /** Sends per minute into one group or channel. */
  perGroupPerMinute: number;
  /** Sends per second into one private chat. */
  perPrivatePerSecond: number;
}

/** The FAQ's limits. */
export const TELEGRAM_LIMITS: Readonly<PacingLimits> = {
  perSecond: 30,
  perGroupPerMinute: 20,
  perPrivatePerSecond: 1,
};

/** Where a send goes, for pacing: a private chat, a group or channel, or no chat (an inline message). */
export type ChatKey = { kind: 'private' | 'group'; key: string } | null;

/**
 * The pacing key of a `chat_id` parameter: a number above 0 is a private chat, below 0 a group or channel,
 * `@username` a channel or public group; anything else (absent, an inline message) is no chat.
 */
export function chatKeyOf(chatId: unknown): ChatKey {
  if (typeof chatId === 'number' && Number.isFinite(chatId) && chatId !== 0) {
    return { kind: chatId > 0 ? 'private' : 'group', key: String(chatId) };
  }
  if (typeof chatId === 'string') {
    if (/^-?\d{1,20}$/.test(chatId)) return chatKeyOf(Number(chatId));
    if (chatId.startsWith('@') && chatId.length > 1) return { kind: 'group', key: chatId.toLowerCase() };
  }
  return null;
}

/** Per-chat entries are swept (those in the past dropped) when a map grows beyond this. */
const SWEEP_AT = 10_000;

/** Validate limits (each finite and above 0). @throws RangeError naming the bad one */
export function checkLimits(limits: PacingLimits): PacingLimits {
  for (const [name, value] of Object.entries(limits)) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw new RangeError(`pacing limit ${name} must be a number above 0, got ${String(value)}`);
    }
  }
  return limits;
}

/** The pacing state of one bot. Times are epoch ms from the injected `now`. */
export class Pacing {
  private limitsNow: PacingLimits;
  private nextAt = 0;
  private readonly chatNextAt = new Map<string, number>();

  constructor(
    private readonly now: () => number,
    limits: PacingLimits = TELEGRAM_LIMITS,
  ) {
    this.limitsNow = checkLimits({ ...limits });
  }

  /** The limits in force. */
  get limits(): Readonly<PacingLimits> {
    return this.limitsNow;
  }

  /** Change some limits; later bookings use them. @throws RangeError for a value that is not above 0 */
  setLimits(limits: Partial<PacingLimits>): void {
    this.limitsNow = checkLimits({ ...this.limitsNow, ...limits });
  }

  /** How long from now until a send into `chat` is allowed (ms, 0 when it may go now). Only looks. */
  delayFor(chat: ChatKey): number {
    return this.slot(chat) - this.now();
  }

  /** Book the earliest allowed slot for a send into `chat`; returns its time (epoch ms). */
  reserve(chat: ChatKey): number {
    const at = this.slot(chat);
    this.nextAt = at + 1000 / this.limitsNow.perSecond;
    if (chat) {
      const gap =
        chat.kind === 'group'
          ? 60_000 / this.limitsNow.perGroupPerMinute
          : 1000 / this.limitsNow.perPrivatePerSecond;
      if (this.chatNextAt.size >= SWEEP_AT) this.sweep();
      this.chatNextAt.set(`${chat.kind}:${chat.key}`, at + gap);
    }
    return at;
  }

  /** The latest time anything is booked for (epoch ms). */
  latest(): number {
    let latest = this.nextAt;
    for (const at of this.chatNextAt.values()) latest = Math.max(latest, at);
    return latest;
  }

  private slot(chat: ChatKey): number {
    const now = this.now();
    let at = Math.max(now, this.nextAt);
    if (chat) at = Math.max(at, this.chatNextAt.get(`${chat.kind}:${chat.key}`) ?? 0);
    return at;
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, at] of this.chatNextAt) if (at <= now) this.chatNextAt.delete(key);
  }
}
