/**
 * The seam's two failures, kept apart because callers act differently on them:
 *
 * - {@link TelegramApiError}: Telegram answered, with `ok: false` (its `error_code`, `description` and
 *   `parameters` such as `retry_after` or `migrate_to_chat_id`).
 *   https://core.telegram.org/bots/api#making-requests
 * - {@link TelegramNoAnswerError}: no usable answer — a network error, a timeout, the caller aborting, or a
 *   reply that is not the Bot API's JSON (an HTML page, a proxy's 502) — with a short `reason`.
 *
 * Neither ever holds the bot token: the token is part of the request URL, and network errors (node's, an
 * injected fetch's) can quote that URL, so they are never attached as `cause` or copied into a field. A
 * reason is built from an error's `code` only (`ECONNREFUSED`, `ECONNRESET`); Telegram's description
 * is passed through {@link scrubTokens} as well, in case a proxy answering in the Bot API's shape echoes
 * the URL.
 */

/**
 * Telegram's `ResponseParameters`, as far as the platform reads them.
 * https://core.telegram.org/bots/api#responseparameters
 */
export interface ResponseParameters {
  /** Seconds to wait before the request may be repeated (flood control, 429). */
  retry_after?: number;
  /** The group was migrated to a supergroup with this id. */
  migrate_to_chat_id?: number;
}

/** Telegram answered `method` with `ok: false`. */
export class TelegramApiError extends Error {
  override name = 'TelegramApiError';
  constructor(
    /** The Bot API method, e.g. `sendMessage`. */
    readonly method: string,
    /** Telegram's `error_code` (an HTTP status: 400, 401, 403, 409, 429, 5xx). */
    readonly code: number,
    /** Telegram's `description`, at most 500 characters, tokens masked. */
    readonly description: string,
    /** Telegram's `parameters`, only the known numeric fields. */
    readonly parameters: ResponseParameters = {},
  ) {
    super(`Telegram answered ${method} with ${code}: ${description}`);
  }
}

/** Why there is no usable answer. */
export type NoAnswerKind =
  /** The connection failed or was cut (DNS, refused, reset, closed mid-answer). */
  | 'network'
  /** No complete answer within the call's timeout. */
  | 'timeout'
  /** The caller's AbortSignal fired (e.g. the bot is stopping). */
  | 'aborted'
  /** An answer came, but not the Bot API's JSON (an HTML page, an empty body, a proxy's error page). */
  | 'not-bot-api';

/** `method` got no usable answer from Telegram. `reason` is short and safe to show (no token, no URL). */
export class TelegramNoAnswerError extends Error {
  override name = 'TelegramNoAnswerError';
  constructor(
    /** The Bot API method, e.g. `getUpdates`. */
    readonly method: string,
    readonly kind: NoAnswerKind,
    /** E.g. `network error ECONNREFUSED`, `no answer within 10 s`, `HTTP 502, not a Bot API answer`. */
    readonly reason: string,
    /** The HTTP status, when an answer came (`not-bot-api`). */
    readonly status?: number,
  ) {
    super(`Telegram gave no usable answer to ${method}: ${reason}`);
  }
}

/** Either failure of a Bot API call. */
export type TelegramCallError = TelegramApiError | TelegramNoAnswerError;

/** Whether `err` is one of the seam's two errors. */
export function isTelegramCallError(err: unknown): err is TelegramCallError {
  return err instanceof TelegramApiError || err instanceof TelegramNoAnswerError;
}

/** Anything shaped like a bot token (`<bot id>:<20+ URL-safe chars>`) inside free text. */
const TOKEN_IN_TEXT = /(\d{1,20}):[A-Za-z0-9_-]{20,}/g;

/**
 * `text` with `token` (whole, and its secret part after the colon) and anything shaped like a bot token
 * replaced by `<bot id>:***`. Pure.
 */
export function scrubTokens(text: string, token?: string): string {
  let out = text;
  if (token) {
    out = out.split(token).join(`${botIdOf(token) ?? ''}:***`);
    const secret = token.slice(token.indexOf(':') + 1);
    if (secret.length >= 8) out = out.split(secret).join('***');
  }
  return out.replace(TOKEN_IN_TEXT, '$1:***');
}

/** The bot id of a token (the digits before the colon), or null. Not a secret. */
export function botIdOf(token: string): number | null {
  const match = /^(\d{1,20}):/.exec(token);
  return match ? Number(match[1]) : null;
}

/** Error codes of node's and undici's network errors are short upper-case words; anything else is dropped. */
const SAFE_CODE = /^[A-Z][A-Z0-9_]{1,40}$/;

/**
 * Describe a failed fetch without anything from its message (which may quote the URL and so the token):
 * only the `code` of the error or of its causes (`network error ECONNREFUSED`).
 */
export function networkReason(err: unknown): string {
  let current: unknown = err;
  for (let depth = 0; depth < 4 && current && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && SAFE_CODE.test(code)) return `network error ${code}`;
    current = (current as { cause?: unknown }).cause;
  }
  return 'network error';
}
