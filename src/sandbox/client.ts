/**
 * A typed client for the sandbox's control API (`/_sandbox/...`), one method per endpoint, for tests and
 * scripts. Errors come back as {@link SandboxClientError} carrying the HTTP status and the server's text.
 * @example
 *   const client = new SandboxClient('http://127.0.0.1:8081');
 *   const bot = await client.createBot({ username: 'lottery_bot' });
 *   const alice = await client.createUser({ first_name: 'Alice' });
 *   await client.start(alice.id, bot.id, 'l-42');
 */
import type { ChatAdministratorRights } from '@telegraf/types';
import type { PressResult } from './actions.ts';
import type {
  ChatMessages,
  CreatedBot,
  CreatedBots,
  LimitsView,
  MemberChangeResult,
  Overview,
  PrivateMessages,
} from './control/types.ts';
import type { SandboxLimits } from './limits.ts';
import type { ChatType, MemberStatus } from './model.ts';

/** A control API call answered with an error. `status` is the HTTP status; `message` the server's text. */
export class SandboxClientError extends Error {
  override name = 'SandboxClientError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface CreateBotInput {
  /** 5-32 letters, digits or underscores, ending in "bot". */
  username: string;
  first_name?: string;
  can_read_all_group_messages?: boolean;
}

/** What {@link SandboxClient.createBots} takes: a list of bots, or a count of generated ones. */
export type CreateBotsInput =
  | { bots: CreateBotInput[] }
  | {
      /** 1-10,000. */
      count: number;
      /** 1-16 of [A-Za-z0-9_], starting with a letter; default `batch`. */
      username_prefix?: string;
      first_name?: string;
      can_read_all_group_messages?: boolean;
    };

export interface CreateUserInput {
  first_name: string;
  last_name?: string;
  username?: string;
  language_code?: string;
  is_bot?: boolean;
}

export interface MemberInput {
  /** A user id, or a bot id (adds or promotes that bot; it gets my_chat_member). */
  user_id: number;
  status: MemberStatus;
  /** For `restricted`: still in the chat. */
  is_member?: boolean;
  /** For `restricted`: may send messages. */
  can_send_messages?: boolean;
  /** For `administrator`: rights over the defaults. */
  rights?: Partial<ChatAdministratorRights>;
  /** Who made the change (default: the creator, else the member, else Telegram). */
  by_user_id?: number;
}

export interface PressInput {
  /** The chat of the message; a bot id means the private chat with that bot. */
  chat_id: number;
  message_id: number;
  callback_data: string;
  /** Deliver the message as inaccessible (`date: 0`). */
  inaccessible?: boolean;
  /** Allow data that no button of the message carries. */
  any_data?: boolean;
}

export interface FaultInput {
  /** Only this token; omitted = every bot. */
  token?: string;
  /** Method name (case-insensitive), or `*`. */
  method: string;
  /** Only calls into this chat (`chat_id`); omitted = any chat. */
  chat_id?: number | string;
  error_code?: number;
  description?: string;
  parameters?: { retry_after?: number; migrate_to_chat_id?: number };
  /** Delay in milliseconds before answering (or dropping). */
  hang_ms?: number;
  /** Destroy the connection without answering. */
  drop?: boolean;
  /** How many calls it affects; default 1. */
  times?: number;
}

export type { PressResult };

export class SandboxClient {
  readonly baseUrl: string;

