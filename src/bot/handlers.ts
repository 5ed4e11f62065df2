/**
 * What the bot does with updates. For now: `/start` answers with a greeting naming the organiser, and
 * chat-less updates such as `my_chat_member` (sent whenever the bot is added to a chat) are accepted
 * without replying, since replying to them would fail and end polling (F18). The lottery issue fills
 * this in. Every handler error is caught by `bot.catch`, logged, and never ends polling (F2).
 */
import type { Logger } from '../log/logger.ts';
import type { TelegramAdapter } from './telegram.ts';

export interface HandlerOptions {
  tenantName: string;
  logger: Logger;
}

export function registerHandlers(adapter: TelegramAdapter, options: HandlerOptions): void {
  const { bot } = adapter;
  const { logger } = options;

  bot.start(async (ctx) => {
    const name = ctx.from?.first_name ?? '';
    await ctx.reply(
      `👋 ${name ? `${name}, ` : ''}this is the giveaway bot of ${options.tenantName}. ` +
        `Join a giveaway with the button under its post; if you win, the prize message arrives here.`,
    );
  });

  bot.on('my_chat_member', (ctx) => {
    const update = ctx.myChatMember;
    logger.info(
      { chatId: update.chat.id, chatType: update.chat.type, status: update.new_chat_member.status },
      'bot membership changed in a chat',
    );
  });

  bot.catch((err, ctx) => {
    logger.error({ err, updateId: ctx.update.update_id }, 'an update handler failed; polling goes on');
  });
}
