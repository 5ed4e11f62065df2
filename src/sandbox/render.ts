/**
 * Build the Bot API objects (User, Chat, Message, ChatMember, ChatFullInfo) from the sandbox model,
 * typed against @telegraf/types so a result never drifts from what Telegraf expects.
 */
import type {
  Chat,
  ChatFullInfo,
  ChatMember,
  InaccessibleMessage,
  Message,
  User,
  UserFromGetMe,
} from '@telegraf/types';
import {
  type Conversation,
  FULL_RIGHTS,
  type MemberRecord,
  type SandboxBot,
  type SandboxChat,
  type SandboxUser,
  type StoredMessage,
} from './model.ts';

/** Lookups render needs; SandboxState provides them. */
export interface RenderLookup {
  users: ReadonlyMap<number, SandboxUser>;
  bots: ReadonlyMap<number, SandboxBot>;
}

/** The Telegram service account that performs changes nobody in particular made. */
export const SERVICE_USER: User = { id: 777000, is_bot: false, first_name: 'Telegram' };

export function userObject(user: SandboxUser): User {
  const out: User = { id: user.id, is_bot: user.is_bot, first_name: user.first_name };
  if (user.last_name !== undefined) out.last_name = user.last_name;
  if (user.username !== undefined) out.username = user.username;
  if (user.language_code !== undefined) out.language_code = user.language_code;
  return out;
}

export function botUserObject(bot: SandboxBot): User {
  return { id: bot.id, is_bot: true, first_name: bot.first_name, username: bot.username };
}

/** getMe's result. https://core.telegram.org/bots/api#getme */
export function getMeObject(bot: SandboxBot): UserFromGetMe {
  return {
    id: bot.id,
    is_bot: true,
    first_name: bot.first_name,
    username: bot.username,
    can_join_groups: true,
    can_read_all_group_messages: bot.canReadAllGroupMessages,
    supports_inline_queries: false,
    can_connect_to_business: false,
    has_main_web_app: false,
  };
}

/** A user or bot by id, as a User object; undefined when unknown. */
export function anyUserObject(lookup: RenderLookup, id: number): User | undefined {
  if (id === SERVICE_USER.id) return SERVICE_USER;
  const user = lookup.users.get(id);
  if (user) return userObject(user);
  const bot = lookup.bots.get(id);
  return bot ? botUserObject(bot) : undefined;
}

export function groupChatObject(chat: SandboxChat): Chat {
  const base = { id: chat.id, title: chat.title, ...(chat.username ? { username: chat.username } : {}) };
  if (chat.type === 'group') return { ...base, type: 'group' };
  if (chat.type === 'supergroup') return { ...base, type: 'supergroup' };
  return { ...base, type: 'channel' };
}

export function privateChatObject(user: SandboxUser): Chat.PrivateChat {
  const out: Chat.PrivateChat = { id: user.id, type: 'private', first_name: user.first_name };
  if (user.last_name !== undefined) out.last_name = user.last_name;
  if (user.username !== undefined) out.username = user.username;
  return out;
}

/** The chat of a conversation as its bot sees it (a private chat is the user). */
export function conversationChat(conv: Conversation): Chat {
  return conv.kind === 'private' ? privateChatObject(conv.user) : groupChatObject(conv.chat);
}

/** getChat's result. https://core.telegram.org/bots/api#getchat */
export function chatFullInfo(conv: Conversation): ChatFullInfo {
  const extra = { accent_color_id: 0, max_reaction_count: 11 };
  if (conv.kind === 'private') return { ...privateChatObject(conv.user), ...extra };
  const chat = groupChatObject(conv.chat);
  return { ...chat, ...extra } as ChatFullInfo;
}

/** A stored message as the Bot API Message a bot receives or gets back. */
export function messageObject(lookup: RenderLookup, conv: Conversation, msg: StoredMessage): Message {
  const chat = conversationChat(conv);
  const base: Message.ServiceMessage = { message_id: msg.messageId, date: msg.date, chat };
  if (msg.sender.kind === 'chat' || chat.type === 'channel') base.sender_chat = chat;
  else {
    const from = anyUserObject(lookup, msg.sender.id);
    if (from) base.from = from;
  }
  if (msg.service?.newChatMembers) {
    const members = msg.service.newChatMembers
      .map((id) => anyUserObject(lookup, id))
      .filter((u) => u !== undefined);
    const first = members[0];
    const out: Message.NewChatMembersMessage = { ...base, new_chat_members: members };
    return first ? ({ ...out, new_chat_member: first, new_chat_participant: first } as Message) : out;
  }
  if (msg.service?.leftChatMember !== undefined) {
    const left = anyUserObject(lookup, msg.service.leftChatMember);
    if (left) return { ...base, left_chat_member: left } as Message.LeftChatMemberMessage;
  }
  const text = base as Message.TextMessage;
  text.text = msg.text;
  if (msg.entities.length > 0) text.entities = msg.entities;
  if (msg.editDate !== undefined) text.edit_date = msg.editDate;
  if (msg.replyMarkup && 'inline_keyboard' in msg.replyMarkup) {
    (text as Message.TextMessage & { reply_markup?: unknown }).reply_markup = msg.replyMarkup;
  }
  if (msg.replyToMessageId !== undefined) {
    const replied = conv.chat.log.messages.get(msg.replyToMessageId);
    if (replied && !replied.deleted) {
      text.reply_to_message = messageObject(lookup, conv, {
        ...replied,
        replyToMessageId: undefined,
      }) as never;
    }
  }
  return text;
}

/** The `message` of a callback query whose message is too old: only chat, id and date 0. */
export function inaccessibleMessage(conv: Conversation, messageId: number): InaccessibleMessage {
  return { chat: conversationChat(conv), message_id: messageId, date: 0 };
}

/** A membership as the Bot API ChatMember. `record` undefined means never in the chat (`left`). */
export function chatMemberObject(
  user: User,
  record: MemberRecord | undefined,
  isChannel: boolean,
): ChatMember {
  if (!record) return { user, status: 'left' };
  switch (record.status) {
    case 'creator':
      return {
        user,
        status: 'creator',
        is_anonymous: record.rights.is_anonymous,
        ...(record.customTitle ? { custom_title: record.customTitle } : {}),
      };
    case 'administrator': {
      const rights = { ...FULL_RIGHTS, ...record.rights };
      if (!isChannel) {
        rights.can_post_messages = false;
        rights.can_edit_messages = false;
      }
      return {
        user,
        status: 'administrator',
        can_be_edited: false,
        ...rights,
        ...(record.customTitle ? { custom_title: record.customTitle } : {}),
      };
    }
    case 'member':
      return { user, status: 'member' };
    case 'restricted':
      return {
        user,
        status: 'restricted',
        is_member: record.isMember,
        can_send_messages: record.canSendMessages,
        can_send_audios: record.canSendMessages,
        can_send_documents: record.canSendMessages,
        can_send_photos: record.canSendMessages,
        can_send_videos: record.canSendMessages,
        can_send_video_notes: record.canSendMessages,
        can_send_voice_notes: record.canSendMessages,
        can_send_polls: record.canSendMessages,
        can_send_other_messages: record.canSendMessages,
        can_add_web_page_previews: record.canSendMessages,
        can_change_info: false,
        can_invite_users: false,
        can_pin_messages: false,
        can_manage_topics: false,
        until_date: 0,
      };
    case 'left':
      return { user, status: 'left' };
    case 'kicked':
      return { user, status: 'kicked', until_date: 0 };
  }
}
