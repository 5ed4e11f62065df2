/**
 * Shapes of the control API's answers (`/_sandbox/...`), shared by the routes and SandboxClient.
 */
import type { MessageEntity } from '@telegraf/types';
import type { SandboxLimits } from '../limits.ts';
import type { ChatType, MemberStatus, ReplyMarkup } from '../model.ts';

export interface CreatedBot {
  id: number;
  token: string;
  username: string;
}

/** Answer of `POST /_sandbox/bots/batch`, in the order asked for. */
export interface CreatedBots {
  bots: CreatedBot[];
}

export interface SenderView {
  /** `chat` = posted as the channel itself. */
  type: 'user' | 'bot' | 'chat';
  id: number | null;
  name: string;
  username: string | null;
}

export interface MessageVersionView {
  date: number;
  text: string;
  entities: MessageEntity[];
  reply_markup: ReplyMarkup | null;
}

/** A stored message as the control API shows it: content, sender, edit history and deleted flag. */
export interface MessageView extends MessageVersionView {
  message_id: number;
  sender: SenderView;
  edit_date: number | null;
  /** Earlier versions, oldest first. */
  edit_history: MessageVersionView[];
  deleted: boolean;
  reply_to_message_id: number | null;
  service: { new_chat_members?: SenderView[]; left_chat_member?: SenderView } | null;
}

export interface ChatView {
  id: number;
  type: ChatType;
  title: string;
  username: string | null;
}

export interface ChatMessages {
  chat: ChatView;
  messages: MessageView[];
}

export interface PrivateMessages {
  bot_id: number;
  user_id: number;
  messages: MessageView[];
}

export interface MemberView {
  id: number;
  name: string;
  is_bot: boolean;
  status: MemberStatus;
  is_member: boolean;
}

/** Everything at a glance, for the web page. Tokens are not included. */
export interface Overview {
  version: number;
  bots: Array<{
    id: number;
    username: string;
    first_name: string;
    webhook_url: string | null;
    pending_updates: number;
    /** getUpdates calls that ended another one of the same token still held (two pollers: 409). */
    poll_conflicts: number;
  }>;
  users: Array<{
    id: number;
    first_name: string;
    last_name: string | null;
    username: string | null;
    deactivated: boolean;
    started_bots: number[];
    blocked_bots: number[];
  }>;
  chats: Array<ChatView & { members: MemberView[] }>;
}

export interface MemberChangeResult {
  ok: true;
  old_status: MemberStatus;
  status: MemberStatus;
}

export interface LimitsView {
  limits: SandboxLimits;
}
