/**
 * What people do in the sandbox's Telegram: start a bot, write, press inline buttons, block a bot,
 * delete their account, and what an admin does to chat membership. Each action stores what Telegram
 * would store and queues the updates Telegram would send to each bot.
 */
import type { ChatAdministratorRights, MessageEntity } from '@telegraf/types';
import { formatMessageText } from './entities/format.ts';
import { callbackQueryId, chatInstance } from './ids.ts';
import type {
  CallbackAnswer,
  Conversation,
  MemberRecord,
  MemberStatus,
  PendingCallback,
  SandboxBot,
  SandboxChat,
  SandboxUser,
  StoredMessage,
} from './model.ts';
import { FULL_RIGHTS, isAdmin, isInChat } from './model.ts';
import {
  anyUserObject,
  botUserObject,
  chatMemberObject,
  conversationChat,
  groupChatObject,
  inaccessibleMessage,
  messageObject,
  privateChatObject,
  SERVICE_USER,
  userObject,
} from './render.ts';
import { SandboxInputError, type SandboxState } from './state.ts';

function activeUser(state: SandboxState, userId: number): SandboxUser {
  const user = state.requireUser(userId);
  if (user.deactivated) throw new SandboxInputError(`user ${userId} is deactivated`);
  return user;
}

/** A user's view of `chatId`: a bot id means the private chat with that bot. */
export function userConversation(state: SandboxState, user: SandboxUser, chatId: number): Conversation {
  const bot = state.bots.get(chatId);
  if (bot) return state.privateChat(bot, user);
  return { kind: 'chat', chat: state.requireChat(chatId) };
}

/** Block or unblock `bot` for `user`; the bot gets `my_chat_member` (member ⇄ kicked) as in Telegram. */
export function setBlocked(state: SandboxState, userId: number, botId: number, blocked: boolean): void {
  const user = state.requireUser(userId);
  const bot = state.requireBot(botId);
  if (user.blockedBots.has(bot.id) === blocked) return;
  if (blocked) user.blockedBots.add(bot.id);
  else user.blockedBots.delete(bot.id);
  emitPrivateMembership(state, bot, user, blocked ? 'member' : 'kicked', blocked ? 'kicked' : 'member');
  state.touch();
}

function emitPrivateMembership(
  state: SandboxState,
  bot: SandboxBot,
  user: SandboxUser,
  from: 'member' | 'kicked',
  to: 'member' | 'kicked',
): void {
  const me = botUserObject(bot);
  const member = (status: 'member' | 'kicked') =>
    status === 'member' ? { user: me, status } : { user: me, status, until_date: 0 };
  bot.queue.push({
    my_chat_member: {
      chat: privateChatObject(user),
      from: userObject(user),
      date: state.unixNow(),
      old_chat_member: member(from),
      new_chat_member: member(to),
    },
  });
}

/** Deactivate (delete) a user's account: from now on the bots get 403 `user is deactivated`. */
export function deactivateUser(state: SandboxState, userId: number): void {
  state.requireUser(userId).deactivated = true;
  state.touch();
}

/**
 * The user presses START (or types `/start payload`) in the private chat with a bot: marks the bot as
 * started, unblocks it (with `my_chat_member` kicked → member if it was blocked) and sends the message
 * with its bot_command entity. A deep link `t.me/<bot>?start=<payload>` arrives as `/start <payload>`.
 */
export function startBot(
  state: SandboxState,
  userId: number,
  botId: number,
  payload?: string,
): StoredMessage {
  const user = activeUser(state, userId);
  const bot = state.requireBot(botId);
  if (payload !== undefined && !/^[A-Za-z0-9_-]{0,64}$/.test(payload)) {
    throw new SandboxInputError('a start payload is 0-64 characters of A-Z, a-z, 0-9, _ and -');
  }
  if (user.blockedBots.delete(bot.id)) emitPrivateMembership(state, bot, user, 'kicked', 'member');
  const text = payload ? `/start ${payload}` : '/start';
  return sendAsUser(state, userId, bot.id, text);
}

/**
 * The user writes `text` in `chatId` (a bot id = the private chat with that bot). The text gets
 * Telegram's automatic entities (bot_command, mention, hashtag, url). Delivery: the private chat's bot;
 * in groups, every bot in the chat that may see it (privacy mode: commands, replies to the bot, or the
 * bot is an admin or reads all messages); in channels (admins post) a `channel_post` to the bots there.
 * @throws SandboxInputError when the user may not write there.
 */
