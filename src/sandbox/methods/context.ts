/**
 * What a Bot API method handler receives, and the chat rules shared by several methods: how a bot's
 * chat_id resolves to a conversation, and when a bot may write there (Telegram's 403s and 400s).
 */
import type { Logger } from '../../log/logger.ts';
import { badRequest, type ChatKindWord, forbidden, TG } from '../errors.ts';
import { type Conversation, isAdmin, isInChat, type SandboxBot, type SandboxChat } from '../model.ts';
import type { Params } from '../params.ts';
import type { SandboxState } from '../state.ts';
import type { WebhookDeliverer } from '../webhook.ts';

/** Told when the caller of a waiting method goes away. */
export interface CallerWatcher {
  callerGone(): void;
}

/** Who made a call, as much as a method that waits (getUpdates) needs to know. */
export interface Caller {
  /** True once the caller went away: closed its connection before the answer, or the sandbox closed. */
  readonly gone: boolean;
  /** Call `watcher.callerGone()` once if the caller goes away before the answer. */
  watch(watcher: CallerWatcher): void;
}

export interface MethodContext {
  state: SandboxState;
  bot: SandboxBot;
  params: Params;
  /** The client; a waiting method watches it to end at once when the client goes away. */
  caller: Caller;
  webhooks: WebhookDeliverer;
  logger: Logger;
}

/** A Bot API method: returns the `result`, or throws a BotApiError. */
export type MethodHandler = (ctx: MethodContext) => unknown;

/**
 * Resolve a bot's `chat_id` (an id or `@username`) to a conversation.
 * A positive id is a user: the private chat with the bot. `@username` finds public groups and channels.
 * @throws BotApiError 400 `chat not found`; 403 `bot can't send messages to bots` for another bot's id.
 */
export function resolveChat(state: SandboxState, bot: SandboxBot, chatId: number | string): Conversation {
  if (typeof chatId === 'string') {
    const chat = state.chatByUsername(chatId);
    if (!chat) throw badRequest(TG.chatNotFound);
    return { kind: 'chat', chat };
  }
  if (chatId > 0) {
    const user = state.users.get(chatId);
    if (user) return state.privateChat(bot, user);
    if (state.bots.has(chatId)) throw forbidden(TG.botToBot);
    throw badRequest(TG.chatNotFound);
  }
  const chat = state.chats.get(chatId);
  if (!chat) throw badRequest(TG.chatNotFound);
  return { kind: 'chat', chat };
}

export function kindWord(chat: SandboxChat): ChatKindWord {
  return chat.type;
}

/**
 * Check that `bot` may post into `conv`, in Telegram's order: a deactivated user, a user who blocked the
 * bot, a user who never started it (403); a bot kicked from or not in a group (403); a channel where
 * the bot cannot post or a group where it is restricted (400).
 */
export function assertCanWrite(state: SandboxState, bot: SandboxBot, conv: Conversation): void {
  if (conv.kind === 'private') {
    if (conv.user.deactivated) throw forbidden(TG.deactivated);
    if (conv.user.blockedBots.has(bot.id)) throw forbidden(TG.blocked);
    if (state.limits.requireStart && !conv.user.startedBots.has(bot.id)) throw forbidden(TG.cantInitiate);
    return;
  }
  const record = conv.chat.members.get(bot.id);
  if (record?.status === 'kicked') throw forbidden(TG.kicked(kindWord(conv.chat)));
  if (!isInChat(record)) throw forbidden(TG.notMember(kindWord(conv.chat)));
  if (conv.chat.type === 'channel') {
    if (!isAdmin(record) || (record?.status === 'administrator' && !record.rights.can_post_messages)) {
      throw badRequest(TG.needAdminInChannel);
    }
  }
  if (record?.status === 'restricted' && !record.canSendMessages) throw badRequest(TG.notEnoughRightsToSend);
}

/** The Telegram chat id of a conversation as its bot sees it; null for private chats (flood key). */
export function floodChatId(conv: Conversation): number | null {
  return conv.kind === 'private' ? null : conv.chat.id;
}
