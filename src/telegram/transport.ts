/**
 * One HTTP request to the Bot API: `POST <apiRoot>/bot<token>/<method>` with a JSON body, through the
 * global fetch (undici, which keeps connections alive and reuses them), bounded by a timeout and the
 * caller's AbortSignal. https://core.telegram.org/bots/api#making-requests
 *
 * The answer is Telegram's JSON `{ ok, result }` or `{ ok: false, error_code, description, parameters }`
 * whatever the HTTP status; anything else (an HTML page, a truncated body, a proxy's 502) is a
 * {@link TelegramNoAnswerError}. The URL holds the token, so nothing of fetch's own errors is kept but
 * their `code`, and the body of an answer that is not the Bot API's is never quoted (a proxy's error page
 * may echo the URL).
 */
import {
  networkReason,
  type ResponseParameters,
  scrubTokens,
  TelegramApiError,
  TelegramNoAnswerError,
} from './errors.ts';

/** Where and how requests go. */
export interface TransportOptions {
  /** Bot API root without the `/bot<token>` part, e.g. `https://api.telegram.org`. */
  apiRoot: string;
  token: string;
  /** `fetch` to use (tests inject one), default the global fetch. */
  fetch?: typeof fetch;
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
  private readonly doFetch: typeof fetch;

  constructor(private readonly options: TransportOptions) {
    this.base = `${options.apiRoot.replace(/\/+$/, '')}/bot${options.token}/`;
    this.doFetch = options.fetch ?? fetch;
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
    if (signal?.aborted) throw new TelegramNoAnswerError(method, 'aborted', 'cancelled before it was sent');
    const timeout = AbortSignal.timeout(timeoutMs);
    const combined = signal ? AbortSignal.any([timeout, signal]) : timeout;
    let status: number;
    let text: string;
    try {
      const response = await this.doFetch(this.base + method, {
        method: 'POST',
        headers:
          body === undefined
            ? { accept: 'application/json' }
            : {
                accept: 'application/json',
                'content-type': 'application/json',
              },
        ...(body === undefined ? {} : { body }),
        signal: combined,
      });
      status = response.status;
      text = await response.text();
    } catch (err) {
      if (signal?.aborted) throw new TelegramNoAnswerError(method, 'aborted', 'cancelled by the caller');
      if (timeout.aborted) {
        throw new TelegramNoAnswerError(method, 'timeout', `no answer within ${secondsText(timeoutMs)}`);
      }
      throw new TelegramNoAnswerError(method, 'network', networkReason(err));
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