export function sendAsUser(
  state: SandboxState,
  userId: number,
  chatId: number,
  text: string,
  replyToMessageId?: number,
): StoredMessage {
  const user = activeUser(state, userId);
  const conv = userConversation(state, user, chatId);
  let formatted: { text: string; entities: MessageEntity[] };
  try {
    formatted = formatMessageText(text, { maxLength: state.limits.maxMessageLength, detectCommands: true });
  } catch (err) {
    throw new SandboxInputError(err instanceof Error ? err.message.replace(/^\d+: /, '') : String(err));
  }
  if (replyToMessageId !== undefined) {
    const target = conv.chat.log.messages.get(replyToMessageId);
    if (!target || target.deleted) throw new SandboxInputError(`no message ${replyToMessageId} to reply to`);
  }
  if (conv.kind === 'private') {
    if (user.blockedBots.has(conv.bot.id))
      throw new SandboxInputError('the user has blocked this bot; /start it again');
    user.startedBots.add(conv.bot.id);
  } else {
    const record = conv.chat.members.get(user.id);
    if (conv.chat.type === 'channel' && !isAdmin(record)) {
      throw new SandboxInputError('only the creator and administrators post in a channel');
    }
    if (!isInChat(record))
      throw new SandboxInputError(`user ${user.id} is not a member of chat ${conv.chat.id}`);
    if (record?.status === 'restricted' && !record.canSendMessages) {
      throw new SandboxInputError(`user ${user.id} may not send messages in chat ${conv.chat.id}`);
    }
  }
  const stored = state.appendMessage(conv, {
    date: state.unixNow(),
    sender:
      conv.kind === 'chat' && conv.chat.type === 'channel' ? { kind: 'chat' } : { kind: 'user', id: user.id },
    text: formatted.text,
    entities: formatted.entities,
    ...(replyToMessageId !== undefined ? { replyToMessageId } : {}),
  });
  deliverMessage(state, conv, stored);
  return stored;
}

/** Queue `message` / `channel_post` updates for a message written by a person (or a service message). */
function deliverMessage(state: SandboxState, conv: Conversation, msg: StoredMessage): void {
  if (conv.kind === 'private') {
    conv.bot.queue.push({ message: messageObject(state, conv, msg) } as never);
    return;
  }
  const chat = conv.chat;
  for (const [memberId, record] of chat.members) {
    const bot = state.bots.get(memberId);
    if (!bot || !isInChat(record)) continue;
    if (chat.type === 'channel') {
      bot.queue.push({ channel_post: messageObject(state, conv, msg) } as never);
    } else if (botSees(state, bot, chat, msg, isAdmin(record))) {
      bot.queue.push({ message: messageObject(state, conv, msg) } as never);
    }
  }
}

/** Privacy mode: which group messages a bot receives. https://core.telegram.org/bots/features#privacy-mode */
function botSees(
  state: SandboxState,
  bot: SandboxBot,
  chat: SandboxChat,
  msg: StoredMessage,
  admin: boolean,
): boolean {
  if (!state.limits.privacyMode || bot.canReadAllGroupMessages || admin || msg.service) return true;
  const replied =
    msg.replyToMessageId !== undefined ? chat.log.messages.get(msg.replyToMessageId) : undefined;
  if (replied?.sender.kind === 'bot' && replied.sender.id === bot.id) return true;
  return msg.entities.some((e) => {
    if (e.type !== 'bot_command') return false;
    const command = msg.text.slice(e.offset, e.offset + e.length);
    const at = command.indexOf('@');
    return at === -1 || command.slice(at + 1).toLowerCase() === bot.username.toLowerCase();
  });
}

export interface PressOptions {
  /** Deliver the callback's message as inaccessible (`date: 0`, only chat and id), like an old message. */
  inaccessible?: boolean | undefined;
  /** Allow callback_data that no button of the message carries (a forged or stale client). */
  anyData?: boolean | undefined;
}

/** The press result: the bot's answer, or `answered: false` when the callback timeout passed first. */
export interface PressResult {
  query_id: string;
  answered: boolean;
  text: string | null;
  show_alert: boolean;
  url: string | null;
}

/**
 * The user presses an inline button with `callbackData` on message `messageId` in `chatId` (a bot id =
 * the private chat): the bot that sent the message gets a `callback_query` (with `chat_instance`), and
 * the press waits until the bot answers or the callback timeout passes.
 * @throws SandboxInputError for an unknown message, one not sent by a bot, or data no button carries.
 */
