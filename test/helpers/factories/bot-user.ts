/**
 * Who started a tenant's bot in private, and who blocked it (`bot_users`), recorded as the bot records
 * them from `/start` and `my_chat_member` (src/lottery/join.ts `recordStarted`, `recordBlocked`).
 */

import { toDateOrNull } from '../../../src/db/sql.ts';
import { recordBlocked, recordStarted } from '../../../src/lottery/index.ts';
import { type FactoryDb, sqlOf } from './door.ts';
import { uniqueUserId } from './unique.ts';

export interface BotUserOverrides {
  tenantId: number;
  /** Default: a fresh Telegram user id. */
  userId?: number;
  /** Default `en`. */
  languageCode?: string | null;
  /** Started the bot (default true). */
  started?: boolean;
  /** Blocked it afterwards (default false). */
  blocked?: boolean;
}

export interface BotUserRow {
  tenantId: number;
  userId: number;
  startedAt: Date | null;
  blockedAt: Date | null;
  languageCode: string | null;
}

/** Record the user. @returns the stored row */
export async function makeBotUser(db: FactoryDb, overrides: BotUserOverrides): Promise<BotUserRow> {
  const sql = sqlOf(db);
  const userId = overrides.userId ?? uniqueUserId();
  if (overrides.started ?? true) {
    await recordStarted(sql, overrides.tenantId, userId, overrides.languageCode ?? 'en');
  }
  if (overrides.blocked) await recordBlocked(sql, overrides.tenantId, userId);
  const [row] = await sql.query<{
    started_at: Date | string | null;
    blocked_at: Date | string | null;
    language_code: string | null;
  }>('select started_at, blocked_at, language_code from bot_users where tenant_id = ? and tg_user_id = ?', [
    overrides.tenantId,
    userId,
  ]);
  if (!row) throw new Error('makeBotUser: neither started nor blocked, nothing to record');
  return {
    tenantId: overrides.tenantId,
    userId,
    startedAt: toDateOrNull(row.started_at),
    blockedAt: toDateOrNull(row.blocked_at),
    languageCode: row.language_code,
  };
}
