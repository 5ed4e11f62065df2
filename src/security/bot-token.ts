/**
 * The shape of a Telegram bot token, in one place: `<bot id>:<secret>` as @BotFather shows it, the bot id
 * 1-20 digits and the secret 20-100 URL-safe characters (Telegram's are 35 today). The web checks a pasted
 * token with it, the supervisor every token it decrypts, the bot process the token of its start message.
 */

/** A whole bot token, anchored. */
export const BOT_TOKEN_PATTERN = /^[0-9]{1,20}:[A-Za-z0-9_-]{20,100}$/;

/** Whether `value` has the shape of a bot token (it says nothing about whether Telegram accepts it). */
export function isBotTokenShaped(value: string): boolean {
  return BOT_TOKEN_PATTERN.test(value);
}
