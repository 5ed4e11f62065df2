/**
 * The sandbox's in-memory world: bots, users, chats, memberships and messages. Plain data; the rules
 * live in the modules that change it (actions.ts for people, methods/ for bots).
 */
import type {
  BotCommand,
  ChatAdministratorRights,
  ForceReply,
  InlineKeyboardMarkup,
  MessageEntity,
  ReplyKeyboardMarkup,
  ReplyKeyboardRemove,
} from '@telegraf/types';
import type { UpdateQueue } from './updates.ts';

export type ReplyMarkup = InlineKeyboardMarkup | ReplyKeyboardMarkup | ReplyKeyboardRemove | ForceReply;

export interface SandboxUser {
  id: number;
  first_name: string;
  last_name?: string;
  username?: string;
  language_code?: string;
  /** A user account that is a bot the sandbox does not run (rare; regular bots are SandboxBot). */
  is_bot: boolean;
  deactivated: boolean;
  /** Bots this user has started (or written to) in private. */
  startedBots: Set<number>;
  /** Bots this user has blocked. */
  blockedBots: Set<number>;
}

export interface WebhookConfig {
  url: string;
  secretToken?: string;
  maxConnections: number;
  ipAddress?: string;
  lastErrorDate?: number;
  lastErrorMessage?: string;
}

export interface SandboxBot {
  id: number;
  token: string;
  username: string;
  first_name: string;
  revoked: boolean;
  canReadAllGroupMessages: boolean;
  /** Commands by scope+language key (see methods/commands.ts). */
  commands: Map<string, BotCommand[]>;
  webhook: WebhookConfig | null;
  queue: UpdateQueue;
}

export type ChatType = 'group' | 'supergroup' | 'channel';
export type MemberStatus = 'creator' | 'administrator' | 'member' | 'restricted' | 'left' | 'kicked';

export interface MemberRecord {
  status: MemberStatus;
  /** For `restricted`: whether the user is still in the chat. */
  isMember: boolean;
  /** For `administrator` (and `creator`): the rights. */
  rights: ChatAdministratorRights;
  /** For `restricted`: may send text. */
  canSendMessages: boolean;
  customTitle?: string;
}

/** Who sent a stored message. */
export type Sender = { kind: 'user'; id: number } | { kind: 'bot'; id: number } | { kind: 'chat' };

export interface MessageVersion {
  date: number;
  text: string;
  entities: MessageEntity[];
  replyMarkup?: ReplyMarkup;
}

export interface StoredMessage {
  messageId: number;
  /** Unix seconds. */
  date: number;
  sender: Sender;
  text: string;
  entities: MessageEntity[];
  replyMarkup?: ReplyMarkup;
  /** Earlier versions, oldest first; the current content is not included. */
  history: MessageVersion[];
  editDate?: number;
  deleted: boolean;
  /** A service message (members joined or left), not a text message. */
  service?: { newChatMembers?: number[]; leftChatMember?: number };
  replyToMessageId?: number;
}

/** An ordered message log with its own id sequence (one per chat, as in Telegram). */
export interface MessageLog {
  nextMessageId: number;
  messages: Map<number, StoredMessage>;
}

export interface SandboxChat {
  id: number;
  type: ChatType;
  title: string;
  username?: string;
  members: Map<number, MemberRecord>;
  log: MessageLog;
}

/** The private chat between one bot and one user. */
export interface PrivateChat {
  botId: number;
  userId: number;
  log: MessageLog;
}

/** Where a message lives, seen from the sandbox (not from one participant). */
export type Conversation =
  | { kind: 'private'; bot: SandboxBot; user: SandboxUser; chat: PrivateChat }
  | { kind: 'chat'; chat: SandboxChat };

export interface PendingCallback {
  id: string;
  botId: number;
  userId: number;
  /** Clock milliseconds when the press happened. */
  createdAt: number;
  expired: boolean;
  answer?: CallbackAnswer;
  waiters: Array<(answer: CallbackAnswer | null) => void>;
}

/** What the bot answered to a callback query, as the pressing user sees it. */
export interface CallbackAnswer {
  text: string | null;
  show_alert: boolean;
  url: string | null;
  cache_time: number;
}

/** Full rights, what a freshly promoted administrator gets unless told otherwise. */
export const FULL_RIGHTS: Readonly<ChatAdministratorRights> = Object.freeze({
  is_anonymous: false,
  can_manage_chat: true,
  can_delete_messages: true,
  can_manage_video_chats: true,
  can_restrict_members: true,
  can_promote_members: false,
  can_change_info: true,
  can_invite_users: true,
  can_post_stories: true,
  can_edit_stories: true,
  can_delete_stories: true,
  can_post_messages: true,
  can_edit_messages: true,
  can_pin_messages: true,
  can_manage_topics: false,
  can_manage_direct_messages: false,
});

/** True when a membership means "in the chat" (Telegram's three outcomes: in, not in, unknown). */
export function isInChat(record: MemberRecord | undefined): boolean {
  if (!record) return false;
  if (record.status === 'restricted') return record.isMember;
  return record.status === 'creator' || record.status === 'administrator' || record.status === 'member';
}

/** True for creator or administrator. */
export function isAdmin(record: MemberRecord | undefined): boolean {
  return record?.status === 'creator' || record?.status === 'administrator';
}
