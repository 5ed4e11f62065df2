/**
 * What the panel and `GET /api/bot` show as a bot's state: the supervisor's last report, read through
 * its freshness. A `running` bot is shown
 *
 * - `unknown` (reason `not-reporting`) when its last heartbeat in `bot_status` is older than
 *   {@link STATUS_FRESH_MS}: the supervisor (or the bot) stopped reporting, so "running" is no longer
 *   known to be true;
 * - `degraded` (reason `polling-failing`, Telegram's answer in the detail) while its getUpdates fails.
 *
 * Every other state is shown as reported.
 */

/**
 * How old the last heartbeat of a running bot may be (ms). The supervisor writes a heartbeat alone at
 * most every 30 s (status-mirror.ts) from a store that records one at most every 15 s, so a healthy
 * bot's row is at most ~45 s old; three write intervals leave room for a slow database.
 */
export const STATUS_FRESH_MS = 90_000;

export type ShownState = 'idle' | 'starting' | 'running' | 'degraded' | 'restarting' | 'stopped' | 'unknown';

/** The state to show for a reported `state`/`reason` whose last heartbeat is `reportAgeMs` old. */
export function shownState(
  status: { state: string; reason: string | null; reportAgeMs: number },
  freshMs = STATUS_FRESH_MS,
): { state: ShownState | string; reason: string | null } {
  if (status.state !== 'running') return { state: status.state, reason: status.reason };
  if (status.reportAgeMs > freshMs) return { state: 'unknown', reason: 'not-reporting' };
  if (status.reason === 'polling-failing') return { state: 'degraded', reason: status.reason };
  return { state: 'running', reason: status.reason };
}
