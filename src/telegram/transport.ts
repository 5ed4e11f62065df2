/**
 * One HTTP request to the Bot API: `POST <apiRoot>/bot<token>/<method>` with a JSON body, over keep-alive
 * connections (http.ts), bounded by a timeout and the caller's AbortSignal.
 * https://core.telegram.org/bots/api#making-requests
 *
 * The answer is Telegram's JSON `{ ok, result }` or `{ ok: false, error_code, description, parameters }`
 * whatever the HTTP status; anything else (an HTML page, a truncated body, a proxy's 502) is a
 * {@link TelegramNoAnswerError}. The URL holds the token, so nothing of a network error is kept but
 * its `code`, and the body of an answer that is not the Bot API's is never quoted (a proxy's error page
 * may echo the URL).
 */
import { type ResponseParameters, scrubTokens, TelegramApiError, TelegramNoAnswerError } from './errors.ts';
import { type FetchLike, httpPost, type Post, PostFailure, postWithFetch } from './http.ts';

/** Where and how requests go. */
export interface TransportOptions {
  /** Bot API root without the `/bot<token>` part, e.g. `https://api.telegram.org`. */
  apiRoot: string;
  token: string;
  /** A `fetch` to send with (tests inject one); by default node:http(s) with keep-alive agents. */
  fetch?: FetchLike;
}

/** The longest description kept of an error answer (characters). */
const MAX_DESCRIPTION = 500;

function secondsText(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

function parametersOf(raw: unknown): ResponseParameters {
  if (!raw || typeof raw !== 'object') return {};
  const { retry_after, migrate_to_chat_id } = raw as Record<string, unknown>;
  return {
    ...(typeof retry_after === 'number' && Number.isFinite(retry_after) && retry_after >= 0
      ? { retry_after }
      : {}),
    ...(typeof migrate_to_chat_id === 'number' && Number.isSafeInteger(migrate_to_chat_id)
      ? { migrate_to_chat_id }
      : {}),
  };
}

/** Sends Bot API requests of one token. */
export class Transport {
  private readonly base: string;
  private readonly post: Post;

  constructor(private readonly options: TransportOptions) {
    this.base = `${options.apiRoot.replace(/\/+$/, '')}/bot${options.token}/`;
    this.post = options.fetch ? postWithFetch(options.fetch) : httpPost;
  }

  /**
   * Perform `method` once with `body` (JSON text or none) within `timeoutMs`.
   * @returns Telegram's `result`
   * @throws TelegramApiError for `ok: false`; TelegramNoAnswerError for no usable answer (`aborted` when
   *   `signal` fired)
   */
  async request(
    method: string,
    body: string | undefined,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<unknown> {
    let status: number;
    let text: string;
    try {
      ({ status, text } = await this.post({
        url: this.base + method,
        headers:
          body === undefined
            ? { accept: 'application/json' }
            : { accept: 'application/json', 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body }),
        timeoutMs,
        ...(signal ? { signal } : {}),
      }));
    } catch (err) {
      if (!(err instanceof PostFailure)) throw new TelegramNoAnswerError(method, 'network', 'network error');
      const reason = err.kind === 'timeout' ? `no answer within ${secondsText(timeoutMs)}` : err.reason;
      throw new TelegramNoAnswerError(method, err.kind, reason);
    }
    let answer: unknown;
    try {
      answer = JSON.parse(text);
    } catch {
      answer = undefined;
    }
    if (answer && typeof answer === 'object') {
      const a = answer as { ok?: unknown; result?: unknown; error_code?: unknown; description?: unknown };
      if (a.ok === true) return a.result;
      if (a.ok === false && typeof a.error_code === 'number' && Number.isInteger(a.error_code)) {
        const description =
          typeof a.description === 'string'
            ? scrubTokens(a.description, this.options.token).slice(0, MAX_DESCRIPTION)
            : '';
        throw new TelegramApiError(
          method,
          a.error_code,
          description,
          parametersOf((answer as { parameters?: unknown }).parameters),
        );
      }
    }
    throw new TelegramNoAnswerError(
      method,
      'not-bot-api',
      `HTTP ${status} with a body that is not the Bot API's JSON`,
      status,
    );
  }
}
