/** Writes `audit_events`: who did what to which subject. Never give it a token or a password. */
import type { Sql } from '../../db/sql.ts';

export interface AuditInput {
  /** The tenant the event is about (shown to that tenant). */
  tenantId: number | null;
  /** `tenant:<id>` of whoever acted, or `system`. */
  actor: string;
  /** Dotted verb, e.g. `bot.token_changed`. */
  action: string;
  subject?: string | null;
  detail?: Record<string, unknown>;
}

export const auditRepository = {
  /** Append one event. */
  async record(db: Sql, event: AuditInput): Promise<void> {
    await db.query(
      'insert into audit_events (tenant_id, actor, action, subject, detail) values (?, ?, ?, ?, ?::jsonb)',
      [event.tenantId, event.actor, event.action, event.subject ?? null, JSON.stringify(event.detail ?? {})],
    );
  },
};

/** The actor string for a tenant. */
export function tenantActor(tenantId: number): string {
  return `tenant:${tenantId}`;
}
