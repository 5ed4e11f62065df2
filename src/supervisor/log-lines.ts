/**
 * The supervisor's log lines, written for a person following the console (like the original system's),
 * one line per event, with the same data in pino fields for JSON logs. Never the token.
 */
import type { TenantLogParams } from '../../machines/tenant.ts';

/** The sentence for a tenant machine event. `botUsername` is known once the bot is running. */
export function tenantLogLine(
  p: TenantLogParams,
  botUsername: string | null,
): { level: 'info' | 'warn' | 'error'; text: string } {
  const who = `${p.tenantName} (tenant ${p.tenantId})`;
  const inS =
    p.delayMs !== undefined ? `${(p.delayMs / 1000).toFixed(p.delayMs < 10_000 ? 1 : 0)} s` : 'a moment';
  const detail = p.detail ? ` — ${p.detail}` : '';
  switch (p.event) {
    case 'starting':
      return {
        level: 'info',
        text: p.incarnation <= 1 ? `new config, starting bot: ${who}` : `starting bot: ${who}`,
      };
    case 'started':
      return { level: 'info', text: `[${p.tenantName}] bot started as @${botUsername ?? '?'}` };
    case 'restarting-config':
      return { level: 'info', text: `restarting bot: ${who} — config changed` };
    case 'restarting-operator':
      return { level: 'info', text: `restarting bot: ${who} — asked by an operator` };
    case 'exited-unexpectedly':
      return {
        level: 'warn',
        text: `bot exited unexpectedly: ${p.tenantName}; restarting in ${inS}${detail}`,
      };
    case 'conflict':
      return {
        level: 'warn',
        text: `bot ${who} got 409 Conflict (another poller on this token); retrying in ${inS}`,
      };
    case 'killed-heartbeat':
      return { level: 'warn', text: `bot ${who} stopped polling (no heartbeat); killing and restarting it` };
    case 'killed-start-timeout':
      return { level: 'warn', text: `bot ${who} did not become ready in time; killing and retrying` };
    case 'stop-timeout':
      return { level: 'warn', text: `bot ${who} did not stop in time; killed` };
    case 'crash-loop':
      return {
        level: 'error',
        text: `bot ${who} keeps crashing; stopped (crash-loop) until its config changes or an operator restarts it${detail}`,
      };
    case 'invalid-token':
      return {
        level: 'error',
        text: `bot ${who}: Telegram rejected the token (401); stopped until a new token is saved`,
      };
    case 'token-conflict':
      return {
        level: 'error',
        text: `bot ${who}: the token is used by another deployment (409 for too long); stopped (token-conflict)`,
      };
    case 'stopping-disabled':
      return { level: 'info', text: `stopping bot: tenant ${p.tenantId} — disabled or deleted` };
    case 'stopping-shutdown':
      return { level: 'info', text: `stopping bot: ${who} — shutting down` };
    case 'polling-failing':
      return {
        level: 'warn',
        text: `bot ${who} is degraded: Telegram refuses its polling (${p.detail ?? 'getUpdates failed'}); it keeps retrying`,
      };
    case 'polling-recovered':
      return { level: 'info', text: `bot ${who} polls again (no longer degraded)` };
    case 'terminated':
      return { level: 'info', text: `bot stopped: ${who}` };
    default:
      return { level: 'info', text: `${p.event}: ${who}${detail}` };
  }
}
