/**
 * Whether a value has a Telegram bot token's shape (the pattern lives in src/contracts/bot.ts). The web checks a
 * pasted token with it, the supervisor every token it decrypts, the bot host the token of its start message.
 */
import { BOT_TOKEN_PATTERN } from '../contracts/bot.ts';

/** Whether `value` has the shape of a bot token (it says nothing about whether Telegram accepts it). */
export function isBotTokenShaped(value: string): boolean {
  return BOT_TOKEN_PATTERN.test(value);
}
