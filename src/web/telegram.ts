/**
 * The admin web's one seam to Telegram: `getMe`, to check a token before it is saved and to learn the
 * bot's id and username from Telegram rather than from the form.
 * https://core.telegram.org/bots/api#getme
 *
 * Two kinds of failure are kept apart, and neither carries the token (it is part of the request URL,
 * so the URL is never put into an error):
 * - {@link TelegramApiError}: Telegram answered with an error (code and description);
 * - {@link TelegramUnreachableError}: no answer (network error, timeout, a reply that is not the Bot API's JSON).
 */

/** The bot identity getMe returns. */
export interface BotIdentity {
  id: number;
  username: string;
  firstName: string;
}

/** Telegram answered `method` with `ok: false`. */
export class TelegramApiError extends Error {
  override name = 'TelegramApiError';
  constructor(
    readonly method: string,
    readonly errorCode: number,
    readonly description: string,
  ) {
    super(`Telegram answered ${method} with ${errorCode}: ${description}`);
  }
}

/** `method` got no usable answer from Telegram. `reason` is safe to log (no token). */
export class TelegramUnreachableError extends Error {
  override name = 'TelegramUnreachableError';
  constructor(
    readonly method: string,
    readonly reason: string,
  ) {
    super(`Telegram could not be reached for ${method}: ${reason}`);
  }
}

export interface TelegramClient {
  /**
   * Ask Telegram who the token belongs to.
   * @throws TelegramApiError (401/404 mean the token is wrong or revoked), TelegramUnreachableError
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

/** Describe a fetch failure without its URL (which holds the token). */
function reasonOf(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; cause?: { code?: unknown } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `no answer within ${timeoutMs / 1000} s`;
  const code = e?.cause?.code;
  if (typeof code === 'string') return `network error ${code}`;
  return 'network error';
}

/** Create the client. */
export function createTelegramClient(options: TelegramClientOptions): TelegramClient {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const doFetch = options.fetch ?? fetch;
  const root = options.apiRoot.replace(/\/+$/, '');

  return {
    async getMe(token) {
      const method = 'getMe';
      let response: Response;
      let body: unknown;
      try {
        response = await doFetch(`${root}/bot${token}/${method}`, {
          method: 'POST',
          headers: { accept: 'application/json' },
          signal: AbortSignal.timeout(timeoutMs),
        });
        body = await response.json();
      } catch (err) {
        throw new TelegramUnreachableError(method, reasonOf(err, timeoutMs));
      }
      const answer = body as {
        ok?: unknown;
        result?: { id?: unknown; username?: unknown; first_name?: unknown; is_bot?: unknown };
        error_code?: unknown;
        description?: unknown;
      } | null;
      if (answer?.ok === true) {
        const r = answer.result;
        if (typeof r?.id === 'number' && typeof r.username === 'string') {
          return {
            id: r.id,
            username: r.username,
            firstName: typeof r.first_name === 'string' ? r.first_name : '',
          };
        }
        throw new TelegramUnreachableError(method, 'the answer is not a bot');
      }
      if (answer?.ok === false && typeof answer.error_code === 'number') {
        const description = typeof answer.description === 'string' ? answer.description.slice(0, 300) : '';
        throw new TelegramApiError(method, answer.error_code, description);
      }
      throw new TelegramUnreachableError(method, `unexpected HTTP ${response.status} answer`);
    },
  };
}