  /** @param baseUrl the sandbox URL, e.g. `http://127.0.0.1:8081` (no trailing slash needed). */
  constructor(baseUrl: string) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
  }

  async #call<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.baseUrl}/_sandbox${path}`, {
      method,
      ...(body !== undefined
        ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }
        : {}),
    });
    const text = await res.text();
    let data: unknown;
    try {
      data = text ? JSON.parse(text) : {};
    } catch {
      throw new SandboxClientError(res.status, `sandbox answered non-JSON: ${text.slice(0, 200)}`);
    }
    if (!res.ok) {
      const error = (data as { error?: unknown }).error;
      throw new SandboxClientError(res.status, typeof error === 'string' ? error : `HTTP ${res.status}`);
    }
    return data as T;
  }

  /** Create a bot (username 5-32 chars ending in "bot"); returns its id and token. */
  createBot(input: CreateBotInput): Promise<CreatedBot> {
    return this.#call('POST', '/bots', input);
  }

  /**
   * Create up to 10,000 bots in one call, all or none: either `{bots: [...]}` (each as for
   * {@link createBot}) or `{count, username_prefix?}` (usernames `<prefix>_<n>_bot`, prefix default
   * `batch`). Returns their ids, tokens and usernames in order.
   * @throws SandboxClientError 400 listing bad, taken or repeated usernames (nothing is created then).
   */
  createBots(input: CreateBotsInput): Promise<CreatedBots> {
    return this.#call('POST', '/bots/batch', input);
  }

  /** Revoke a bot's token: the old one answers 401; returns the new token. */
  revokeBot(botId: number): Promise<{ id: number; token: string }> {
    return this.#call('POST', `/bots/${botId}/revoke`, {});
  }

  createUser(input: CreateUserInput): Promise<{ id: number }> {
    return this.#call('POST', '/users', input);
  }

  /** The user blocks the bot (the bot gets my_chat_member; sends answer 403). */
  blockBot(userId: number, botId: number): Promise<{ ok: true }> {
    return this.#call('POST', `/users/${userId}/block`, { bot_id: botId });
  }

  unblockBot(userId: number, botId: number): Promise<{ ok: true }> {
    return this.#call('POST', `/users/${userId}/unblock`, { bot_id: botId });
  }

  /** Delete the user's account: sends answer 403 `user is deactivated`. */
  deactivateUser(userId: number): Promise<{ ok: true }> {
    return this.#call('POST', `/users/${userId}/deactivate`, {});
  }

  /** The user sends `/start [payload]` to the bot (a deep link), starting (and unblocking) it. */
  start(userId: number, botId: number, payload?: string): Promise<{ message_id: number }> {
    return this.#call(
      'POST',
      `/users/${userId}/start`,
      payload === undefined ? { bot_id: botId } : { bot_id: botId, payload },
    );
  }

  /** The user writes `text` in `chatId` (a bot id = the private chat with it). */
  send(
    userId: number,
    chatId: number,
    text: string,
    replyToMessageId?: number,
  ): Promise<{ message_id: number; chat_id: number }> {
    const body =
      replyToMessageId === undefined
        ? { chat_id: chatId, text }
        : { chat_id: chatId, text, reply_to_message_id: replyToMessageId };
    return this.#call('POST', `/users/${userId}/send`, body);
  }

  /** The user presses an inline button; resolves with the bot's answer, or answered:false after the timeout. */
  press(userId: number, input: PressInput): Promise<PressResult> {
    return this.#call('POST', `/users/${userId}/press`, input);
  }

  createChat(input: { type: ChatType; title: string; username?: string }): Promise<{ id: number }> {
    return this.#call('POST', '/chats', input);
  }

  /** Set a membership (adds, promotes, restricts, removes or bans a user or bot). */
  setMember(chatId: number, input: MemberInput): Promise<MemberChangeResult> {
    return this.#call('POST', `/chats/${chatId}/members`, input);
  }

  /** Messages of a group, supergroup or channel, with senders, edit history and deleted flags. */
  chatMessages(chatId: number): Promise<ChatMessages> {
    return this.#call('GET', `/chats/${chatId}/messages`);
  }

  /** Messages of the private chat between a bot and a user. */
  privateMessages(botId: number, userId: number): Promise<PrivateMessages> {
    return this.#call('GET', `/bots/${botId}/messages?user_id=${userId}`);
  }

  /** Inject a fault into the next `times` calls of a method. */
  addFault(input: FaultInput): Promise<{ id: number }> {
    return this.#call('POST', '/faults', input);
  }

  listFaults(): Promise<{ faults: Array<FaultInput & { id: number; remaining: number }> }> {
    return this.#call('GET', '/faults');
  }

  clearFaults(): Promise<{ removed: number }> {
    return this.#call('DELETE', '/faults');
  }

  /** Change limits and rule switches at run time; returns the limits now in force. */
  setLimits(patch: Partial<SandboxLimits>): Promise<LimitsView> {
    return this.#call('POST', '/limits', patch);
  }

  getLimits(): Promise<LimitsView> {
    return this.#call('GET', '/limits');
  }

  /** Forget every bot, user, chat and fault; restore the initial limits. */
  reset(): Promise<{ ok: true }> {
    return this.#call('POST', '/reset', {});
  }

  /** Bots, users, chats and memberships at a glance (no tokens). */
  overview(): Promise<Overview> {
    return this.#call('GET', '/overview');
  }

  /** Resolve when the state version exceeds `after` (or after `timeoutMs`); returns the version. */
  waitForChange(after: number, timeoutMs = 25_000): Promise<{ version: number }> {
    return this.#call('GET', `/changes?after=${after}&timeout_ms=${timeoutMs}`);
  }
}
