/**
 * What the bot does with updates. Without a database (supervision tests) it only greets on `/start`.
 * With the lottery:
 *
 * - Join button (`j:<id>`, F16; the id comes from callback_data, never from the message, F17): the join
 *   runs (join.ts) and the callback is answered with its outcome, always within {@link ANSWER_BUDGET_MS}.
 *   A join still running at {@link ANSWER_DECIDE_MS} is answered by where it is: in Telegram's
 *   membership check → "checking" at once (F10) and the outcome follows in private; on the database
 *   (down, frozen, overloaded) or failed there → "could not record your entry, press again" (or "could
 *   not confirm" once the entry's statement went out: it may have committed unheard of; the second press
 *   is idempotent). Never silence, never a "joined" without the entry's row. Polling is never held up
 *   (Telegraf fetches the next updates only when every handler of the batch has returned). A getChatMember that never answers counts as "cannot
 *   verify" after {@link MEMBERSHIP_TIMEOUT_MS} (F11). A user who never started the bot is
 *   answered with the deep link, so it opens and the bot can reach them if they win (F7).
 * - `/start join_<id>` in private: records that the user started the bot, then joins (source deeplink).
 * - A message equal to a lottery's join keyword in one of its target groups joins (source keyword).
 * - `my_chat_member`: the chats table (added, promoted, removed) and, in private chats, "blocked the bot".
 *
 * One user's updates are handled in Telegram's order, different users' side by side (sequence.ts).
 * Replies go through the outbox (F8) — only callback answers are made directly. Every handler error is
 * caught by `bot.catch`, logged, and never ends polling (F2); "query is too old" is expected (F10) and
 * logged at debug.
 */
import type { Sql } from '../db/sql.ts';
import type { Logger } from '../log/logger.ts';
import { hasStartedBot, recordBlocked } from '../lottery/bot-users-store.ts';
import { chatNames, recordChat } from '../lottery/chats-store.ts';
import {
  type Entrant,
  type MembershipCheck,
  membershipOf,
  membershipOfError,
} from '../lottery/conditions.ts';
import {
  type JoinLottery,
  type JoinOutcome,
  type JoinPhase,
  joinLottery,
  recordStarted,
} from '../lottery/join.ts';
import { MEMBERSHIP_TIMEOUT_MS } from '../lottery/membership-client.ts';
import { enqueue } from '../lottery/outbox.ts';
import { joinDeepLink, parseJoinCallback, parseStartPayload } from '../lottery/render.ts';
import { loadJoinLottery, openLotteryByKeyword } from '../lottery/store.ts';
import { languageFor, texts } from '../lottery/texts.ts';
import { callbackAnswer, startReply } from './join-replies.ts';
import { sequentialize } from './sequence.ts';
import type { TelegramAdapter } from './telegram.ts';

/** How long the bot reuses what it read of a lottery for joins (ms). */
export const LOTTERY_CACHE_MS = 1000;

/** The callback is answered within this time whatever the checks or the database still do (ms). */
export const ANSWER_BUDGET_MS = 2500;

/**
 * When the bot decides what to answer a press that is still running (ms): the rest of
 * {@link ANSWER_BUDGET_MS} is left for a short lookup ({@link LOOKUP_MS}) and the answer itself.
 */
export const ANSWER_DECIDE_MS = 2100;

/** The longest a lookup made only to word an answer may take (ms); without it the answer is plainer. */
export const LOOKUP_MS = 200;

type Settled<T> = { kind: 'done'; value: T } | { kind: 'failed'; error: unknown } | { kind: 'slow' };

