/**
 * Build the control API's views of the model (messages with sender and edit history, the overview).
 */
import {
  isInChat,
  type MessageLog,
  type MessageVersion,
  type SandboxChat,
  type Sender,
  type StoredMessage,
} from '../model.ts';
import type { SandboxState } from '../state.ts';
import type { ChatView, MessageVersionView, MessageView, Overview, SenderView } from './types.ts';

function senderOf(
  state: SandboxState,
  sender: Sender | { kind: 'user'; id: number },
  chat?: SandboxChat,
): SenderView {
  if (sender.kind === 'chat')
    return {
      type: 'chat',
      id: chat?.id ?? null,
      name: chat?.title ?? 'channel',
      username: chat?.username ?? null,
    };
  const bot = state.bots.get(sender.id);
  if (bot) return { type: 'bot', id: bot.id, name: bot.first_name, username: bot.username };
  const user = state.users.get(sender.id);
  if (user) {
    const name = user.last_name ? `${user.first_name} ${user.last_name}` : user.first_name;
    return { type: 'user', id: user.id, name, username: user.username ?? null };
  }
  return {
    type: 'user',
    id: sender.id,
    name: sender.id === 777000 ? 'Telegram' : `#${sender.id}`,
    username: null,
  };
}

function versionView(v: MessageVersion): MessageVersionView {
  return { date: v.date, text: v.text, entities: v.entities, reply_markup: v.replyMarkup ?? null };
}

export function messageView(state: SandboxState, msg: StoredMessage, chat?: SandboxChat): MessageView {
  let service: MessageView['service'] = null;
  if (msg.service?.newChatMembers) {
    service = {
      new_chat_members: msg.service.newChatMembers.map((id) => senderOf(state, { kind: 'user', id })),
    };
  } else if (msg.service?.leftChatMember !== undefined) {
    service = { left_chat_member: senderOf(state, { kind: 'user', id: msg.service.leftChatMember }) };
  }
  return {
    message_id: msg.messageId,
    date: msg.date,
    sender: senderOf(state, msg.sender, chat),
    text: msg.text,
    entities: msg.entities,
    reply_markup: msg.replyMarkup ?? null,
    edit_date: msg.editDate ?? null,
    edit_history: msg.history.map(versionView),
    deleted: msg.deleted,
    reply_to_message_id: msg.replyToMessageId ?? null,
    service,
  };
}

export function logView(state: SandboxState, log: MessageLog, chat?: SandboxChat): MessageView[] {
  return [...log.messages.values()].map((m) => messageView(state, m, chat));
}

export function chatView(chat: SandboxChat): ChatView {
  return { id: chat.id, type: chat.type, title: chat.title, username: chat.username ?? null };
}

export function overview(state: SandboxState): Overview {
  return {
    version: state.version,
    bots: [...state.bots.values()].map((b) => ({
      id: b.id,
      username: b.username,
      first_name: b.first_name,
      webhook_url: b.webhook?.url ?? null,
      pending_updates: b.queue.pendingCount,
      poll_conflicts: b.queue.pollConflicts,
    })),
    users: [...state.users.values()].map((u) => ({
      id: u.id,
      first_name: u.first_name,
      last_name: u.last_name ?? null,
      username: u.username ?? null,
      deactivated: u.deactivated,
      started_bots: [...u.startedBots],
      blocked_bots: [...u.blockedBots],
    })),
    chats: [...state.chats.values()].map((c) => ({
      ...chatView(c),
      members: [...c.members].map(([id, r]) => {
        const who = senderOf(state, { kind: 'user', id });
        return { id, name: who.name, is_bot: who.type === 'bot', status: r.status, is_member: isInChat(r) };
      }),
    })),
  };
}
