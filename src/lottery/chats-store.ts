/**
 * The home of the `chats` table's SQL: the chats each tenant's bot is in, kept current from `my_chat_member`
 * (Bot API `ChatMemberUpdated`), and which of them the bot administers.
 */
import type { ChatMemberStatus } from '../contracts/chat.ts';
import type { Sql } from '../db/sql.ts';

/** What `my_chat_member` says of a group or channel the bot is in. */
export interface ChatMembership {
  chatId: number;
  type: string;
  title: string | null;
  username: string | null;
  botStatus: ChatMemberStatus;
  /** The bot's boolean rights in the chat (`can_post_messages`, …), as Telegram sent them. */
  rights: Record<string, boolean>;
}

/** Records the bot's membership in a chat (added, promoted, removed); clears an earlier failed check. */
export async function recordChat(sql: Sql, tenantId: number, chat: ChatMembership): Promise<void> {
  await sql.query(
    `insert into chats (tenant_id, chat_id, type, title, username, bot_status, rights)
     values (?, ?, ?, ?, ?, ?, ?::jsonb)
     on conflict (tenant_id, chat_id) do update set type = excluded.type, title = excluded.title,
       username = excluded.username, bot_status = excluded.bot_status, rights = excluded.rights,
       check_failed_at = null, check_error = null, updated_at = now()`,
    [
      tenantId,
      chat.chatId,
      chat.type,
      chat.title?.slice(0, 256) ?? null,
      chat.username,
      chat.botStatus,
      JSON.stringify(chat.rights),
    ],
  );
}

/** The chats among `chatIds` where the tenant's bot is creator or administrator. */
export async function adminChats(sql: Sql, tenantId: number, chatIds: number[]): Promise<Set<number>> {
  if (chatIds.length === 0) return new Set();
  const rows = await sql.query<{ chat_id: string }>(
    `select chat_id from chats where tenant_id = ? and chat_id = any(string_to_array(?, ',')::bigint[])
       and bot_status in ('creator', 'administrator')`,
    [tenantId, chatIds.join(',')],
  );
  return new Set(rows.map((r) => Number(r.chat_id)));
}

/** Marks a chat whose membership check failed (shown to the organiser with the chats). */
export async function flagChat(sql: Sql, tenantId: number, chatId: number, error: string): Promise<void> {
  await sql.query(
    'update chats set check_failed_at = now(), check_error = ? where tenant_id = ? and chat_id = ?',
    [error, tenantId, chatId],
  );
}

/** Titles of the tenant's chats by id (for "member of <chat>" lines): `@username`, else the title, else the id. */
export async function chatNames(sql: Sql, tenantId: number): Promise<Map<number, string>> {
  const rows = await sql.query<{ chat_id: string; title: string | null; username: string | null }>(
    'select chat_id, title, username from chats where tenant_id = ?',
    [tenantId],
  );
  return new Map(
    rows.map((r) => [Number(r.chat_id), r.username ? `@${r.username}` : (r.title ?? String(r.chat_id))]),
  );
}
