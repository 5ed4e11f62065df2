/**
 * Methods about the bot itself: getMe, logOut, close, setMyCommands, getMyCommands, deleteMyCommands.
 * https://core.telegram.org/bots/api#getme, #setmycommands
 */
import type { BotCommand } from '@telegraf/types';
import { badRequest, TG } from '../errors.ts';
import { getMeObject } from '../render.ts';
import type { MethodContext, MethodHandler } from './context.ts';

/** Commands are stored per scope and language: the key is the scope JSON plus the language code. */
function commandsKey(ctx: MethodContext): string {
  const scope = ctx.params.json('scope') ?? { type: 'default' };
  const language = ctx.params.string('language_code') ?? '';
  return `${JSON.stringify(scope)}|${language}`;
}

function parseCommands(ctx: MethodContext): BotCommand[] {
  const raw = ctx.params.json('commands');
  if (!Array.isArray(raw)) throw badRequest(TG.required('commands'));
  if (raw.length > 100) throw badRequest(TG.commandInvalid);
  return raw.map((c: unknown) => {
    const { command, description } = (c ?? {}) as Record<string, unknown>;
    if (typeof command !== 'string' || !/^[a-z0-9_]{1,32}$/.test(command.replace(/^\//, ''))) {
      throw badRequest(TG.commandInvalid);
    }
    if (typeof description !== 'string' || description.length < 1 || description.length > 256) {
      throw badRequest(TG.commandDescriptionInvalid);
    }
    return { command: command.replace(/^\//, ''), description };
  });
}

export const botMethods: Record<string, MethodHandler> = {
  getMe: (ctx) => getMeObject(ctx.bot),
  logOut: () => true,
  close: () => true,
  setMyCommands: (ctx) => {
    const commands = parseCommands(ctx);
    ctx.bot.commands.set(commandsKey(ctx), commands);
    return true;
  },
  getMyCommands: (ctx) => ctx.bot.commands.get(commandsKey(ctx)) ?? [],
  deleteMyCommands: (ctx) => {
    ctx.bot.commands.delete(commandsKey(ctx));
    return true;
  },
};
