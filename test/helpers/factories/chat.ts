/**
 * Chats a tenant's bot is in (`chats`), recorded as the bot records them from `my_chat_member`
 * (src/lottery/chats-store.ts `recordChat`).
 */
import type { ChatMemberStatus } from '../../../src/contracts/chat.ts';
import { recordChat } from '../../../src/lottery/chats-store.ts';
import { type FactoryDb, sqlOf } from './door.ts';
import { uniqueChatId } from './unique.ts';

export interface ChatOverrides {
  tenantId: number;
  /** Default: a fresh channel id. */
  chatId?: number;
  /** `channel` (default), `supergroup` or `group`. */
  type?: string;
  /** Default `Chat <id>`. */
  title?: string;
  username?: string | null;
  /** The bot's status there: `administrator` (default), `member`, `left`, `kicked` … */
  botStatus?: ChatMemberStatus;
  /** The bot's rights (`can_post_messages` …), default none recorded. */
  rights?: Record<string, boolean>;
}

export interface ChatRow {
  tenantId: number;
  chatId: number;
  type: string;
  title: string;
  username: string | null;
  botStatus: ChatMemberStatus;
}

/** Record the chat (or update it, as a later `my_chat_member` does). @returns what was recorded */
export async function makeChat(db: FactoryDb, overrides: ChatOverrides): Promise<ChatRow> {
  const chatId = overrides.chatId ?? uniqueChatId();
  const chat: ChatRow = {
    tenantId: overrides.tenantId,
    chatId,
    type: overrides.type ?? 'channel',
    title: overrides.title ?? `Chat ${chatId}`,
    username: overrides.username ?? null,
    botStatus: overrides.botStatus ?? 'administrator',
  };
  await recordChat(sqlOf(db), chat.tenantId, { ...chat, rights: overrides.rights ?? {} });
  return chat;
}
