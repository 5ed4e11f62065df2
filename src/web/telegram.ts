/**
 * The admin web's token check: `getMe`, to check a token before it is saved and to learn the bot's id and
 * username from Telegram rather than from the form. https://core.telegram.org/bots/api#getme
 *
 * The request goes through the seam (src/telegram/), tried once (a person is waiting and can press again)
 * and waiting out no flood wait longer than its timeout. Its two failures, neither holding the token:
 * - {@link TelegramApiError}: Telegram answered with an error (code and description);
 * - {@link TelegramNoAnswerError}: no usable answer (network error, timeout, a reply that is not the Bot
 *   API's JSON, or a result that is not a bot).
 */
import { botApi, TelegramApiError, TelegramNoAnswerError } from '../telegram/index.ts';

export { TelegramApiError, TelegramNoAnswerError };

/** The bot identity getMe returns. */
export interface BotIdentity {
  id: number;
  username: string;
  firstName: string;
}

export interface TelegramClient {
  /**
   * Ask Telegram who the token belongs to.
   * @throws TelegramApiError (401/404 mean the token is wrong or revoked), TelegramNoAnswerError
   */
  getMe(token: string): Promise<BotIdentity>;
}

export interface TelegramClientOptions {
  /** Bot API root without trailing slash, e.g. `https://api.telegram.org` (TELEGRAM_API_ROOT). */
  apiRoot: string;
  /** Timeout per call in milliseconds, default 10 000. */
  timeoutMs?: number;
  /** `fetch` to use (tests inject failures), default the global one. */
  fetch?: typeof fetch;
}

/** Create the client. */
export function createTelegramClient(options: TelegramClientOptions): TelegramClient {
  const timeoutMs = options.timeoutMs ?? 10_000;
  return {
    async getMe(token) {
      const api = botApi(token, {
        apiRoot: options.apiRoot,
        ...(options.fetch ? { fetch: options.fetch } : {}),
      });
      const r = await api.call<{ id?: unknown; username?: unknown; first_name?: unknown } | null>(
        'getMe',
        {},
        { attempts: 1, timeoutMs, maxFloodWaitMs: timeoutMs },
      );
      if (typeof r?.id === 'number' && typeof r.username === 'string') {
        return {
          id: r.id,
          username: r.username,
          firstName: typeof r.first_name === 'string' ? r.first_name : '',
        };
      }
      throw new TelegramNoAnswerError('getMe', 'not-bot-api', 'the answer is not a bot');
    },
  };
}
