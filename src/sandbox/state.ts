/**
 * The sandbox's in-memory state: every bot, user, chat, membership, message and pending callback query,
 * with lookups and creation. Rules about what people and bots may do live in actions.ts and methods/.
 */
import type { Clock } from './clock.ts';
import { BotApiError, TG } from './errors.ts';
import { FaultInjector } from './faults.ts';
import { IdSequence, tokenSecret } from './ids.ts';
import type { SandboxLimits } from './limits.ts';
import type {
  ChatType,
  Conversation,
  MessageLog,
  PendingCallback,
  PrivateChat,
  SandboxBot,
  SandboxChat,
  SandboxUser,
  StoredMessage,
} from './model.ts';
import { FloodControl } from './rate-limit.ts';
import { UpdateQueue } from './updates.ts';

export interface NewBot {
  username: string;
  first_name?: string | undefined;
  can_read_all_group_messages?: boolean | undefined;
}

export interface NewUser {
  first_name: string;
  last_name?: string | undefined;
  username?: string | undefined;
  language_code?: string | undefined;
  is_bot?: boolean | undefined;
}

export interface NewChat {
  type: ChatType;
  title: string;
  username?: string | undefined;
}

/** Thrown for a control API request that makes no sense (unknown id, duplicate username...). */
export class SandboxInputError extends Error {
  override name = 'SandboxInputError';
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/**
 * A bot username as Telegram allows it: 5-32 of [A-Za-z0-9_], starting with a letter, ending in "bot"
 * (any case); a leading "@" is dropped.
 * @throws SandboxInputError otherwise.
 */
function checkBotUsername(raw: string): string {
  const username = raw.replace(/^@/, '');
  if (!/^[A-Za-z][A-Za-z0-9_]{3,30}[A-Za-z0-9]$/.test(username) || !/bot$/i.test(username)) {
    throw new SandboxInputError('username must be 5-32 letters, digits or underscores and end with "bot"');
  }
  return username;
}

function newLog(): MessageLog {
  return { nextMessageId: 1, messages: new Map() };
}

export class SandboxState {
  readonly clock: Clock;
  readonly initialLimits: SandboxLimits;
  limits: SandboxLimits;
  ids = new IdSequence();
  readonly bots = new Map<number, SandboxBot>();
  readonly botsByToken = new Map<string, SandboxBot>();
  readonly users = new Map<number, SandboxUser>();
  readonly chats = new Map<number, SandboxChat>();
  readonly privateChats = new Map<string, PrivateChat>();
  readonly callbacks = new Map<string, PendingCallback>();
  readonly faults = new FaultInjector();
  readonly flood: FloodControl;
  /** Called when a bot is created, so the webhook deliverer can watch its queue. */
  onBotCreated: ((bot: SandboxBot) => void) | null = null;
  /** Increases on every visible change (the web page waits on it). */
  version = 0;
  #changeWaiters = new Set<() => void>();
  /** Every username (lower-case) and its owner: uniqueness checks and @username lookups in O(1). */
  readonly #usernames = new Map<string, SandboxBot | SandboxUser | SandboxChat>();
  /** Next number per prefix for {@link freeBotUsernames}. */
  readonly #nextSuffix = new Map<string, number>();

  constructor(clock: Clock, limits: SandboxLimits) {
    this.clock = clock;
    this.initialLimits = { ...limits };
    this.limits = { ...limits };
    this.flood = new FloodControl(clock);
  }

  /** Current time in Unix seconds (message dates). */
  unixNow(): number {
    return Math.floor(this.clock.now() / 1000);
  }

  /** Record a visible change and wake whoever waits for one. */
  touch(): void {
    this.version++;
    if (this.#changeWaiters.size === 0) return;
    const waiters = [...this.#changeWaiters];
    this.#changeWaiters.clear();
    for (const wake of waiters) wake();
  }

  /** Resolve when `version` exceeds `after`, or after `timeoutMs`; returns the version then. */
  waitForChange(after: number, timeoutMs: number, signal?: AbortSignal): Promise<number> {
    if (this.version > after) return Promise.resolve(this.version);
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#changeWaiters.delete(done);
        resolve(this.version);
      };
      const timer = setTimeout(done, timeoutMs);
      timer.unref?.();
      signal?.addEventListener('abort', done, { once: true });
      this.#changeWaiters.add(done);
    });
  }

