/**
 * Updates of one user are handled in the order Telegram sent them; updates of different users run side by
 * side. Telegraf's polling hands every update of a `getUpdates` batch to the handlers at once
 * (`Promise.all`), so without this a user who starts the bot and blocks it a moment later can be recorded
 * as blocked and then, by the slower `/start` handler, as started again. Telegram numbers updates in the
 * order they happened (Bot API, `Update.update_id`); grammY's runner keeps the same order with its
 * `sequentialize` middleware, which this follows. The key is the user rather than the chat (grammY's usual
 * choice) so that a busy group's keyword joins still run side by side: what must stay in order is what one
 * person does (start, block, join), and the bot's own rights in a chat (`my_chat_member`).
 */

/** What the sequencer reads of Telegraf's context (structurally; Telegraf stays in telegram.ts). */
interface KeyedContext {
  update: object;
  chat?: { id: number; type?: string } | undefined;
  from?: { id: number } | undefined;
}

/**
 * The key updates are ordered by: for a change of the bot's membership in a group or channel, that chat;
 * else the user who caused the update (in private chats, `my_chat_member` included, the chat is the
 * user); else the chat (channel posts); else none (handled at once).
 */
export function sequenceKeyOf(ctx: KeyedContext): string | undefined {
  if ('my_chat_member' in ctx.update && ctx.chat && ctx.chat.type !== 'private') return `c${ctx.chat.id}`;
  if (ctx.from) return `u${ctx.from.id}`;
  if (ctx.chat) return `c${ctx.chat.id}`;
  return undefined;
}

/**
 * A Telegraf middleware that runs the rest of the chain for an update only when every earlier update
 * with the same {@link sequenceKeyOf key} has been handled (successfully or not: a failed handler does not
 * hold the others back). Memory: one entry per key with an update in hand, removed when its last finishes.
 */
export function sequentialize<C extends KeyedContext>(): (
  ctx: C,
  next: () => Promise<void>,
) => Promise<void> {
  const tails = new Map<string, Promise<void>>();
  return async (ctx, next) => {
    const key = sequenceKeyOf(ctx);
    if (key === undefined) return next();
    const before = tails.get(key);
    let release!: () => void;
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const tail = before ? before.then(() => mine) : mine;
    tails.set(key, tail);
    try {
      if (before) await before;
      await next();
    } finally {
      release();
      if (tails.get(key) === tail) tails.delete(key);
    }
  };
}
