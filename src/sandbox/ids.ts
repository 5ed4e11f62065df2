/**
 * Identifiers shaped like Telegram's: bot ids from 7000000001, user ids from 100000001, basic groups
 * -4000000001..., supergroups and channels -100xxxxxxxxxx, tokens `<bot id>:<35 url-safe chars>`.
 */
import { randomBytes } from 'node:crypto';

const TOKEN_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';

/** A fresh secret half of a bot token: 35 url-safe characters. */
export function tokenSecret(): string {
  const bytes = randomBytes(35);
  let out = '';
  for (const b of bytes) out += TOKEN_CHARS[b & 63];
  return out;
}

/** A callback query id: a long decimal string, like Telegram's. */
export function callbackQueryId(seq: number): string {
  return `${BigInt(randomBytes(6).readUIntBE(0, 6)) * 1000n + BigInt(seq % 1000)}`;
}

/** Counters for every kind of id; `reset()` starts them over. */
export class IdSequence {
  bot = 7_000_000_000;
  user = 100_000_000;
  group = 4_000_000_000;
  supergroup = 1_002_000_000_000;

  nextBot(): number {
    return ++this.bot;
  }
  nextUser(): number {
    return ++this.user;
  }
  /** A basic group id (negative). */
  nextGroup(): number {
    return -++this.group;
  }
  /** A supergroup or channel id: -100 followed by ten digits. */
  nextSupergroup(): number {
    return -++this.supergroup;
  }
}

/**
 * Telegram's chat_instance: one stable opaque id per (bot, chat). Derived with FNV-1a so it is the same
 * for every press in that chat, and different per bot.
 */
export function chatInstance(botId: number, chatId: number): string {
  let h = 0xcbf29ce484222325n;
  for (const ch of `${botId}/${chatId}`) {
    h ^= BigInt(ch.charCodeAt(0));
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return BigInt.asIntN(64, h).toString();
}