  /** Wake every change waiter (shutdown). */
  releaseChangeWaiters(): void {
    this.touch();
  }

  /**
   * Create a bot as @BotFather would. Usernames follow Telegram's rule: 5-32 of [A-Za-z0-9_], ending in
   * "bot" (any case), unique.
   * @throws SandboxInputError for a bad or taken username.
   */
  createBot(input: NewBot): SandboxBot {
    const username = checkBotUsername(input.username);
    if (this.usernameTaken(username)) throw new SandboxInputError(`username @${username} is taken`);
    const bot = this.#addBot(username, input);
    this.touch();
    return bot;
  }

  /**
   * Create many bots at once, all or none: every username is checked (rule, taken, repeated in the list)
   * before the first bot is created; one state change is recorded for the whole batch.
   * @throws SandboxInputError listing every bad, taken or repeated username (at most 20 listed).
   */
  createBots(inputs: readonly NewBot[]): SandboxBot[] {
    const problems: string[] = [];
    const seen = new Set<string>();
    const usernames = inputs.map((input, i) => {
      try {
        const username = checkBotUsername(input.username);
        const key = username.toLowerCase();
        if (this.usernameTaken(username)) problems.push(`bots[${i}]: username @${username} is taken`);
        else if (seen.has(key)) problems.push(`bots[${i}]: username @${username} is repeated`);
        seen.add(key);
        return username;
      } catch (err) {
        problems.push(`bots[${i}]: ${(err as Error).message}`);
        return '';
      }
    });
    if (problems.length > 0) {
      const more = problems.length > 20 ? `\n... and ${problems.length - 20} more` : '';
      throw new SandboxInputError(problems.slice(0, 20).join('\n') + more);
    }
    const bots = inputs.map((input, i) => this.#addBot(usernames[i] ?? '', input));
    this.touch();
    return bots;
  }

  /**
   * `count` usernames `<prefix>_<n>_bot` that are free, n continuing from the last batch with this
   * prefix (so repeated batches cost O(count), not O(bots)).
   */
  freeBotUsernames(prefix: string, count: number): string[] {
    const names: string[] = [];
    let n = this.#nextSuffix.get(prefix) ?? 1;
    while (names.length < count) {
      const name = `${prefix}_${n++}_bot`;
      if (!this.usernameTaken(name)) names.push(name);
    }
    this.#nextSuffix.set(prefix, n);
    return names;
  }

  #addBot(username: string, input: NewBot): SandboxBot {
    const id = this.ids.nextBot();
    const bot: SandboxBot = {
      id,
      token: `${id}:${tokenSecret()}`,
      username,
      first_name: input.first_name ?? username,
      revoked: false,
      canReadAllGroupMessages: input.can_read_all_group_messages ?? false,
      commands: new Map(),
      webhook: null,
      queue: new UpdateQueue(),
    };
    this.bots.set(id, bot);
    this.botsByToken.set(bot.token, bot);
    this.#usernames.set(username.toLowerCase(), bot);
    this.onBotCreated?.(bot);
    return bot;
  }

  /**
   * Revoke a bot's token as @BotFather does: the old token answers 401 from now on (a held getUpdates
   * too) and a new token is issued.
   * @throws SandboxInputError when the bot is unknown.
   */
  revokeBot(id: number): SandboxBot {
    const bot = this.requireBot(id);
    this.botsByToken.delete(bot.token);
    bot.queue.terminateHeld(new BotApiError(401, TG.unauthorized));
    bot.token = `${id}:${tokenSecret()}`;
    this.botsByToken.set(bot.token, bot);
    this.touch();
    return bot;
  }

  /** @throws SandboxInputError for a taken username. */
  createUser(input: NewUser): SandboxUser {
    const username = input.username?.replace(/^@/, '');
    if (username !== undefined && this.usernameTaken(username)) {
      throw new SandboxInputError(`username @${username} is taken`);
    }
    const user: SandboxUser = {
      id: this.ids.nextUser(),
      first_name: input.first_name,
      is_bot: input.is_bot ?? false,
      deactivated: false,
      startedBots: new Set(),
      blockedBots: new Set(),
    };
    if (input.last_name !== undefined) user.last_name = input.last_name;
    if (username !== undefined) {
      user.username = username;
      this.#usernames.set(username.toLowerCase(), user);
    }
    if (input.language_code !== undefined) user.language_code = input.language_code;
    this.users.set(user.id, user);
    this.touch();
    return user;
  }

