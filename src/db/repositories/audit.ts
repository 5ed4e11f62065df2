/**
 * Writes and reads `audit_events`: who did what to which subject. Never give it a token or a password.
 * Reads page newest first by id (`before` = the last id of the previous page), on the primary key or on
 * `(tenant_id, id)` (Migration20261202600000AuditIndex).
 */
import { type Sql, toDate } from '../sql.ts';

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

/** One stored event, with the username of the tenant it is about. */
export interface AuditRecord {
  id: number;
  tenantId: number | null;
  tenantName: string | null;
  actor: string;
  action: string;
  subject: string | null;
  detail: Record<string, unknown>;
  createdAt: Date;
}

/** What a read of the log selects; every field but `limit` is optional. */
export interface AuditFilter {
  /** Only events with an id below this (the cursor). */
  before?: number | undefined;
  /** At most this many rows. */
  limit: number;
  /** Only this action, or with a trailing `.` every action starting with it (`auth.`). */
  action?: string | undefined;
  /** Only events about this tenant. */
  tenantId?: number | undefined;
  /** Only these actions (the account's own security events). */
  actions?: readonly string[] | undefined;
}

interface AuditRow {
  id: string | number;
  tenant_id: number | null;
  tenant_name: string | null;
  actor: string;
  action: string;
  subject: string | null;
  detail: Record<string, unknown> | string | null;
  created_at: Date | string;
}

export const auditRepository = {
  /** Append one event. */
  async record(db: Sql, event: AuditInput): Promise<void> {
    await db.query(
      'insert into audit_events (tenant_id, actor, action, subject, detail) values (?, ?, ?, ?, ?::jsonb)',
      [event.tenantId, event.actor, event.action, event.subject ?? null, JSON.stringify(event.detail ?? {})],
    );
  },

  /** Events matching `filter`, newest (highest id) first. */
  async list(db: Sql, filter: AuditFilter): Promise<AuditRecord[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.before !== undefined) {
      where.push('a.id < ?');
      params.push(filter.before);
    }
    if (filter.tenantId !== undefined) {
      where.push('a.tenant_id = ?');
      params.push(filter.tenantId);
    }
    if (filter.action !== undefined) {
      // starts_with, not like: `_` in an action name is a like wildcard.
      where.push(filter.action.endsWith('.') ? 'starts_with(a.action, ?)' : 'a.action = ?');
      params.push(filter.action);
    }
    if (filter.actions !== undefined) {
      where.push(
        filter.actions.length ? `a.action in (${filter.actions.map(() => '?').join(', ')})` : 'false',
      );
      params.push(...filter.actions);
    }
    params.push(filter.limit);
    const rows = await db.query<AuditRow>(
      `select a.id, a.tenant_id, t.username as tenant_name, a.actor, a.action, a.subject, a.detail,
              a.created_at
         from audit_events a left join tenants t on t.id = a.tenant_id
        ${where.length ? `where ${where.join(' and ')}` : ''}
        order by a.id desc
        limit ?`,
      params,
    );
    return rows.map((row) => ({
      id: Number(row.id),
      tenantId: row.tenant_id,
      tenantName: row.tenant_name,
      actor: row.actor,
      action: row.action,
      subject: row.subject,
      detail: typeof row.detail === 'string' ? JSON.parse(row.detail) : (row.detail ?? {}),
      createdAt: toDate(row.created_at),
    }));
  },
};

/** The actor string for a tenant. */
export function tenantActor(tenantId: number): string {
  return `tenant:${tenantId}`;
}
