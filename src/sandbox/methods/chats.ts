/**
 * Chat information: getChat, getChatMember, getChatAdministrators, getChatMemberCount, and
 * answerCallbackQuery. https://core.telegram.org/bots/api#getchatmember
 */
import type { ChatFullInfo, ChatMember } from '@telegraf/types';
import { badRequest, TG } from '../errors.ts';
import { type Conversation, isAdmin, isInChat } from '../model.ts';
import { anyUserObject, chatFullInfo, chatMemberObject } from '../render.ts';
import { type MethodContext, type MethodHandler, resolveChat } from './context.ts';

/**
 * getChat: a private chat is known only once the user has started (or written to) the bot; a group or
 * channel is known to a bot that is, or was, in it, or by its public @username.
 * @throws BotApiError 400 `chat not found`.
 */
function getChat(ctx: MethodContext): ChatFullInfo {
  const conv = resolveChat(ctx.state, ctx.bot, ctx.params.chatId());
  if (conv.kind === 'private' && !conv.user.startedBots.has(ctx.bot.id)) throw badRequest(TG.chatNotFound);
  if (conv.kind === 'chat' && !conv.chat.username && !conv.chat.members.has(ctx.bot.id)) {
    throw badRequest(TG.chatNotFound);
  }
  return chatFullInfo(conv);
}

/** In a channel, the member list needs the bot to be an administrator (switch: memberListRequiresAdmin). */
function assertMemberListAccess(ctx: MethodContext, conv: Conversation): void {
  if (conv.kind !== 'chat' || conv.chat.type !== 'channel' || !ctx.state.limits.memberListRequiresAdmin)
    return;
  if (!isAdmin(conv.chat.members.get(ctx.bot.id))) throw badRequest(TG.memberListInaccessible);
}

/**
 * getChatMember. Outcomes, as Telegram gives them: `chat not found`; `invalid user_id specified`;
 * `user not found` (no such user); `member list is inaccessible` (a channel where the bot is not an
 * administrator, unless asking about itself); `member not found` (a deactivated account); otherwise the
 * member, with status `left` for a user never seen in the chat.
 */
function getChatMember(ctx: MethodContext): ChatMember {
  const { state, bot, params } = ctx;
  const conv = resolveChat(state, bot, params.chatId());
  const userId = params.userId();
  const user = anyUserObject(state, userId);
  if (!user || userId === 777000) throw badRequest(TG.userNotFound);
  if (userId !== bot.id) assertMemberListAccess(ctx, conv);
  if (state.users.get(userId)?.deactivated) throw badRequest(TG.memberNotFound);
  if (conv.kind === 'private') {
    if (userId === conv.user.id || userId === bot.id) return { user, status: 'member' };
    throw badRequest(TG.memberNotFound);
  }
  return chatMemberObject(user, conv.chat.members.get(userId), conv.chat.type === 'channel');
}

/** getChatAdministrators: creator and administrators. @throws 400 in a private chat. */
function getChatAdministrators(ctx: MethodContext): ChatMember[] {
  const { state, bot, params } = ctx;
  const conv = resolveChat(state, bot, params.chatId());
  if (conv.kind === 'private') throw badRequest(TG.noAdminsInPrivate);
  assertMemberListAccess(ctx, conv);
  const out: ChatMember[] = [];
  for (const [id, record] of conv.chat.members) {
    const user = anyUserObject(state, id);
    if (user && isAdmin(record)) out.push(chatMemberObject(user, record, conv.chat.type === 'channel'));
  }
  return out.sort((a, b) => (a.status === 'creator' ? -1 : b.status === 'creator' ? 1 : 0));
}

/** getChatMemberCount: members in the chat (2 for a private chat). */
function getChatMemberCount(ctx: MethodContext): number {
  const conv = resolveChat(ctx.state, ctx.bot, ctx.params.chatId());
  if (conv.kind === 'private') return 2;
  return [...conv.chat.members.values()].filter(isInChat).length;
}

/**
 * answerCallbackQuery: records the answer for the pressing user (the control API's press returns it).
 * @throws BotApiError 400 `query is too old and response timeout expired or query ID is invalid` for an
 *   unknown id, another bot's query, one already answered, or one past the callback timeout.
 */
function answerCallbackQuery(ctx: MethodContext): true {
  const { state, bot, params } = ctx;
  const id = params.string('callback_query_id') ?? '';
  const pending = state.callbacks.get(id);
  const timeout = state.limits.callbackTimeoutMs;
  if (
    !pending ||
    pending.botId !== bot.id ||
    pending.answer ||
    pending.expired ||
    state.clock.now() - pending.createdAt >= timeout
  ) {
    throw badRequest(TG.queryTooOld);
  }
  const text = params.string('text');
  if (text !== undefined && text.length > 200) throw badRequest('Bad Request: MESSAGE_TOO_LONG');
  pending.answer = {
    text: text ?? null,
    show_alert: params.bool('show_alert') ?? false,
    url: params.string('url') ?? null,
    cache_time: params.int('cache_time') ?? 0,
  };
  const waiters = pending.waiters.splice(0);
  for (const wake of waiters) wake(pending.answer);
  state.touch();
  return true;
}

export const chatMethods: Record<string, MethodHandler> = {
  getChat,
  getChatMember,
  getChatAdministrators,
  getChatMemberCount,
  answerCallbackQuery,
};
