/**
 * Messages a bot sends and changes: sendMessage, editMessageText, editMessageReplyMarkup, deleteMessage,
 * sendChatAction. Sends and edits count against the flood limits.
 * https://core.telegram.org/bots/api#sendmessage, #updating-messages
 */
import type { Message, MessageEntity } from '@telegraf/types';
import { formatMessageText } from '../entities/format.ts';
import { badRequest, TG } from '../errors.ts';
import { sameJson, validateReplyMarkup } from '../markup.ts';
import { type Conversation, isAdmin, type ReplyMarkup, type StoredMessage } from '../model.ts';
import { messageObject } from '../render.ts';
import {
  assertCanWrite,
  floodChatId,
  type MethodContext,
  type MethodHandler,
  resolveChat,
} from './context.ts';

function explicitEntities(ctx: MethodContext): MessageEntity[] | undefined {
  const raw = ctx.params.json('entities');
  if (raw === undefined) return undefined;
  if (!Array.isArray(raw)) throw badRequest(TG.badJson('entities'));
  return raw as MessageEntity[];
}

function formatText(ctx: MethodContext) {
  const { params, state } = ctx;
  const text = params.string('text') ?? '';
  return formatMessageText(text, {
    parseMode: params.string('parse_mode'),
    entities: explicitEntities(ctx),
    checkEntities: state.limits.checkEntities,
    maxLength: state.limits.maxMessageLength,
  });
}

function replyMarkup(ctx: MethodContext): ReplyMarkup | undefined {
  return validateReplyMarkup(ctx.params.json('reply_markup'), ctx.state.limits.maxCallbackDataBytes);
}

/** reply_parameters.message_id or the older reply_to_message_id, when that message exists. */
function replyTo(ctx: MethodContext, conv: Conversation): number | undefined {
  const params = ctx.params.json('reply_parameters') as { message_id?: unknown } | undefined;
  const id =
    typeof params?.message_id === 'number' ? params.message_id : ctx.params.int('reply_to_message_id');
  if (id === undefined) return undefined;
  const target = conv.chat.log.messages.get(id);
  if (!target || target.deleted) throw badRequest('Bad Request: message to be replied not found');
  return id;
}

/**
 * sendMessage: checks, in order, chat_id, the chat, the bot's right to write there (403/400), the text
 * (entities, empty, length), reply_markup, then the flood limits (429); then stores and returns the
 * message. Private messages from the bot create no update.
 */
function sendMessage(ctx: MethodContext): Message {
  const { state, bot, params } = ctx;
  const conv = resolveChat(state, bot, params.chatId());
  assertCanWrite(state, bot, conv);
  const { text, entities } = formatText(ctx);
  const markup = replyMarkup(ctx);
  const reply = replyTo(ctx, conv);
  state.flood.take(bot.id, floodChatId(conv), state.limits);
  const stored = state.appendMessage(conv, {
    date: state.unixNow(),
    sender: { kind: 'bot', id: bot.id },
    text,
    entities,
    replyMarkup: markup,
    replyToMessageId: reply,
  });
  return messageObject(state, conv, stored);
}

/** Find the bot's own, not deleted, message to edit. */
function messageToEdit(ctx: MethodContext): { conv: Conversation; msg: StoredMessage } {
  const { state, bot, params } = ctx;
  if (params.has('inline_message_id')) throw badRequest(TG.inlineMessagesUnsupported);
  const conv = resolveChat(state, bot, params.chatId());
  const messageId = params.messageId();
  const msg = conv.chat.log.messages.get(messageId);
  if (!msg || msg.deleted) throw badRequest(TG.messageToEditNotFound);
  if (msg.sender.kind !== 'bot' || msg.sender.id !== bot.id || msg.service)
    throw badRequest(TG.messageCantBeEdited);
  assertCanWrite(state, bot, conv);
  return { conv, msg };
}

/**
 * Apply an edit: refuse one that changes nothing (400 `message is not modified`), count it against the
 * flood limits, keep the old version in the history.
 */
function applyEdit(
  ctx: MethodContext,
  conv: Conversation,
  msg: StoredMessage,
  next: { text: string; entities: MessageEntity[]; replyMarkup: ReplyMarkup | undefined },
): Message {
  const { state, bot } = ctx;
  const unchanged =
    next.text === msg.text &&
    sameJson(next.entities, msg.entities) &&
    sameJson(next.replyMarkup, msg.replyMarkup);
  if (unchanged && state.limits.rejectUnmodifiedEdits) throw badRequest(TG.notModified);
  state.flood.take(bot.id, floodChatId(conv), state.limits);
  const now = state.unixNow();
  msg.history.push({
    date: msg.editDate ?? msg.date,
    text: msg.text,
    entities: msg.entities,
    ...(msg.replyMarkup ? { replyMarkup: msg.replyMarkup } : {}),
  });
  msg.text = next.text;
  msg.entities = next.entities;
  msg.replyMarkup = next.replyMarkup;
  msg.editDate = now;
  state.touch();
  return messageObject(state, conv, msg);
}

/**
 * editMessageText: as in Telegram, omitting reply_markup removes the message's inline keyboard.
 * @throws BotApiError 400 `message to edit not found`, `message can't be edited`, `message is not modified`.
 */
function editMessageText(ctx: MethodContext): Message {
  const { conv, msg } = messageToEdit(ctx);
  const formatted = formatText(ctx);
  return applyEdit(ctx, conv, msg, { ...formatted, replyMarkup: replyMarkup(ctx) });
}

/** editMessageReplyMarkup: omitting reply_markup removes the keyboard. */
function editMessageReplyMarkup(ctx: MethodContext): Message {
  const { conv, msg } = messageToEdit(ctx);
  return applyEdit(ctx, conv, msg, { text: msg.text, entities: msg.entities, replyMarkup: replyMarkup(ctx) });
}

/**
 * deleteMessage: a bot deletes its own messages anywhere, any message in a private chat, and others'
 * messages in groups and channels where it is an administrator with can_delete_messages.
 * @throws BotApiError 400 `message to delete not found`, `message can't be deleted`.
 */
function deleteMessage(ctx: MethodContext): true {
  const { state, bot, params } = ctx;
  const conv = resolveChat(state, bot, params.chatId());
  const msg = conv.chat.log.messages.get(params.messageId());
  if (!msg || msg.deleted) throw badRequest(TG.messageToDeleteNotFound);
  const own = msg.sender.kind === 'bot' && msg.sender.id === bot.id;
  if (conv.kind === 'chat' && !own) {
    const record = conv.chat.members.get(bot.id);
    const canDelete = record?.status === 'creator' || (isAdmin(record) && record?.rights.can_delete_messages);
    if (!canDelete) throw badRequest(TG.messageCantBeDeleted);
  }
  msg.deleted = true;
  state.touch();
  return true;
}

/** sendChatAction: checks the chat and the right to write, shows nothing. */
function sendChatAction(ctx: MethodContext): true {
  const conv = resolveChat(ctx.state, ctx.bot, ctx.params.chatId());
  assertCanWrite(ctx.state, ctx.bot, conv);
  return true;
}

export const messageMethods: Record<string, MethodHandler> = {
  sendMessage,
  editMessageText,
  editMessageReplyMarkup,
  deleteMessage,
  sendChatAction,
};
