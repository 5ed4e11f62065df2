/**
 * Every Bot API method the sandbox implements, by lower-case name (Telegram's method names are
 * case-insensitive). A name not found here answers 404 `Not Found`, as Telegram does.
 */
import { botMethods } from './bot.ts';
import { chatMethods } from './chats.ts';
import type { MethodHandler } from './context.ts';
import { messageMethods } from './messages.ts';
import { updateMethods } from './updates.ts';

export type { MethodContext, MethodHandler } from './context.ts';

const ALL: Record<string, MethodHandler> = {
  ...botMethods,
  ...updateMethods,
  ...messageMethods,
  ...chatMethods,
};

/** Method handlers keyed by lower-case method name. */
export const METHODS: ReadonlyMap<string, MethodHandler> = new Map(
  Object.entries(ALL).map(([name, handler]) => [name.toLowerCase(), handler]),
);

/** The implemented method names, as Telegram spells them. */
export const METHOD_NAMES: readonly string[] = Object.keys(ALL);
