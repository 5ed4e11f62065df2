/**
 * Flood waits of one bot, shared by every caller of its token in the process (F8). When Telegram
 * answers 429 with `parameters.retry_after`, the next requests of the same bot would get 429 too, so they
 * wait instead of asking:
 *
 * - a 429 on a send into a chat: every send into that chat waits `retry_after`; every other gated call
 *   of the bot waits too, but at most {@link DEFAULT_BREATHER_MS} (the limit may have been the chat's —
 *   20 a minute into a group — and then the other chats need not wait; should it have been the bot's,
 *   the next send into another chat gets its own 429 and waits too). This keeps one group's wait from
 *   holding back every private message (the outbox's head-of-line issue);
 * - a 429 on any other gated call (getMe, deleteWebhook, …, or a send with no chat): every gated call
 *   of the bot waits `retry_after`.
 *
 * Gated are the paced sends and the retried methods (retry.ts); never getUpdates (Telegraf's polling waits
 * on its own) or answerCallbackQuery (a press is answered at once or not at all).
 */
import type { ChatKey } from './pacing.ts';

/** After a 429 into one chat, how long the rest of the bot waits at most (ms). */
export const DEFAULT_BREATHER_MS = 1000;

/** A 429 without `retry_after` is waited out for this long (s). */
export const DEFAULT_RETRY_AFTER_S = 1;

export class FloodGate {
  private botUntil = 0;
  private readonly chatUntil = new Map<string, number>();

  constructor(
    private readonly now: () => number,
    /** See {@link DEFAULT_BREATHER_MS}. */
    public breatherMs = DEFAULT_BREATHER_MS,
  ) {}

  /** Telegram answered 429 to a request into `chat` (null: a call with no chat): book the wait. */
  hit(chat: ChatKey, retryAfterS: number | undefined): void {
    const waitMs = Math.max(1, retryAfterS ?? DEFAULT_RETRY_AFTER_S) * 1000;
    const now = this.now();
    if (chat) {
      const key = `${chat.kind}:${chat.key}`;
      this.chatUntil.set(key, Math.max(this.chatUntil.get(key) ?? 0, now + waitMs));
      this.botUntil = Math.max(this.botUntil, now + Math.min(waitMs, this.breatherMs));
      if (this.chatUntil.size > 10_000) {
        for (const [k, until] of this.chatUntil) if (until <= now) this.chatUntil.delete(k);
      }
    } else {
      this.botUntil = Math.max(this.botUntil, now + waitMs);
    }
  }

  /** The end of the latest flood wait booked, for any chat (epoch ms). */
  latest(): number {
    let latest = this.botUntil;
    for (const until of this.chatUntil.values()) latest = Math.max(latest, until);
    return latest;
  }

  /** When a gated call into `chat` (null: no chat) may go (epoch ms; now or earlier when it may go now). */
  openAt(chat: ChatKey): number {
    const chatUntil = chat ? (this.chatUntil.get(`${chat.kind}:${chat.key}`) ?? 0) : 0;
    return Math.max(this.botUntil, chatUntil);
  }
}
