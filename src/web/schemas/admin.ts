/** Schemas of the platform admin's routes. */

import { z } from 'zod';
import { ROLES } from '../../contracts/account.ts';
import { BOT_STATES, ISOLATION_REASONS } from '../../contracts/bot.ts';
import type { TenantListItem, TenantRecord } from '../../db/repositories/tenants.ts';
import { NODE_STATES, type NodeListItem } from '../services/admin-service.ts';
import { shownState } from '../services/bot-liveness.ts';
import { isolationReason } from './bot.ts';
import { instant, iso } from './common.ts';

export const tenantIdParams = z.strictObject({
  id: z
    .string()
    .regex(/^[0-9]{1,10}$/, { error: 'must be a tenant id (a positive whole number)' })
    .transform(Number)
    .pipe(
      z.number().int().min(1, { error: 'must be at least 1' }).max(2_147_483_647, { error: 'is too large' }),
    ),
});

export const tenantListQuery = z.strictObject({
  limit: z.coerce
    .number({ error: 'must be a number' })
    .int({ error: 'must be a whole number' })
    .min(1, { error: 'must be at least 1' })
    .max(500, { error: 'must be at most 500' })
    .default(100),
  offset: z.coerce
    .number({ error: 'must be a number' })
    .int({ error: 'must be a whole number' })
    .min(0, { error: 'must not be negative' })
    .max(1_000_000_000, { error: 'is too large' })
    .default(0),
});

export const tenantView = z
  .object({
    id: z.number().int(),
    username: z.string(),
    role: z.enum(ROLES),
    disabled: z.boolean(),
    created_at: instant,
  })
  .describe('Tenant');

export const tenantListView = z
  .object({
    total: z.number().int(),
    items: z.array(
      tenantView.extend({
        bot: z
          .object({
            username: z.string().nullable(),
            enabled: z.boolean(),
            state: z
              .enum(BOT_STATES)
              .nullable()
              .describe(
                'as GET /api/bot shows it (degraded, isolated, unknown, ...); null before its first report',
              ),
            reason: z.string().nullable(),
            isolation_reason: z
              .enum(ISOLATION_REASONS)
              .nullable()
              .describe(
                'why it runs in a bot host of its own (crash-loop, event-loop-blocked, memory); null while it shares one',
              ),
            host_id: z.string().nullable().describe('the bot host it runs in; null when it runs nowhere'),
          })
          .nullable()
          .describe('null when the tenant has no bot config'),
      }),
    ),
  })
  .describe('TenantList');

export const nodeListView = z
  .object({
    items: z.array(
      z
        .object({
          node_id: z.string().describe('unique per run: name:pid:random'),
          name: z.string().describe('NODE_NAME, or the host name'),
          pid: z.number().int().nullable(),
          started_at: instant,
          heartbeat_at: instant.describe('its last renewal (ISO-8601 date-time)'),
          state: z
            .enum(NODE_STATES)
            .describe(
              'live (renewing its leases), stopping (shutting down, handing its bots over) or lost (not renewed within its lease time)',
            ),
          bots: z.number().int().describe('the bots it runs now (live leases)'),
        })
        .describe('SupervisorNode'),
    ),
  })
  .describe('SupervisorNodeList');

export const inviteView = z
  .object({
    code: z.string().describe('give it to the new organiser; shown only once'),
    expires_at: instant,
  })
  .describe('Invite');

export function toTenantView(tenant: TenantRecord): z.output<typeof tenantView> {
  return {
    id: tenant.id,
    username: tenant.username,
    role: tenant.role,
    disabled: tenant.disabled,
    created_at: iso(tenant.createdAt),
  };
}

export function toTenantListItem(item: TenantListItem): z.output<typeof tenantListView>['items'][number] {
  const bot = item.bot;
  return {
    ...toTenantView(item),
    bot: bot && {
      username: bot.username,
      enabled: bot.enabled,
      ...(bot.state === null
        ? { state: null, reason: bot.reason }
        : shownState({
            state: bot.state,
            reason: bot.reason,
            reportAgeMs: bot.reportAgeMs ?? 0,
            isolation: bot.isolation,
          })),
      isolation_reason: isolationReason(bot.isolation),
      host_id: bot.hostId,
    },
  };
}

/** A supervisor node as `GET /api/admin/nodes` answers it. */
export function toNodeItem(node: NodeListItem): z.output<typeof nodeListView>['items'][number] {
  return {
    node_id: node.nodeId,
    name: node.name,
    pid: node.pid,
    started_at: iso(node.startedAt),
    heartbeat_at: iso(node.heartbeatAt),
    state: node.state,
    bots: node.bots,
  };
}
