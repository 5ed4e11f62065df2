/**
 * The text of a sendMessage / editMessageText as Telegram processes it: parse_mode markup (or explicit
 * `entities`), whitespace trimming, automatic entities, then the empty and length checks.
 * https://core.telegram.org/bots/api#formatting-options
 */
import type { MessageEntity } from '@telegraf/types';
import { badRequest, TG } from '../errors.ts';
import { EntityParseError, sortEntities, toBotApiEntities } from './bytes.ts';
import { detectEntities } from './detect.ts';
import { parseHtml } from './html.ts';
import { parseMarkdown, parseMarkdownV2 } from './markdown.ts';

export interface FormattedText {
  text: string;
  entities: MessageEntity[];
}

export interface FormatOptions {
  /** `HTML`, `MarkdownV2` or `Markdown` (case-insensitive); empty or undefined = plain text. */
  parseMode?: string | undefined;
  /** Explicit entities; when given, parse_mode is ignored, as Telegram does. */
  entities?: MessageEntity[] | undefined;
  /** Refuse broken markup (default true); false sends the raw text without entities. */
  checkEntities?: boolean;
  /** Maximum length in Unicode code points (Telegram: 4096). */
  maxLength: number;
  /** Look for bot commands (messages written by users). */
  detectCommands?: boolean;
}

/** Number of Unicode code points in `text` (how Telegram measures the 4096 limit). */
export function codePointLength(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0xdc00 || c > 0xdfff) n++;
  }
  return n;
}

/**
 * Parse `text` with `parse_mode` into plain text and entities, without Telegram's trimming or limits.
 * @throws EntityParseError with TDLib's message when the markup is broken.
 * @throws BotApiError 400 for an unknown parse_mode.
 */
export function parseMarkup(text: string, parseMode: string | undefined): FormattedText {
  const mode = (parseMode ?? '').toLowerCase();
  if (mode === '' || (mode === 'html' && !/[<&]/.test(text))) return { text, entities: [] };
  const parsers: Record<string, (input: string) => ReturnType<typeof parseHtml>> = {
    html: parseHtml,
    markdownv2: parseMarkdownV2,
    markdown: parseMarkdown,
  };
  const parser = parsers[mode];
  if (!parser) throw badRequest(TG.unsupportedParseMode(parseMode ?? ''));
  const parsed = parser(text);
  return { text: parsed.text, entities: toBotApiEntities(parsed.entities) };
}

/**
 * Produce the message text and entities Telegram would store, or throw the error it would give.
 * @throws BotApiError 400 `can't parse entities: ...`, `message text is empty`, `message is too long`.
 */
export function formatMessageText(raw: string, options: FormatOptions): FormattedText {
  let parsed: FormattedText;
  if (options.entities) {
    parsed = { text: raw, entities: options.entities.map((e) => ({ ...e })) };
  } else {
    try {
      parsed = parseMarkup(raw, options.parseMode);
    } catch (err) {
      if (!(err instanceof EntityParseError)) throw err;
      if (options.checkEntities === false) parsed = { text: raw, entities: [] };
      else throw badRequest(TG.cantParseEntities(err.message));
    }
  }
  const trimmed = trim(parsed);
  if (trimmed.text === '') throw badRequest(TG.textEmpty);
  if (codePointLength(trimmed.text) > options.maxLength) throw badRequest(TG.messageTooLong);
  const auto = detectEntities(trimmed.text, trimmed.entities, options.detectCommands ?? false);
  return { text: trimmed.text, entities: sortEntities([...trimmed.entities, ...auto]) };
}

const SPACE = /[\s\u200b\u2060\ufeff]/u;

/** Strip leading and trailing whitespace, moving and clipping entities (TDLib's fix_formatted_text). */
function trim({ text, entities }: FormattedText): FormattedText {
  let start = 0;
  let end = text.length;
  while (start < end && SPACE.test(text[start] ?? '')) start++;
  while (end > start && SPACE.test(text[end - 1] ?? '')) end--;
  const valid = (e: MessageEntity) =>
    Number.isInteger(e.offset) && Number.isInteger(e.length) && e.offset >= 0 && e.length > 0;
  if (start === 0 && end === text.length && entities.every((e) => valid(e) && e.offset + e.length <= end)) {
    return { text, entities };
  }
  const out: MessageEntity[] = [];
  for (const e of entities) {
    if (!valid(e)) continue;
    const from = Math.max(e.offset, start);
    const to = Math.min(e.offset + e.length, end);
    if (to <= from) continue;
    out.push({ ...e, offset: from - start, length: to - from });
  }
  return { text: text.slice(start, end), entities: out };
}
