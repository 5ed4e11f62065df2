/**
 * Audit events in words for the panel: the action as a phrase, who acted, and the detail summarised.
 * Names and addresses the API passes through (usernames, user agents, bot names) are isolated
 * (format.ts `isolate`), so a right-to-left override in one cannot reverse the rest of the row.
 */
import type { AuditEvent, JsonValue } from './api/types.ts';
import { isolate } from './format.ts';

type Translate = (key: string, named?: Record<string, unknown>) => string;
type Exists = (key: string) => boolean;

/** The action groups the admin's filter offers (the API's `action=<group>.`). */
export const AUDIT_GROUPS = ['auth', 'session', 'tenant', 'bot', 'lottery', 'invite'] as const;

/** The i18n key of an action: `auth.signed_in` → `audit.actions.auth_signed_in`. */
function actionKey(action: string): string {
  return `audit.actions.${action.replace(/[^a-z0-9_]/gi, '_')}`;
}

/** The action as a phrase ("Signed in"); an action the panel does not know yet shows as it is. */
export function actionText(action: string, t: Translate, te: Exists): string {
  const key = actionKey(action);
  return te(key) ? t(key) : action;
}

/** Who acted: the platform, the tenant the event is about by name, or the raw `tenant:<id>`. */
export function actorText(event: AuditEvent, t: Translate): string {
  if (event.actor === 'system') return t('audit.system');
  if (event.tenant_name !== null && event.actor === `tenant:${event.tenant_id}`) return event.tenant_name;
  return event.actor;
}

function valueText(key: string, value: JsonValue, t: Translate, te: Exists): string {
  if (key === 'scope' && typeof value === 'string' && te(`audit.scope.${value}`))
    return t(`audit.scope.${value}`);
  if (typeof value === 'string') return isolate(value);
  if (value === null || typeof value !== 'object') return String(value);
  const text = JSON.stringify(value);
  return isolate(text.length > 80 ? `${text.slice(0, 79)}…` : text);
}

/** The detail as "label: value" parts joined by " · " (labels translated where known). */
export function detailText(detail: Record<string, JsonValue>, t: Translate, te: Exists): string {
  return Object.entries(detail)
    .map(([key, value]) => {
      const label = te(`audit.fields.${key}`) ? t(`audit.fields.${key}`) : key;
      return `${label}: ${valueText(key, value, t, te)}`;
    })
    .join(' · ');
}

/** A security event as one sentence for the account page ("3 wrong passwords from 203.0.113.66 …"). */
export function securityText(event: AuditEvent, t: Translate, te: Exists): string {
  const d = event.detail;
  const address = typeof d.address === 'string' ? isolate(d.address) : null;
  if (event.action === 'auth.throttled' && address) {
    return t('audit.throttledSentence', { failures: d.failures ?? '?', address, delay: d.delay_s ?? '?' });
  }
  const what = actionText(event.action, t, te);
  return address ? t('audit.fromAddress', { what, address }) : what;
}
