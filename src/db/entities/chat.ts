/** A chat a tenant's bot was added to, promoted in or removed from (kept current from `my_chat_member`). */
import { defineEntity, type InferEntity, p } from '@mikro-orm/core';
import { CHAT_MEMBER_STATUSES, CHAT_TYPES } from '../../contracts/chat.ts';
import { Tenant } from './tenant.ts';

export const Chat = defineEntity({
  name: 'Chat',
  tableName: 'chats',
  properties: {
    tenant: () => p.manyToOne(Tenant).primary().deleteRule('cascade'),
    chatId: p.bigint('number').primary(),
    type: p.enum([...CHAT_TYPES]),
    title: p.string().length(256).nullable(),
    username: p.string().length(64).nullable(),
    botStatus: p.enum([...CHAT_MEMBER_STATUSES]),
    /** The bot's administrator rights as Telegram reports them (`ChatMemberAdministrator` fields). */
    rights: p.json<Record<string, boolean>>().default('{}'),
    /** The last time a membership check in this chat could not be made (F11), and why. */
    checkFailedAt: p.datetime().nullable(),
    checkError: p.text().nullable(),
    updatedAt: p
      .datetime()
      .onCreate(() => new Date())
      .onUpdate(() => new Date()),
  },
});
export type Chat = InferEntity<typeof Chat>;

/** A Telegram user as one tenant's bot knows them in private: started the bot (may be messaged), blocked it. */
export const BotUser = defineEntity({
  name: 'BotUser',
  tableName: 'bot_users',
  properties: {
    tenant: () => p.manyToOne(Tenant).primary().deleteRule('cascade'),
    tgUserId: p.bigint('number').primary(),
    startedAt: p.datetime().nullable(),
    blockedAt: p.datetime().nullable(),
    languageCode: p.string().length(16).nullable(),
    updatedAt: p.datetime().onCreate(() => new Date()),
  },
});
export type BotUser = InferEntity<typeof BotUser>;
