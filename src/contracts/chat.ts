/**
 * Telegram's chat vocabulary as the platform stores it, declared once: chat types and a chat member's status
 * (Bot API `Chat.type`, `ChatMember.status`). The database's CHECK constraints are tested against these.
 */

/** Bot API `Chat.type`. */
export const CHAT_TYPES = ['private', 'group', 'supergroup', 'channel'] as const;
export type ChatType = (typeof CHAT_TYPES)[number];

/** Bot API `ChatMember.status`: the bot's own in each chat (`chats.bot_status`). */
export const CHAT_MEMBER_STATUSES = [
  'creator',
  'administrator',
  'member',
  'restricted',
  'left',
  'kicked',
] as const;
export type ChatMemberStatus = (typeof CHAT_MEMBER_STATUSES)[number];
