/**
 * Reading the audit log: the platform admin reads all of it (with filters); every account reads its own
 * security events — its sign-ins, the sign-in delays imposed on guesses at its password, password
 * changes, sessions ended, and its account being registered, disabled or enabled. A delay imposed on a
 * whole address (`scope: address`) names no account, so it is only in the admin's log.
 */

import { type AuditRecord, auditRepository } from '../../db/repositories/audit.ts';
import type { Sql } from '../../db/sql.ts';
import { requireAdmin } from './admin-service.ts';
import type { AuthContext } from './auth-service.ts';

/** The actions an account sees about itself (GET /api/me/audit). */
export const SECURITY_ACTIONS = [
  'auth.signed_in',
  'auth.throttled',
  'tenant.password_changed',
  'session.ended',
  'session.others_ended',
  'tenant.registered',
  'tenant.disabled',
  'tenant.enabled',
] as const;

export interface AuditPageRequest {
  before?: number | undefined;
  limit: number;
}

export class AuditService {
  constructor(private readonly sql: Sql) {}

  /**
   * A page of the whole log, newest first; one row more than `limit` when there is a next page.
   * @throws ApiError forbidden for anyone but the platform admin
   */
  async forAdmin(
    actor: AuthContext,
    query: AuditPageRequest & { action?: string | undefined; tenant_id?: number | undefined },
  ): Promise<AuditRecord[]> {
    requireAdmin(actor);
    return auditRepository.list(this.sql, {
      before: query.before,
      limit: query.limit + 1,
      action: query.action,
      tenantId: query.tenant_id,
    });
  }

  /** A page of the account's own security events, newest first; one row more when there is a next page. */
  async forAccount(auth: AuthContext, query: AuditPageRequest): Promise<AuditRecord[]> {
    return auditRepository.list(this.sql, {
      before: query.before,
      limit: query.limit + 1,
      tenantId: auth.tenantId,
      actions: SECURITY_ACTIONS,
    });
  }
}
