/**
 * The admin API's error catalogue: every machine code the API can answer with, and its HTTP status.
 * Every error response has one shape, `{ "error": { "code": "<code>", "message": "<sentence>" } }`;
 * the message is written for the person reading it (what went wrong and how to fix it) and never
 * carries internal text (SQL, stack traces, tokens).
 *
 * Services throw {@link ApiError}; the error handler (error-handler.ts) turns it into the response and
 * maps Fastify's own errors (bad JSON, body too large, ...) onto the same catalogue.
 */

/** Every error code with its HTTP status. Add a code here before using it anywhere. */
export const ERROR_CATALOGUE = {
  /** A field is missing, of the wrong type or out of range; the message names the field. */
  validation_failed: 400,
  /** The body is not JSON although Content-Type says so. */
  invalid_json: 400,
  /** No session, or it expired or was ended. */
  unauthenticated: 401,
  /** Username or password is wrong. */
  invalid_credentials: 401,
  /** Missing or wrong `x-csrf-token`, or a request from another site. */
  csrf_failed: 403,
  /** Signed in, but this needs the platform admin. */
  forbidden: 403,
  /** The account was disabled by the platform admin. */
  tenant_disabled: 403,
  /** `REGISTRATION=closed`. */
  registration_closed: 403,
  /** `REGISTRATION=invite` and no valid, unused invite code was given. */
  invite_required: 403,
  /** No such route. */
  not_found: 404,
  /** The `Host` is not one the admin web serves (PUBLIC_URL, HOST:PORT, ALLOWED_HOSTS). */
  misdirected_host: 421,
  /** No session with this id among the signed-in account's sessions. */
  session_not_found: 404,
  /** No such tenant (admin endpoints). */
  tenant_not_found: 404,
  /** The tenant has no bot configured yet. */
  bot_not_configured: 404,
  /** No lottery with this id for the signed-in tenant (another tenant's lottery is unknown too). */
  lottery_not_found: 404,
  /** The lottery has not been drawn yet (or does not exist), so there is no draw proof. */
  proof_not_found: 404,
  /** The username is taken (case-insensitive), or looks like a taken one (confusable letters). */
  username_taken: 409,
  /** Another tenant already configured this bot. */
  bot_in_use: 409,
  /** The request contradicts the current state (e.g. the admin disabling their own account). */
  conflict: 409,
  /** Only a draft may be deleted or published. */
  lottery_not_draft: 409,
  /** The lottery is drawing, drawn or cancelled: it cannot be edited. */
  lottery_not_editable: 409,
  /** An open lottery may only be made easier to win or extended. */
  lottery_change_not_allowed: 409,
  /** Only an open lottery can be drawn (a second draw, or one racing the timer). */
  lottery_not_open: 409,
  /** A drawn lottery cannot be cancelled. */
  lottery_not_cancellable: 409,
  /** Only a drawn lottery can be rerolled. */
  lottery_not_drawn: 409,
  /** The body exceeds the size limit. */
  payload_too_large: 413,
  /** Content-Type is not `application/json`. */
  unsupported_media_type: 415,
  /** Telegram rejected the bot token (getMe answered 401 or 404). */
  invalid_token: 422,
  /** A new password is too easy to guess (zxcvbn score below 3); the message says why and how to fix it. */
  password_too_weak: 422,
  /** A reroll named someone who is not a current winner of the lottery. */
  winner_not_active: 422,
  /** A target or membership chat is not one where the bot is an administrator. */
  chat_not_admin: 422,
  /** The draw time is not in the future. */
  draw_time_past: 422,
  /** Too many requests; `Retry-After` says when to try again. */
  rate_limited: 429,
  /** Something failed on our side; details are in the server log under the request id. */
  internal_error: 500,
  /** A search or export ran over its statement timeout and was stopped (src/lottery/queries.ts). */
  query_timeout: 503,
  /** A webhook delivery without the bot's secret token (X-Telegram-Bot-Api-Secret-Token). */
  webhook_secret_mismatch: 401,
  /** A webhook update could not be stored (the database does not answer); Telegram delivers it again. */
  update_not_stored: 503,
  /** Telegram answered getMe with an unexpected error. */
  telegram_error: 502,
  /** Telegram could not be reached (network error or timeout). */
  telegram_unreachable: 502,
} as const;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** The one error shape of the API. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}

/**
 * An error a client can act on. The status comes from the catalogue.
 * @example throw new ApiError('bot_not_configured', 'No bot is configured yet: save a token first.');
 */
export class ApiError extends Error {
  override name = 'ApiError';
  readonly statusCode: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Extra response headers, e.g. `Retry-After`. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.statusCode = ERROR_CATALOGUE[code];
  }

  /** The response body. */
  toBody(): ErrorBody {
    return { error: { code: this.code, message: this.message } };
  }
}

/** A 429 with `Retry-After` in whole seconds (at least 1). */
export function rateLimited(retryAfterMs: number, message?: string): ApiError {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return new ApiError(
    'rate_limited',
    message ?? `Too many requests: try again in ${seconds} second${seconds === 1 ? '' : 's'}.`,
    { 'retry-after': String(seconds) },
  );
}
