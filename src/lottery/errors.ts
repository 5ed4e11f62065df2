/**
 * Errors of the lottery domain: a machine code and a sentence for the person who caused it. The web
 * layer maps each code onto an HTTP status (src/web/errors.ts); the bot turns them into replies.
 */
export const LOTTERY_ERROR_CODES = [
  'lottery_not_found',
  'lottery_not_draft',
  'lottery_not_editable',
  'lottery_change_not_allowed',
  'lottery_not_open',
  'lottery_not_cancellable',
  'lottery_not_drawn',
  'winner_not_active',
  'chat_not_admin',
  'draw_time_past',
  'bot_not_configured',
  'proof_not_found',
  'invalid_lottery',
] as const;
export type LotteryErrorCode = (typeof LOTTERY_ERROR_CODES)[number];

/**
 * A rule of the lottery was broken: `code` says which (as data, for the web's table of HTTP errors and the
 * bot's replies), `message` says what to do in a sentence, and `path` names the input field at fault in the
 * domain's own names (`['drawTrigger', 'count']`), or is empty when no one field is.
 */
export class LotteryError extends Error {
  readonly path: readonly (string | number)[];
  constructor(
    readonly code: LotteryErrorCode,
    message: string,
    options: { path?: readonly (string | number)[] } = {},
  ) {
    super(message);
    this.name = 'LotteryError';
    this.path = options.path ?? [];
  }
}
