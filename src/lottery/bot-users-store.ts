/**
 * The home of the `bot_users` table's SQL: who started each tenant's bot in private chat (so it may message
 * them, F7) and who blocked it since (`my_chat_member` with status `kicked`, or a 403 to a winner's message).
 */
import type { Sql } from '../db/sql.ts';

/** Records that a user started the bot in private chat (clears an earlier block). */
export async function recordStartedUser(
  sql: Sql,
  tenantId: number,
  userId: number,
  languageCode: string | null,
): Promise<void> {
  await sql.query(
    `insert into bot_users (tenant_id, tg_user_id, started_at, language_code) values (?, ?, now(), ?)
     on conflict (tenant_id, tg_user_id) do update
       set started_at = now(), blocked_at = null, language_code = excluded.language_code, updated_at = now()`,
    [tenantId, userId, languageCode?.slice(0, 16) ?? null],
  );
}

/** Whether a user started the tenant's bot and has not blocked it since (so it may message them, F7). */
export async function hasStartedBot(sql: Sql, tenantId: number, userId: number): Promise<boolean> {
  const rows = await sql.query(
    'select 1 from bot_users where tenant_id = ? and tg_user_id = ? and started_at is not null and blocked_at is null',
    [tenantId, userId],
  );
  return rows.length > 0;
}

/** Records that a user blocked the bot (`my_chat_member` in private chat with status `kicked`). */
export async function recordBlocked(sql: Sql, tenantId: number, userId: number): Promise<void> {
  await sql.query(
    `insert into bot_users (tenant_id, tg_user_id, blocked_at) values (?, ?, now())
     on conflict (tenant_id, tg_user_id) do update set blocked_at = now(), updated_at = now()`,
    [tenantId, userId],
  );
}
