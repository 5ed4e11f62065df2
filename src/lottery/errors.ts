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

/** A rule of the lottery was broken; `message` says which and what to do. */
export class LotteryError extends Error {
  constructor(
    readonly code: LotteryErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'LotteryError';
  }
}
