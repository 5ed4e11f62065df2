/**
 * Unique values for the factories: every call gives a value no other call of this process gave, from a
 * random starting point, so no test can come to rely on a particular id or name. Each range stays clear
 * of the ids the Bot API sandbox hands out (src/sandbox/ids.ts: bots from 7,000,000,000, users from
 * 100,000,000, groups and supergroups around -4,000,000,000 and -1,002,000,000,000).
 */
import { randomInt } from 'node:crypto';

let counter = randomInt(1, 1_000_000) * 1000;

/** A positive integer not returned before in this process. */
export function unique(): number {
  counter++;
  return counter;
}

/** A name `<prefix>_<n>` not returned before (letters of the prefix, then digits only: no look-alikes). */
export function uniqueName(prefix: string): string {
  return `${prefix}_${unique()}`;
}

/** A Telegram user id (positive, above the sandbox's users). */
export function uniqueUserId(): number {
  return 6_000_000_000 + unique();
}

/** A Telegram bot id (above the sandbox's bots). */
export function uniqueBotId(): number {
  return 8_000_000_000 + unique();
}

/** A Telegram chat id of a channel or supergroup (negative, below the sandbox's). */
export function uniqueChatId(): number {
  return -1_009_000_000_000 - unique();
}

/**
 * A string of the shape of a bot token for `botId` (`<bot id>:<35 URL-safe characters>`, as @BotFather
 * shows them; src/security/bot-token.ts). Telegram would not accept it: use a sandbox bot for a bot that runs.
 */
export function uniqueBotToken(botId: number = uniqueBotId()): string {
  const secret = `AAF${unique().toString(36)}`.padEnd(35, 'x');
  return `${botId}:${secret}`;
}
