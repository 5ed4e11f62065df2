/** Schemas of the audit log reads: `GET /api/admin/audit` and `GET /api/me/audit`. */
import { z } from 'zod';
import type { AuditRecord } from '../../db/repositories/audit.ts';
import { instant, iso } from './common.ts';

const limit = z.coerce
  .number({ error: 'must be a number' })
  .int({ error: 'must be a whole number' })
  .min(1, { error: 'must be at least 1' })
  .max(200, { error: 'must be at most 200' })
  .default(50);

const before = z
  .string()
  .regex(/^[0-9]{1,15}$/, { error: 'must be an event id (a positive whole number)' })
  .transform(Number)
  .pipe(z.number().int().min(1, { error: 'must be at least 1' }))
  .optional()
  .describe('the `next_before` of the previous page: only events older than this id');

/** The account's own security events: a page of them. */
export const ownAuditQuery = z.strictObject({ before, limit });

/** The whole log, for the platform admin, with filters. */
export const adminAuditQuery = z.strictObject({
  before,
  limit,
  action: z
    .string()
    .regex(/^[a-z_]{1,40}(\.([a-z_]{1,40})?)?$/, {
      error: 'must be an action such as "auth.signed_in", or a group ending with "." such as "auth."',
    })
    .optional()
    .describe('an action (`auth.signed_in`) or a group of them (`auth.`)'),
  tenant_id: z
    .string()
    .regex(/^[0-9]{1,10}$/, { error: 'must be a tenant id (a positive whole number)' })
    .transform(Number)
    .pipe(
      z.number().int().min(1, { error: 'must be at least 1' }).max(2_147_483_647, { error: 'is too large' }),
    )
    .optional(),
});

/**
 * Any JSON value. Named (`id`) because it is recursive: fastify-type-provider-zod 7 leaves out the
 * definitions of an unnamed recursive schema (`z.json()`), so the document referred to nothing; a named
 * one becomes `components.schemas.JsonValue`, which refers to itself.
 */
const jsonValue: z.ZodType<z.core.util.JSONType> = z
  .lazy(() =>
    z.union([
      z.string(),
      z.number(),
      z.boolean(),
      z.null(),
      z.array(jsonValue),
      z.record(z.string(), jsonValue),
    ]),
  )
  .meta({ id: 'JsonValue', description: 'any JSON value' });

export const auditEventView = z
  .object({
    id: z.number().int(),
    at: instant,
    tenant_id: z.number().int().nullable().describe('the tenant the event is about; null for none'),
    tenant_name: z.string().nullable().describe("that tenant's username"),
    actor: z.string().describe('`tenant:<id>` of whoever acted, or `system`'),
    action: z.string().describe('dotted verb, e.g. `auth.signed_in`'),
    subject: z.string().nullable(),
    detail: z.record(z.string(), jsonValue).describe('what else is known: address, user agent, counts, ...'),
  })
  .describe('AuditEvent');

export const auditPageView = z
  .object({
    items: z.array(auditEventView),
    next_before: z
      .number()
      .int()
      .nullable()
      .describe('pass as `before` for the next (older) page; null on the last page'),
  })
  .describe('AuditPage');

export type AuditPageView = z.output<typeof auditPageView>;

/** A page of records → the response (`next_before` set when the page is full). */
export function toAuditPage(rows: AuditRecord[], limit: number): AuditPageView {
  const items = rows.slice(0, limit).map((row) => ({
    id: row.id,
    at: iso(row.createdAt),
    tenant_id: row.tenantId,
    tenant_name: row.tenantName,
    actor: row.actor,
    action: row.action,
    subject: row.subject,
    detail: row.detail as Record<string, z.core.util.JSONType>,
  }));
  return { items, next_before: rows.length > limit ? (items.at(-1)?.id ?? null) : null };
}
