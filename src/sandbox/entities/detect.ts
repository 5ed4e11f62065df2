/**
 * Entities Telegram finds by itself in message text (TDLib's find_entities, simplified): bot commands,
 * @mentions, #hashtags and http(s) links. Offsets are UTF-16 code units, i.e. JavaScript string indices.
 */
import type { MessageEntity } from '@telegraf/types';

const PATTERNS: Array<{ type: 'bot_command' | 'mention' | 'hashtag' | 'url'; re: RegExp }> = [
  {
    type: 'bot_command',
    re: /(?<![\p{L}\p{N}_/@])\/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\p{L}\p{N}_/@])/gu,
  },
  { type: 'mention', re: /(?<![\p{L}\p{N}_@/])@[A-Za-z0-9_]{5,32}(?![\p{L}\p{N}_])/gu },
  { type: 'hashtag', re: /(?<![\p{L}\p{N}_#])#[\p{L}\p{N}_]*\p{L}[\p{L}\p{N}_]*/gu },
  { type: 'url', re: /\bhttps?:\/\/[^\s<>"'`]+[^\s<>"'`.,;:!?)\]]/giu },
];

/** Cheap pre-check: text without any of these characters has no automatic entity. */
const MAYBE = /[/@#:]/;

/**
 * Find automatic entities in `text`, skipping any that overlap `existing` (e.g. a parsed text_link or code).
 * @param commands whether to look for bot commands (Telegram does in messages from users).
 */
export function detectEntities(text: string, existing: MessageEntity[], commands: boolean): MessageEntity[] {
  if (!MAYBE.test(text)) return [];
  const found: MessageEntity[] = [];
  const taken = (offset: number, length: number) =>
    [...existing, ...found].some((e) => offset < e.offset + e.length && e.offset < offset + length);
  for (const { type, re } of PATTERNS) {
    if (type === 'bot_command' && !commands) continue;
    for (const match of text.matchAll(re)) {
      const offset = match.index;
      const length = match[0].length;
      if (!taken(offset, length)) found.push({ type, offset, length });
    }
  }
  return found;
}