/** How `work` ends within `ms` milliseconds: its value, its error, or `slow` (it goes on running). */
async function settleWithin<T>(work: Promise<T>, ms: number): Promise<Settled<T>> {
  let timer: NodeJS.Timeout | undefined;
  const slow = new Promise<Settled<T>>((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'slow' }), ms);
  });
  try {
    return await Promise.race([
      work.then(
        (value): Settled<T> => ({ kind: 'done', value }),
        (error: unknown): Settled<T> => ({ kind: 'failed', error }),
      ),
      slow,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export interface LotteryContext {
  sql: Sql;
  tenantId: number;
  /** After the bot queued a send itself. */
  wakeOutbox: () => void;
  /** After an entry was added (the posts' counts). */
  entriesChanged: () => void;
}

export interface HandlerOptions {
  tenantName: string;
  logger: Logger;
  lottery?: LotteryContext;
}

interface TgUser {
  id: number;
  is_bot: boolean;
  first_name: string;
  last_name?: string;
  username?: string;
  language_code?: string;
}

/** Text as PostgreSQL can store it: NUL characters (which Telegram should never send) removed. */
const storable = (text: string | undefined): string | undefined => text?.replaceAll('\u0000', '');

function entrantOf(user: TgUser): Entrant {
  return {
    userId: user.id,
    firstName: storable(user.first_name) ?? '',
    lastName: storable(user.last_name) ?? null,
    username: storable(user.username) ?? null,
    languageCode: storable(user.language_code) ?? null,
    isBot: user.is_bot === true,
  };
}

function isQueryTooOld(err: unknown): boolean {
  const e = err as { code?: number; description?: string };
  return e?.code === 400 && /query is too old|query id is invalid/i.test(e.description ?? '');
}

export interface Handlers {
  /**
   * Resolves when the presses in hand are answered and the joins answered "checking" have sent their
   * outcome (call after polling stopped).
   */
  settled(): Promise<void>;
  /**
   * Resolves when the presses in hand now are answered (their join written, or the user asked to press
   * again): webhook mode marks its stored updates handled only then, so a crash before it does not lose
   * a press (src/host/update-pump.ts).
   */
  pressesAnswered(): Promise<void>;
}

export function registerHandlers(adapter: TelegramAdapter, options: HandlerOptions): Handlers {
  const { bot } = adapter;
  const { logger, lottery } = options;
  // One user's updates in Telegram's order (a start and a block in one batch must not swap).
  bot.use(sequentialize());
  /** Slow joins still running after their callback was answered "checking". */
  const followUps = new Set<Promise<void>>();
  /** Button presses being handled (beside polling). */
  const presses = new Set<Promise<void>>();

  const checkMembership: MembershipCheck = async (chatId, userId) => {
    try {
      // Bounded by the join's budget (the seam's own timeout is 10 s). Through Telegraf's callApi, which
      // the adapter bridges to the seam (Telegraf types `signal` with an old AbortSignal shim).
      const callApi = bot.telegram.callApi as (
        m: string,
        p: unknown,
        o: { signal: AbortSignal },
      ) => Promise<unknown>;
      const member = await callApi(
        'getChatMember',
        { chat_id: chatId, user_id: userId },
        { signal: AbortSignal.timeout(MEMBERSHIP_TIMEOUT_MS) },
      );
      return membershipOf(member as { status?: string; is_member?: boolean });
    } catch (err) {
      const e = err as { code?: number; description?: string; message?: string };
      return membershipOfError(e.code ?? null, e.description ?? e.message ?? '');
    }
  };

  const nameOf = async (ctx: LotteryContext) => {
    const names = await chatNames(ctx.sql, ctx.tenantId);
    return (chatId: number) => names.get(chatId) ?? String(chatId);
  };

  const reply = async (ctx: LotteryContext, chatId: number, text: string, key?: string) => {
    await enqueue(ctx.sql, [
      {
        tenantId: ctx.tenantId,
        method: 'sendMessage',
        payload: { chat_id: chatId, text },
        kind: 'join-result',
        dedupeKey: key ?? null,
      },
    ]);
    ctx.wakeOutbox();
  };

  // What joining needs of a lottery, kept for a moment: a burst of presses reads it once. The join itself
  // re-checks the status under the row lock, so a stale copy never admits an entry to a closed lottery.
  const cache = new Map<number, { at: number; lottery: Promise<JoinLottery | null> }>();
  const lotteryFor = (ctx: LotteryContext, lotteryId: number) => {
    const now = Date.now();
    const hit = cache.get(lotteryId);
    if (hit && now - hit.at < LOTTERY_CACHE_MS) return hit.lottery;
    const lottery = loadJoinLottery(ctx.sql, ctx.tenantId, lotteryId);
    if (cache.size > 1000) cache.clear();
    cache.set(lotteryId, { at: now, lottery });
    lottery.catch(() => cache.delete(lotteryId));
    return lottery;
  };

  const join = async (
    ctx: LotteryContext,
    lotteryId: number,
    user: TgUser,
    source: 'button' | 'deeplink' | 'keyword',
    progress?: (phase: JoinPhase) => void,
  ) => {
    const outcome = await joinLottery(ctx.sql, {
      tenantId: ctx.tenantId,
      lotteryId,
      entrant: entrantOf(user),
      source,
      checkMembership,
      lottery: await lotteryFor(ctx, lotteryId),
      ...(progress ? { progress } : {}),
    });
    if (outcome.kind === 'closed') cache.delete(lotteryId);
    if (outcome.kind === 'joined') ctx.entriesChanged();
    return outcome;
  };

  bot.start(async (ctx) => {
    const from = ctx.from as TgUser | undefined;
    if (!lottery || !from || ctx.chat?.type !== 'private') {
      const name = ctx.from?.first_name ?? '';
      await ctx.reply(texts('en').startGreeting(name, options.tenantName));
      return;
    }
    await recordStarted(lottery.sql, lottery.tenantId, from.id, from.language_code ?? null);
    const language = languageFor(from.language_code, 'zh-CN');
    const lotteryId = parseStartPayload((ctx as { payload?: string }).payload);
    if (lotteryId === null) {
      await reply(lottery, from.id, texts(language).startGreeting(from.first_name ?? '', options.tenantName));
      return;
    }
    const outcome = await join(lottery, lotteryId, from, 'deeplink');
    await reply(lottery, from.id, startReply(outcome, from.language_code ?? null, await nameOf(lottery)));
  });

  // A press is handled beside polling, not in it: Telegraf fetches the next updates only when every
  // handler of a batch has returned, so a press waiting on a frozen database would make every press
  // behind it wait too. Tracked, so a stop answers the presses in hand (settled()).
  bot.on('callback_query', (ctx) => {
    const task: Promise<void> = (async () => {
      const query = ctx.callbackQuery;
      const data = 'data' in query ? query.data : undefined;
      const lotteryId = parseJoinCallback(data);
      const answer = async (text?: string, extra: { show_alert?: boolean; url?: string } = {}) => {
        try {
          await ctx.answerCbQuery(text, extra);
        } catch (err) {
          if (isQueryTooOld(err)) logger.debug('a callback query expired before it was answered (F10)');
          else throw err;
        }
      };
      if (!lottery || lotteryId === null) {
        await answer();
        return;
      }
      const from = query.from as TgUser;
      const language = languageFor(from.language_code, 'zh-CN');
      let phase = 'reading' as JoinPhase;
      const work = join(lottery, lotteryId, from, 'button', (p) => {
        phase = p;
      });
      const first = await settleWithin(work, ANSWER_DECIDE_MS);
      // The database failed or is too slow to tell: never silence, never a "joined" we do not know of.
      // Before the entry's statement went out nothing is recorded; after it, the entry may be committed
      // unheard of, and a second press (idempotent: one entry per user) tells "joined" or "already".
      const couldNot = () =>
        phase === 'writing' ? texts(language).joinUnconfirmed : texts(language).joinFailed;
      if (first.kind === 'failed') {
        logger.warn(
          { err: first.error, lottery: lotteryId, phase },
          'a join failed on the database; asked to press again',
        );
        await answer(couldNot(), { show_alert: true });
        return;
      }
      if (first.kind === 'slow' && phase !== 'checking') {
        logger.warn(
          { lottery: lotteryId, phase },
          'a join outlasted the answer budget on the database; asked to press again',
        );
        work.catch((err: unknown) => logger.debug({ err }, 'a join given up on failed later'));
        await answer(couldNot(), { show_alert: true });
        return;
      }
      if (first.kind === 'slow') {
        // Telegram's membership check is slow: "checking" now, the outcome in private (F10). Not awaited
        // here: the next updates (other users' presses) wait until this handler returns.
        const followUp: Promise<void> = work
          .then(async (outcome) =>
            reply(lottery, from.id, startReply(outcome, from.language_code ?? null, await nameOf(lottery))),
          )
          .catch((err: unknown) => logger.error({ err }, 'a join answered "checking" failed'))
          .finally(() => followUps.delete(followUp));
        followUps.add(followUp);
        // The outcome arrives in private, which needs the user to have started the bot: if they have not
        // (or the database cannot say so in time), the answer opens the bot with the deep link (its
        // /start join_<id> reply tells them the outcome).
        const username = adapter.bot.botInfo?.username;
        const started = await settleWithin(hasStartedBot(lottery.sql, lottery.tenantId, from.id), LOOKUP_MS);
        const canMessage = started.kind === 'done' && started.value;
        await answer(
          texts(language).checking,
          !canMessage && username ? { url: joinDeepLink(username, lotteryId) } : {},
        );
        return;
      }
      const outcome: JoinOutcome = first.value;
      let names = (id: number) => String(id);
      if (outcome.kind === 'not-member') {
        const named = await settleWithin(nameOf(lottery), LOOKUP_MS);
        if (named.kind === 'done') names = named.value;
      }
      const { text, alert } = callbackAnswer(outcome, from.language_code ?? null, names);
      const username = adapter.bot.botInfo?.username;
      if (outcome.kind === 'joined' && !outcome.startedBot && username) {
        // Opens the bot with the deep link: one tap on Start and the bot may message the winner (F7).
        await answer(text, { url: joinDeepLink(username, lotteryId) });
        return;
      }
      await answer(text, { show_alert: alert });
    })()
      .catch((err: unknown) => logger.error({ err }, 'answering a button press failed'))
      .finally(() => presses.delete(task));
    presses.add(task);
  });

  bot.on('message', async (ctx, next) => {
    const message = ctx.message as { text?: string; chat: { id: number; type: string }; from?: TgUser };
    if (!lottery || !message.text || !message.from || message.chat.type === 'private') return next();
    const keyword = storable(message.text)!.trim();
    if (keyword.length === 0 || keyword.length > 64) return next();
    const lotteryId = await openLotteryByKeyword(lottery.sql, lottery.tenantId, message.chat.id, keyword);
    if (lotteryId === null) return next();
    const target = await loadJoinLottery(lottery.sql, lottery.tenantId, lotteryId);
    if (!target) return next();
    const outcome = await join(lottery, lotteryId, message.from, 'keyword');
    // In the group only the result matters to the user; answer in private when they started the bot.
    const started = outcome.kind === 'joined' ? outcome.startedBot : false;
    if (started || outcome.kind !== 'joined') {
      logger.debug({ lottery: lotteryId, outcome: outcome.kind }, 'keyword join');
    }
    if (started) {
      await reply(
        lottery,
        message.from.id,
        startReply(outcome, message.from.language_code ?? null, await nameOf(lottery)),
      );
    }
  });

  bot.on('my_chat_member', async (ctx) => {
    const update = ctx.myChatMember;
    const chat = update.chat as { id: number; type: string; title?: string; username?: string };
    const status = update.new_chat_member.status;
    logger.info({ chatId: chat.id, chatType: chat.type, status }, 'bot membership changed in a chat');
    if (!lottery) return;
    if (chat.type === 'private') {
      if (status === 'kicked') await recordBlocked(lottery.sql, lottery.tenantId, update.from.id);
      else if (status === 'member')
        await recordStarted(lottery.sql, lottery.tenantId, update.from.id, update.from.language_code ?? null);
      return;
    }
    const rights: Record<string, boolean> = {};
    for (const [key, value] of Object.entries(update.new_chat_member)) {
      if (typeof value === 'boolean') rights[key] = value;
    }
    await recordChat(lottery.sql, lottery.tenantId, {
      chatId: chat.id,
      type: chat.type,
      title: chat.title ?? null,
      username: chat.username ?? null,
      botStatus: status,
      rights,
    });
  });

  bot.catch((err, ctx) => {
    // Telegraf may hand over a value that is not an Error (pino would log "[object Object]").
    const error =
      err instanceof Error ? err : new Error(`non-error thrown: ${JSON.stringify(err)?.slice(0, 500)}`);
    logger.error(
      {
        err: error,
        updateId: ctx.update.update_id,
        updateType: Object.keys(ctx.update).find((k) => k !== 'update_id'),
      },
      `an update handler failed (${error.message}); polling goes on`,
    );
  });

  return {
    async settled() {
      await Promise.all([...presses]);
      await Promise.all([...followUps]);
    },
    async pressesAnswered() {
      await Promise.all([...presses]);
    },
  };
}
