/**
 * The one seam to Telegram: nothing but `src/telegram/` builds a Bot API request (docs/telegram.md).
 * Get a token's client with {@link botApi} and `call(method, params, options)` it.
 */

export { BotApi, type BotApiOptions, type CallOptions } from './client.ts';
export type { Clock } from './clock.ts';
export { systemClock } from './clock.ts';
export {
  botIdOf,
  isTelegramCallError,
  type NoAnswerKind,
  type ResponseParameters,
  scrubTokens,
  TelegramApiError,
  type TelegramCallError,
  TelegramNoAnswerError,
} from './errors.ts';
export { DEFAULT_BREATHER_MS } from './flood.ts';
export { DEFAULT_TIMEOUT_MS, isPacedMethod, LONG_POLL_MARGIN_MS, PACED_METHODS } from './methods.ts';
export { type PacingLimits, TELEGRAM_LIMITS } from './pacing.ts';
export { botApi, IDLE_MS } from './registry.ts';
export {
  backoffMs,
  type FailureKind,
  failureKind,
  RETRY_RULES,
  type RetryRule,
  retryRuleFor,
} from './retry.ts';
