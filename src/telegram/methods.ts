/**
 * What the seam knows about Bot API methods, as data: which ones send (and are paced), and how long a
 * call may take.
 *
 * Paced: the methods that put, change or remove a message in a chat. Telegram's limits are about
 * messages (Bot API FAQ, "My bot is hitting limits, how do I avoid this?",
 * https://core.telegram.org/bots/faq#my-bot-is-hitting-limits-how-do-i-avoid-this): about one message a
 * second into one chat, no more than 20 messages a minute into one group, about 30 messages a second in
 * all. Edits and deletions are counted like messages (Telegram answers a burst of edits with 429 too).
 * Never paced: getUpdates (the long poll), getMe, answerCallbackQuery (a press must be answered within
 * seconds, and it has no message), getChatMember and the other reads.
 */

/**
 * The message-sending methods, paced per bot and per chat.
 * https://core.telegram.org/bots/api#available-methods
 */
export const PACED_METHODS: ReadonlySet<string> = new Set([
  'sendMessage',
  'sendPhoto',
  'sendAudio',
  'sendDocument',
  'sendVideo',
  'sendAnimation',
  'sendVoice',
  'sendVideoNote',
  'sendPaidMedia',
  'sendMediaGroup',
  'sendLocation',
  'sendVenue',
  'sendContact',
  'sendPoll',
  'sendDice',
  'sendSticker',
  'sendInvoice',
  'sendGame',
  'copyMessage',
  'copyMessages',
  'forwardMessage',
  'forwardMessages',
  'editMessageText',
  'editMessageCaption',
  'editMessageMedia',
  'editMessageReplyMarkup',
  'editMessageLiveLocation',
  'stopMessageLiveLocation',
  'stopPoll',
  'deleteMessage',
  'deleteMessages',
]);

/** Whether `method` is a paced send. */
export function isPacedMethod(method: string): boolean {
  return PACED_METHODS.has(method);
}

/** Timeout of one HTTP request when the caller names none (ms). */
export const DEFAULT_TIMEOUT_MS = 10_000;

/** A getUpdates long poll may take its `timeout` (seconds); the request waits that long plus this (ms). */
export const LONG_POLL_MARGIN_MS = 10_000;

/**
 * Timeout of one request of `method` with `params` (ms): getUpdates its long-poll `timeout` plus
 * {@link LONG_POLL_MARGIN_MS}, everything else `fallbackMs`.
 */
export function timeoutFor(method: string, params: Record<string, unknown>, fallbackMs: number): number {
  if (method === 'getUpdates') {
    const poll = Number(params.timeout ?? 0);
    return (Number.isFinite(poll) && poll > 0 ? poll * 1000 : 0) + LONG_POLL_MARGIN_MS;
  }
  return fallbackMs;
}

/** Method names are letters only (`sendMessage`); anything else could change the request path. */
export const METHOD_NAME = /^[A-Za-z]{1,64}$/;
