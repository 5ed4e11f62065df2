/**
 * The outbox: every Telegram send a tenant's bot must perform, persisted before it is attempted, so a
 * send is never lost on restart and never made twice (`dedupe_key` is unique per tenant).
 */
import { defineEntity, type InferEntity, p } from '@mikro-orm/core';
import { OUTBOX_STATUSES } from '../../contracts/lottery.ts';
import { Tenant } from './tenant.ts';

export const OutboxMessage = defineEntity({
  name: 'OutboxMessage',
  tableName: 'outbox_messages',
  properties: {
    id: p.bigint('number').primary().autoincrement(),
    tenant: () => p.manyToOne(Tenant).deleteRule('cascade'),
    /** Bot API method, e.g. `sendMessage`. */
    method: p.text(),
    payload: p.json<Record<string, unknown>>(),
    status: p.enum([...OUTBOX_STATUSES]).default('pending'),
    attempts: p.integer().default(0),
    notBefore: p.datetime().onCreate(() => new Date()),
    dedupeKey: p.text().nullable(),
    /** What the send is for (src/lottery/outbox.ts OUTBOX_KINDS). */
    kind: p.text().nullable(),
    /** The row it concerns (a lottery post, a winner). */
    refId: p.bigint('number').nullable(),
    /** What the outcome handler needs besides `refId`; never sent. */
    meta: p.json<Record<string, unknown>>().default('{}'),
    lotteryId: p.integer().nullable(),
    winnerId: p.bigint('number').nullable(),
    errorCode: p.integer().nullable(),
    errorDescription: p.text().nullable(),
    result: p.json<unknown>().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
    sentAt: p.datetime().nullable(),
  },
});
export type OutboxMessage = InferEntity<typeof OutboxMessage>;
