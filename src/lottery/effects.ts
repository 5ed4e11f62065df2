/**
 * What a send's outcome changes besides the outbox row: a post's message id, the entry count a post
 * shows, a winner's delivery status (F7), a user's "blocked the bot" mark. Also the classification of
 * Telegram's refusals into final (never retried) and the F7 delivery outcomes.
 * Texts matched: https://core.telegram.org/api/errors and docs/telegram-faults.md (F7, F17).
 */

import type { DeliveryStatus } from '../contracts/lottery.ts';
import type { Sql } from '../db/sql.ts';
import { recordBlocked } from './bot-users-store.ts';
import type { OutboxRow } from './outbox.ts';
import { recordPostSent, recordShownCount } from './posts-store.ts';
import { recordDelivered, recordUndelivered } from './winners-store.ts';

/** The F7 outcome of a private message Telegram refused with `description`. */
export function deliveryStatusOf(errorCode: number | null, description: string): DeliveryStatus {
  const text = description.toLowerCase();
  if (errorCode === 403) {
    if (text.includes('blocked by the user')) return 'blocked';
    if (text.includes("can't initiate conversation") || text.includes('cannot initiate conversation'))
      return 'never-started';
    if (text.includes('deactivated')) return 'deactivated';
  }
  if (text.includes('chat not found') && errorCode === 400) return 'never-started';
  return 'failed';
}

/** "message is not modified": an edit that changes nothing counts as done (F17). */
export function isNotModified(errorCode: number | null, description: string): boolean {
  return errorCode === 400 && description.toLowerCase().includes('message is not modified');
}

/** Applies a successful send's result. */
export async function applySent(sql: Sql, row: OutboxRow, result: unknown): Promise<void> {
  if (row.kind === 'post' && row.refId !== null) {
    const messageId = (result as { message_id?: unknown } | null)?.message_id;
    if (typeof messageId === 'number') {
      await recordPostSent(sql, row.refId, messageId);
    }
  } else if ((row.kind === 'count-edit' || row.kind === 'post-edit') && row.refId !== null) {
    const shown = row.meta.entryCount;
    if (typeof shown === 'number') {
      await recordShownCount(sql, row.refId, shown);
    }
  } else if (row.kind === 'winner-dm' && row.winnerId !== null) {
    await recordDelivered(sql, row.winnerId);
  }
}

/** Applies a final refusal (no retry). */
export async function applyFailed(
  sql: Sql,
  row: OutboxRow,
  errorCode: number | null,
  description: string,
): Promise<void> {
  if (row.kind === 'winner-dm' && row.winnerId !== null) {
    const status = deliveryStatusOf(errorCode, description);
    await recordUndelivered(sql, row.winnerId, status, `${errorCode ?? ''} ${description}`.trim());
    const chatId = Number(row.payload.chat_id);
    if (status === 'blocked' && Number.isSafeInteger(chatId)) {
      await recordBlocked(sql, row.tenantId, chatId);
    }
  }
}