  /** @throws SandboxInputError for a taken username. */
  createChat(input: NewChat): SandboxChat {
    const username = input.username?.replace(/^@/, '');
    if (username !== undefined && this.usernameTaken(username)) {
      throw new SandboxInputError(`username @${username} is taken`);
    }
    const id = input.type === 'group' ? this.ids.nextGroup() : this.ids.nextSupergroup();
    const chat: SandboxChat = { id, type: input.type, title: input.title, members: new Map(), log: newLog() };
    if (username !== undefined) {
      chat.username = username;
      this.#usernames.set(username.toLowerCase(), chat);
    }
    this.chats.set(id, chat);
    this.touch();
    return chat;
  }

  /** Whether a bot, user or chat has this username (case-insensitive, without "@"); O(1). */
  usernameTaken(username: string): boolean {
    return this.#usernames.has(username.replace(/^@/, '').toLowerCase());
  }

  /** The bot a token belongs to; undefined for an unknown or revoked token. */
  botByToken(token: string): SandboxBot | undefined {
    return this.botsByToken.get(token);
  }

  /** @throws SandboxInputError (404) when unknown. */
  requireBot(id: number): SandboxBot {
    const bot = this.bots.get(id);
    if (!bot) throw new SandboxInputError(`no bot with id ${id}`, 404);
    return bot;
  }

  /** @throws SandboxInputError (404) when unknown. */
  requireUser(id: number): SandboxUser {
    const user = this.users.get(id);
    if (!user) throw new SandboxInputError(`no user with id ${id}`, 404);
    return user;
  }

  /** @throws SandboxInputError (404) when unknown. */
  requireChat(id: number): SandboxChat {
    const chat = this.chats.get(id);
    if (!chat) throw new SandboxInputError(`no group, supergroup or channel with id ${id}`, 404);
    return chat;
  }

  /** A group, supergroup or channel by its public @username. */
  chatByUsername(username: string): SandboxChat | undefined {
    const owner = this.#usernames.get(username.replace(/^@/, '').toLowerCase());
    return owner && 'members' in owner ? owner : undefined;
  }

  /** The private chat between `bot` and `user`, created on first use. */
  privateChat(bot: SandboxBot, user: SandboxUser): Conversation & { kind: 'private' } {
    const key = `${bot.id}:${user.id}`;
    let chat = this.privateChats.get(key);
    if (!chat) {
      chat = { botId: bot.id, userId: user.id, log: newLog() };
      this.privateChats.set(key, chat);
    }
    return { kind: 'private', bot, user, chat };
  }

  /** Append a message to a conversation's log with the next message id. */
  appendMessage(
    conv: Conversation,
    msg: Omit<StoredMessage, 'messageId' | 'history' | 'deleted'>,
  ): StoredMessage {
    const log = conv.chat.log;
    // Every field set, in one order: one object shape for all messages keeps property access fast.
    const stored: StoredMessage = {
      messageId: log.nextMessageId++,
      date: msg.date,
      sender: msg.sender,
      text: msg.text,
      entities: msg.entities,
      replyMarkup: msg.replyMarkup,
      history: [],
      editDate: msg.editDate,
      deleted: false,
      service: msg.service,
      replyToMessageId: msg.replyToMessageId,
    };
    log.messages.set(stored.messageId, stored);
    this.touch();
    return stored;
  }

  /** Forget everything (bots, users, chats, faults, counters) and restore the initial limits. */
  reset(): void {
    for (const bot of this.bots.values()) bot.queue.terminateHeld(new BotApiError(401, TG.unauthorized));
    for (const cb of this.callbacks.values()) for (const w of cb.waiters) w(null);
    this.bots.clear();
    this.botsByToken.clear();
    this.users.clear();
    this.chats.clear();
    this.privateChats.clear();
    this.#usernames.clear();
    this.#nextSuffix.clear();
    this.callbacks.clear();
    this.faults.clear();
    this.flood.clear();
    this.ids = new IdSequence();
    this.limits = { ...this.initialLimits };
    this.touch();
  }
}
