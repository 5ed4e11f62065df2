/**
 * Telegram users as the product sees them when they join (src/lottery/conditions.ts `Entrant`): plain
 * values, nothing stored. {@link makeEntry} and {@link makeBotUser} store them.
 */
import type { Entrant } from '../../../src/lottery/index.ts';
import { uniqueUserId } from './unique.ts';

/**
 * A Telegram user: `User <id>`, username `user<id>`, English, not a bot.
 * @param userId default a fresh id
 */
export function person(userId: number = uniqueUserId(), extra: Partial<Entrant> = {}): Entrant {
  return {
    userId,
    firstName: `User ${userId}`,
    lastName: null,
    username: `user${userId}`,
    languageCode: 'en',
    isBot: false,
    ...extra,
  };
}
