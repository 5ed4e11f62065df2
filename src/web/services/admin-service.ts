/**
 * What only the platform admin may do: list every tenant with its bot's state, disable or enable a
 * tenant, hand out invite codes (`REGISTRATION=invite`), and see the supervisor nodes sharing the
 * database (docs/operations.md, "Several nodes"). Disabling a tenant ends its sessions at
 * once and (through the tenants trigger's NOTIFY) makes the supervisor stop its bot.
 * The guard lets only admins reach these methods; the service re-checks the role anyway.
 */

import { auditRepository, tenantActor } from '../../db/repositories/audit.ts';
import { inviteRepository } from '../../db/repositories/invites.ts';
import { leaseRepository, type NodeRecord } from '../../db/repositories/leases.ts';
import { sessionRepository } from '../../db/repositories/sessions.ts';
import { type TenantListItem, type TenantRecord, tenantRepository } from '../../db/repositories/tenants.ts';
import type { Sql } from '../../db/sql.ts';
import { newInviteCode, sha256Hex } from '../auth/secrets.ts';
import { ApiError } from '../errors.ts';
import type { AuthContext } from './auth-service.ts';

/** Invite codes stay valid this long (ms). */
export const INVITE_TTL_MS = 7 * 24 * 3600_000;

/**
 * How the admin page shows a supervisor node: `live` (renewing its leases), `stopping` (live, shutting
 * down cleanly and handing its bots over), `lost` (not renewed within its lease time: dead, frozen or cut
 * off from the database; its leases expire and the other nodes take its bots).
 */
export const NODE_STATES = ['live', 'stopping', 'lost'] as const;
export type NodeState = (typeof NODE_STATES)[number];

/** A supervisor node with the state the admin page shows. */
export interface NodeListItem extends NodeRecord {
  state: NodeState;
}

/** A node's shown state: not live is lost (whether or not it was stopping), else stopping or live. */
export function nodeState(node: Pick<NodeRecord, 'live' | 'stopping'>): NodeState {
  if (!node.live) return 'lost';
  return node.stopping ? 'stopping' : 'live';
}

export class AdminService {
  constructor(private readonly sql: Sql) {}

  /** A page of tenants in id order, with the total count. */
  async listTenants(
    actor: AuthContext,
    page: { limit: number; offset: number },
  ): Promise<{ items: TenantListItem[]; total: number }> {
    requireAdmin(actor);
    return tenantRepository.list(this.sql, page);
  }

  /** Every supervisor node seen in the last day, newest first, with its state and the bots it runs. */
  async listNodes(actor: AuthContext): Promise<NodeListItem[]> {
    requireAdmin(actor);
    const nodes = await leaseRepository.nodes(this.sql);
    return nodes.map((node) => ({ ...node, state: nodeState(node) }));
  }

  /**
   * Disable or enable a tenant. Disabling ends the tenant's sessions.
   * @throws ApiError tenant_not_found, conflict (an admin disabling their own account)
   */
  async setDisabled(actor: AuthContext, tenantId: number, disabled: boolean): Promise<TenantRecord> {
    requireAdmin(actor);
    if (disabled && tenantId === actor.tenantId) {
      throw new ApiError(
        'conflict',
        'You cannot disable your own account: sign in as another admin to do it.',
      );
    }
    return this.sql.transaction(async (tx) => {
      const before = await tenantRepository.findById(tx, tenantId);
      if (!before) throw new ApiError('tenant_not_found', `There is no tenant with id ${tenantId}.`);
      const after = (await tenantRepository.setDisabled(tx, tenantId, disabled)) ?? before;
      const ended = disabled ? await sessionRepository.deleteForTenant(tx, tenantId) : 0;
      if (before.disabled !== disabled) {
        await auditRepository.record(tx, {
          tenantId,
          actor: tenantActor(actor.tenantId),
          action: disabled ? 'tenant.disabled' : 'tenant.enabled',
          subject: `tenant:${tenantId}`,
          detail: disabled ? { sessions_ended: ended } : {},
        });
      }
      return after;
    });
  }

  /** A new single-use invite code (shown once; only its hash is stored). */
  async createInvite(
    actor: AuthContext,
    now: number = Date.now(),
  ): Promise<{ code: string; expiresAt: Date }> {
    requireAdmin(actor);
    const code = newInviteCode();
    const expiresAt = new Date(now + INVITE_TTL_MS);
    await this.sql.transaction(async (tx) => {
      await inviteRepository.insert(tx, { codeHash: sha256Hex(code), createdBy: actor.tenantId, expiresAt });
      await auditRepository.record(tx, {
        tenantId: actor.tenantId,
        actor: tenantActor(actor.tenantId),
        action: 'invite.created',
        detail: { expires_at: expiresAt.toISOString() },
      });
    });
    return { code, expiresAt };
  }
}

/** @throws ApiError forbidden unless `actor` is the platform admin */
export function requireAdmin(actor: AuthContext): void {
  if (actor.role !== 'admin') throw new ApiError('forbidden', 'Only the platform admin may do this.');
}
