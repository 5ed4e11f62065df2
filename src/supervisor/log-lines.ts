/**
 * The supervisor's log lines, written for a person following the console (like the original system's),
 * one line per event, with the same data in pino fields for JSON logs. Never the token. The sentences
 * live in src/log/messages.ts, in the language of `LOG_LANG`.
 */
import type { TenantLogParams } from '../../machines/tenant.ts';
import { type LogLanguage, logMessages, type TenantWords } from '../log/messages.ts';

/**
 * The sentence for a tenant machine event. `botUsername` is known once the bot is running; `language`
 * defaults to the one set at start (LOG_LANG).
 */
export function tenantLogLine(
  p: TenantLogParams,
  botUsername: string | null,
  language?: LogLanguage,
): { level: 'info' | 'warn' | 'error'; text: string } {
  const m = logMessages(language).tenant;
  const t: TenantWords = {
    name: p.tenantName,
    id: p.tenantId,
    username: botUsername,
    delayS: p.delayMs !== undefined ? (p.delayMs / 1000).toFixed(p.delayMs < 10_000 ? 1 : 0) : null,
    detail: p.detail ? p.detail : null,
    reason: p.reason ?? null,
  };
  switch (p.event) {
    case 'starting':
      return { level: 'info', text: p.incarnation <= 1 ? m.startingNew(t) : m.starting(t) };
    case 'started':
      return { level: 'info', text: m.started(t) };
    case 'restarting-config':
      return { level: 'info', text: m.restartingConfig(t) };
    case 'restarting-operator':
      return { level: 'info', text: m.restartingOperator(t) };
    case 'exited-unexpectedly':
      return { level: 'warn', text: m.exitedUnexpectedly(t) };
    case 'conflict':
      return { level: 'warn', text: m.conflict(t) };
    case 'killed-heartbeat':
      return { level: 'warn', text: m.killedHeartbeat(t) };
    case 'killed-start-timeout':
      return { level: 'warn', text: m.killedStartTimeout(t) };
    case 'stop-timeout':
      return { level: 'warn', text: m.stopTimeout(t) };
    case 'crash-loop':
      return { level: 'error', text: m.crashLoop(t) };
    case 'invalid-token':
      return { level: 'error', text: m.invalidToken(t) };
    case 'token-conflict':
      return { level: 'error', text: m.tokenConflict(t) };
    case 'stopping-disabled':
      return { level: 'info', text: m.stoppingDisabled(t) };
    case 'stopping-shutdown':
      return { level: 'info', text: m.stoppingShutdown(t) };
    case 'polling-failing':
      return { level: 'warn', text: m.pollingFailing(t) };
    case 'polling-recovered':
      return { level: 'info', text: m.pollingRecovered(t) };
    case 'isolated':
      return { level: 'warn', text: m.isolated(t) };
    case 'unusable':
      // the supervisor's sentence: the config, not the bot, is at fault (the problem never holds the token)
      return {
        level: 'error',
        text: logMessages(language).supervisor.unusable(
          p.tenantName,
          p.tenantId,
          p.detail || (p.reason ?? 'unusable'),
        ),
      };
    case 'terminated':
      return { level: 'info', text: m.terminated(t) };
    default:
      return { level: 'info', text: m.other(String(p.event), t) };
  }
}