export function press(
  state: SandboxState,
  userId: number,
  chatId: number,
  messageId: number,
  callbackData: string,
  options: PressOptions = {},
): Promise<PressResult> {
  const user = activeUser(state, userId);
  const conv = userConversation(state, user, chatId);
  const msg = conv.chat.log.messages.get(messageId);
  if (!msg || msg.deleted) throw new SandboxInputError(`no message ${messageId} in chat ${chatId}`, 404);
  if (msg.sender.kind !== 'bot')
    throw new SandboxInputError('only messages sent by bots have inline buttons');
  const bot = state.requireBot(msg.sender.id);
  const markup =
    msg.replyMarkup && 'inline_keyboard' in msg.replyMarkup ? msg.replyMarkup.inline_keyboard : [];
  const carried = markup.some((row) =>
    row.some((b) => 'callback_data' in b && b.callback_data === callbackData),
  );
  if (!carried && !options.anyData) {
    throw new SandboxInputError(
      `message ${messageId} has no button with callback_data ${JSON.stringify(callbackData)}`,
    );
  }
  const id = callbackQueryId(state.callbacks.size);
  const pending: PendingCallback = {
    id,
    botId: bot.id,
    userId: user.id,
    createdAt: state.clock.now(),
    expired: false,
    waiters: [],
  };
  state.callbacks.set(id, pending);
  const chat = conversationChat(conv);
  bot.queue.push({
    callback_query: {
      id,
      from: userObject(user),
      message: options.inaccessible ? inaccessibleMessage(conv, messageId) : messageObject(state, conv, msg),
      chat_instance: chatInstance(bot.id, chat.id),
      data: callbackData,
    },
  } as never);
  const result = new Promise<PressResult>((resolve) => {
    const settle = (answer: CallbackAnswer | null) => {
      timer.cancel();
      resolve({
        query_id: id,
        answered: answer !== null,
        text: answer?.text ?? null,
        show_alert: answer?.show_alert ?? false,
        url: answer?.url ?? null,
      });
    };
    pending.waiters.push(settle);
    const timer = state.clock.setTimeout(() => {
      const entry = state.callbacks.get(id);
      if (!entry) return;
      entry.expired = true;
      state.callbacks.delete(id);
      for (const wake of entry.waiters.splice(0)) wake(entry.answer ?? null);
    }, state.limits.callbackTimeoutMs);
  });
  state.touch();
  return result;
}

export interface MemberChange {
  status: MemberStatus;
  /** For `restricted`: still in the chat (default false). */
  isMember?: boolean | undefined;
  /** For `restricted`: may send messages (default false). */
  canSendMessages?: boolean | undefined;
  /** For `administrator`: rights over the defaults (full rights but can_promote_members). */
  rights?: Partial<ChatAdministratorRights> | undefined;
  /** Who made the change; default the chat's creator, or the member themself, or Telegram (777000). */
  byUserId?: number | undefined;
}

/**
 * Set the membership of a user or bot in a group, supergroup or channel. A bot gets `my_chat_member`;
 * administrator bots in the chat get `chat_member` (if they asked for it in allowed_updates); groups
 * get a service message (`new_chat_members` / `left_chat_member`) when someone joins or leaves.
 * @throws SandboxInputError for an unknown chat or member, or a change Telegram does not allow.
 */
export function setMember(
  state: SandboxState,
  chatId: number,
  memberId: number,
  change: MemberChange,
): { old: MemberStatus; status: MemberStatus } {
  const chat = state.requireChat(chatId);
  const bot = state.bots.get(memberId);
  const member = bot ? botUserObject(bot) : userObject(state.requireUser(memberId));
  if (chat.type === 'channel' && change.status === 'restricted') {
    throw new SandboxInputError('a channel has no restricted members');
  }
  if (bot && chat.type === 'channel' && change.status === 'member') {
    throw new SandboxInputError('a bot can only be an administrator of a channel');
  }
  if (bot && change.status === 'creator') throw new SandboxInputError('a bot cannot own a chat');
  if (change.status === 'creator') {
    for (const [id, r] of chat.members) {
      if (id !== memberId && r.status === 'creator')
        throw new SandboxInputError(`chat ${chatId} already has a creator`);
    }
  }
  const old = chat.members.get(memberId);
  const record: MemberRecord = {
    status: change.status,
    isMember:
      change.status === 'restricted'
        ? (change.isMember ?? false)
        : change.status === 'creator' || change.status === 'administrator' || change.status === 'member',
    canSendMessages: change.status === 'restricted' ? (change.canSendMessages ?? false) : true,
    rights: { ...FULL_RIGHTS, ...(change.status === 'administrator' ? change.rights : {}) },
  };
  chat.members.set(memberId, record);

  const actorId = change.byUserId ?? creatorOf(chat) ?? (bot ? SERVICE_USER.id : memberId);
  const actor = anyUserObject(state, actorId);
  if (!actor) throw new SandboxInputError(`no user with id ${actorId}`, 404);
  const isChannel = chat.type === 'channel';
  const update = {
    chat: groupChatObject(chat),
    from: actor,
    date: state.unixNow(),
    old_chat_member: chatMemberObject(member, old, isChannel),
    new_chat_member: chatMemberObject(member, record, isChannel),
  };
  bot?.queue.push({ my_chat_member: update } as never);
  for (const [id, r] of chat.members) {
    const other = state.bots.get(id);
    if (other && other !== bot && isAdmin(r)) other.queue.push({ chat_member: update } as never);
  }
  const wasIn = isInChat(old);
  const nowIn = isInChat(record);
  if (chat.type !== 'channel' && wasIn !== nowIn) {
    const conv: Conversation = { kind: 'chat', chat };
    const service = nowIn ? { newChatMembers: [memberId] } : { leftChatMember: memberId };
    const msg = state.appendMessage(conv, {
      date: state.unixNow(),
      sender: { kind: 'user', id: actorId },
      text: '',
      entities: [],
      service,
    });
    deliverMessage(state, conv, msg);
  }
  state.touch();
  return { old: old?.status ?? 'left', status: record.status };
}

function creatorOf(chat: SandboxChat): number | undefined {
  for (const [id, r] of chat.members) if (r.status === 'creator') return id;
  return undefined;
}
