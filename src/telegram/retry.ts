/**
 * The retry policy, as one table and one backoff function.
 *
 * A failure is of one {@link FailureKind}; a method's {@link RetryRule} says which kinds are retried and
 * how many attempts are made in all. Methods not in {@link RETRY_RULES} are tried once. Retried are the
 * idempotent calls only, where asking twice does no harm:
 *
 * - getMe, getChat, getChatAdministrators, getWebhookInfo: 5 attempts on flood, server, network, timeout
 *   (reads);
 * - deleteWebhook, setWebhook: the same (setting the same state twice is the same state);
 * - getChatMember: once — idempotent, but its callers (a join press, a draw over thousands of winners)
 *   have a time budget and an answer for "cannot verify" (F11);
 * - getUpdates: once — Telegraf's polling loop retries it itself (after `retry_after`, or 5 s) and reports
 *   each failure, which the bot's degraded status needs;
 * - sends (sendMessage, editMessageText, …) and every other method: once — after a network error or a 5xx
 *   a message may have been delivered, and a blind retry sends it twice. The outbox decides (it persists
 *   the row and retries with its own backoff).
 *
 * A caller may ask for fewer or more attempts (`attempts` in the call's options): the web's token check
 * tries once (a person is waiting and can press again), the bot's start-up getMe retries until it stops.
 * Waits: after a 429, `retry_after` seconds (shared by every caller of the token, flood.ts); otherwise
 * {@link backoffMs}: 1 s doubling to 10 s, with ±20 % jitter.
 */
import { TelegramApiError, type TelegramCallError, TelegramNoAnswerError } from './errors.ts';

/** What went wrong, as far as retrying cares. */
export type FailureKind =
  /** 429 Too Many Requests (Telegram asks to wait `retry_after`). */
  | 'flood'
  /** 5xx: an error answer of Telegram, or an HTTP 5xx with a body that is not the Bot API's. */
  | 'server'
  /** No connection, a cut connection, or an answer that is not the Bot API's (not 5xx). */
  | 'network'
  /** No complete answer within the call's timeout. */
  | 'timeout';

/** How a method is retried. */
export interface RetryRule {
  /** Attempts in all (1: never retried). */
  readonly attempts: number;
  /** The failures retried. */
  readonly on: readonly FailureKind[];
}

const TRANSIENT: readonly FailureKind[] = ['flood', 'server', 'network', 'timeout'];

/** Tried once, never retried. */
export const NO_RETRY: RetryRule = { attempts: 1, on: [] };

/** The retry table (see the module comment for the reasons). */
export const RETRY_RULES: Readonly<Record<string, RetryRule>> = {
  getMe: { attempts: 5, on: TRANSIENT },
  getChat: { attempts: 5, on: TRANSIENT },
  getChatAdministrators: { attempts: 5, on: TRANSIENT },
  getWebhookInfo: { attempts: 5, on: TRANSIENT },
  deleteWebhook: { attempts: 5, on: TRANSIENT },
  setWebhook: { attempts: 5, on: TRANSIENT },
  getChatMember: NO_RETRY,
  getUpdates: NO_RETRY,
};

/** The rule of `method` ({@link NO_RETRY} for a method not in the table, which includes every send). */
export function retryRuleFor(method: string): RetryRule {
  return Object.hasOwn(RETRY_RULES, method) ? RETRY_RULES[method]! : NO_RETRY;
}

/** The kind of a failure, or null for one that is never retried (another 4xx, the caller aborting). */
export function failureKind(err: TelegramCallError): FailureKind | null {
  if (err instanceof TelegramApiError) {
    if (err.code === 429) return 'flood';
    if (err.code >= 500) return 'server';
    return null;
  }
  if (err instanceof TelegramNoAnswerError) {
    if (err.kind === 'aborted') return null;
    if (err.kind === 'timeout') return 'timeout';
    if (err.status !== undefined && err.status >= 500) return 'server';
    return 'network';
  }
  return null;
}

/** First backoff wait, and its cap (ms). */
export const BACKOFF_FIRST_MS = 1000;
export const BACKOFF_MAX_MS = 10_000;
/** Jitter: the wait is scaled by a factor in [1 − JITTER, 1 + JITTER]. */
export const BACKOFF_JITTER = 0.2;

/**
 * The wait before retry number `retry` (1 for the first retry), in ms: 1 s doubling up to 10 s, scaled by
 * a random factor in [0.8, 1.2] and never above 10 s. `random` returns a number in [0, 1).
 */
export function backoffMs(retry: number, random: () => number = Math.random): number {
  const base = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** Math.max(0, Math.min(retry - 1, 20)));
  const factor = 1 - BACKOFF_JITTER + 2 * BACKOFF_JITTER * random();
  return Math.min(BACKOFF_MAX_MS, Math.round(base * factor));
}
