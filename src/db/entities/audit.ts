/** An audit event: who did what to which subject, for the operator and the organiser to read back. */
import { defineEntity, type InferEntity, p } from '@mikro-orm/core';
import { Tenant } from './tenant.ts';

export const AuditEvent = defineEntity({
  name: 'AuditEvent',
  tableName: 'audit_events',
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    tenant: () => p.manyToOne(Tenant).nullable().deleteRule('set null'),
    /** `tenant:<id>`, `system`, `supervisor`, ... */
    actor: p.text(),
    action: p.text(),
    subject: p.text().nullable(),
    detail: p.json<Record<string, unknown>>().default('{}'),
    createdAt: p.datetime().onCreate(() => new Date()),
  },
});
export type AuditEvent = InferEntity<typeof AuditEvent>;
