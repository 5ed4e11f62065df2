/**
 * What the panel and `GET /api/bot` show as a bot's state: the supervisor's last report, read through
 * its freshness. A `running` bot is shown
 *
 * - `unknown` (reason `not-reporting`) when its last heartbeat in `bot_status` is older than
 *   {@link STATUS_FRESH_MS}: the supervisor (or the bot) stopped reporting, so "running" is no longer
 *   known to be true;
 * - `degraded` (reason `polling-failing`, Telegram's answer in the detail) while its getUpdates fails;
 * - `isolated` while it runs in a bot host of its own (`bot_status.isolation` says why: `crash-loop`,
 *   `event-loop-blocked`, `memory`): it harmed the bots it shared a host with, and keeps working alone.
 *
 * A bot in a passing state (`idle`, `starting`, `restarting`) is shown `unknown` (`not-reporting`) when
 * that state was reported longer ago than {@link TRANSIENT_FRESH_MS}: no machine stays in one that long,
 * so the supervisor has stopped reporting (it was killed mid-restart, say). `stopped` is shown as
 * reported: it lasts until something changes.
 */
import type { BotState, TenantState } from '../../contracts/bot.ts';

/**
 * How old the last heartbeat of a running bot may be (ms). The supervisor writes a heartbeat alone at
 * most every 30 s (status-mirror.ts) from a store that records one at most every 15 s, so a healthy
 * bot's row is at most ~45 s old; three write intervals leave room for a slow database.
 */
export const STATUS_FRESH_MS = 90_000;

/**
 * How old a report of a passing state may be (ms): the longest restart backoff with its jitter
 * (machines/policy.ts: 60 s × 1.2), then a start's timeout (30 s), and room for the write.
 */
export const TRANSIENT_FRESH_MS = 120_000;

const TRANSIENT: ReadonlySet<TenantState> = new Set(['idle', 'starting', 'restarting']);

/** The states shown (src/contracts/bot.ts `BOT_STATES`). */
export type ShownState = BotState;

/**
 * The state to show for a reported `state`/`reason`/`isolation` whose last heartbeat is `reportAgeMs`
 * old (ms). The reason is the reported one, except `not-reporting` for `unknown`.
 */
export function shownState(
  status: { state: TenantState; reason: string | null; reportAgeMs: number; isolation?: string | null },
  freshMs = STATUS_FRESH_MS,
  transientFreshMs = TRANSIENT_FRESH_MS,
): { state: ShownState; reason: string | null } {
  if (TRANSIENT.has(status.state) && status.reportAgeMs > transientFreshMs)
    return { state: 'unknown', reason: 'not-reporting' };
  if (status.state !== 'running') return { state: status.state, reason: status.reason };
  // One state is shown, so the most urgent truth wins: not-reporting > degraded > isolated > running.
  // - not-reporting first: without a fresh heartbeat nothing else in the row is known to hold now
  //   (the bot may have stopped polling, or moved hosts, since);
  // - degraded before isolated: updates are waiting at Telegram, which organisers notice and may have
  //   to act on, while an isolated bot serves everyone; the isolation is still in `isolation_reason`;
  // - isolated before running: true of a running bot, and says why it has a host of its own.
  if (status.reportAgeMs > freshMs) return { state: 'unknown', reason: 'not-reporting' };
  if (status.reason === 'polling-failing') return { state: 'degraded', reason: status.reason };
  if (status.isolation) return { state: 'isolated', reason: status.reason };
  return { state: 'running', reason: status.reason };
}
