/**
 * Platform admin routes: `GET /api/admin/tenants`, `POST /api/admin/tenants/:id/disable`,
 * `POST /api/admin/tenants/:id/enable`, `POST /api/admin/invites`, `GET /api/admin/audit` (the audit log),
 * `GET /api/admin/nodes` (the supervisor nodes sharing the database).
 * Non-admins get 403.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { type Guard, signedIn } from '../auth/guard.ts';
import {
  inviteView,
  nodeListView,
  tenantIdParams,
  tenantListQuery,
  tenantListView,
  tenantView,
  toNodeItem,
  toTenantListItem,
  toTenantView,
} from '../schemas/admin.ts';
import { adminAuditQuery, auditPageView, toAuditPage } from '../schemas/audit.ts';
import { errorResponses, iso, SIGNED_IN } from '../schemas/common.ts';
import type { AdminService } from '../services/admin-service.ts';
import type { AuditService } from '../services/audit-service.ts';

export interface AdminRoutesOptions {
  admin: AdminService;
  audit: AuditService;
  guard: Guard;
}

const security = [{ session: [], csrf: [] }];

export const adminRoutes: FastifyPluginAsyncZod<AdminRoutesOptions> = async (
  app,
  { admin, audit, guard },
) => {
  app.addHook('onRequest', guard.admin);

  app.get(
    '/tenants',
    {
      schema: {
        tags: ['admin'],
        summary: 'Every tenant with its bot state',
        security,
        querystring: tenantListQuery,
        response: { 200: tenantListView, ...errorResponses(...SIGNED_IN) },
      },
    },
    async (request) => {
      const page = await admin.listTenants(signedIn(request), request.query);
      return { total: page.total, items: page.items.map(toTenantListItem) };
    },
  );

  for (const action of ['disable', 'enable'] as const) {
    app.post(
      `/tenants/:id/${action}`,
      {
        schema: {
          tags: ['admin'],
          summary:
            action === 'disable'
              ? 'Disable a tenant: ends its sessions, and the supervisor stops its bot'
              : 'Enable a tenant again',
          security,
          params: tenantIdParams,
          response: { 200: tenantView, ...errorResponses(...SIGNED_IN, 404, 409) },
        },
      },
      async (request) =>
        toTenantView(await admin.setDisabled(signedIn(request), request.params.id, action === 'disable')),
    );
  }

  app.get(
    '/nodes',
    {
      schema: {
        tags: ['admin'],
        summary:
          'The supervisor nodes seen in the last day, newest first: live, stopping or lost, and their bots',
        security,
        response: { 200: nodeListView, ...errorResponses(...SIGNED_IN) },
      },
    },
    async (request) => ({ items: (await admin.listNodes(signedIn(request))).map(toNodeItem) }),
  );

  app.post(
    '/invites',
    {
      schema: {
        tags: ['admin'],
        summary: 'Create a single-use invite code (REGISTRATION=invite), valid for 7 days',
        security,
        response: { 201: inviteView, ...errorResponses(...SIGNED_IN) },
      },
    },
    async (request, reply) => {
      const invite = await admin.createInvite(signedIn(request));
      return reply.code(201).send({ code: invite.code, expires_at: iso(invite.expiresAt) });
    },
  );

  app.get(
    '/audit',
    {
      schema: {
        tags: ['admin'],
        summary: 'The audit log, newest first: sign-ins, sign-in delays, account and admin actions',
        security,
        querystring: adminAuditQuery,
        response: { 200: auditPageView, ...errorResponses(...SIGNED_IN) },
      },
    },
    async (request) =>
      toAuditPage(await audit.forAdmin(signedIn(request), request.query), request.query.limit),
  );
};
