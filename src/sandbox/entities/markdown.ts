/**
 * parse_mode `Markdown` (legacy) and `MarkdownV2`: ports of TDLib's parse_markdown and parse_markdown_v2
 * (td/telegram/MessageEntity.cpp) with their exact error texts and byte offsets.
 * https://core.telegram.org/bots/api#markdownv2-style and #markdown-style
 */
import {
  ByteText,
  ch,
  checkedLink,
  EntityParseError,
  isFirstCodeUnit,
  isSpace,
  sortEntities,
  type TdEntity,
  type TdEntityType,
  utf16Width,
} from './bytes.ts';

const BACKTICK = ch('`');

/**
 * Legacy Markdown: *bold* _italic_ `code` ```pre``` [text](url); `\` escapes _ * ` [ only.
 * @throws EntityParseError `Can't find end of the entity starting at byte offset N`.
 */
export function parseMarkdown(input: string): { text: string; entities: TdEntity[] } {
  const t = new ByteText(input);
  const entities: TdEntity[] = [];
  let utf16 = 0;
  const special = (b: number) => b === ch('_') || b === ch('*') || b === BACKTICK || b === ch('[');
  for (let i = 0; i < t.size; i++) {
    const c = t.at(i);
    if (c === ch('\\') && special(t.at(i + 1))) {
      i++;
      t.push(t.at(i));
      utf16++;
      continue;
    }
    if (!special(c)) {
      if (isFirstCodeUnit(c)) utf16 += utf16Width(c);
      t.push(c);
      continue;
    }
    const begin = i;
    const endChar = c === ch('[') ? ch(']') : c;
    let isPre = false;
    i++;
    let language = '';
    if (c === BACKTICK && t.at(i) === BACKTICK && t.at(i + 1) === BACKTICK) {
      i += 2;
      isPre = true;
      let langEnd = i;
      while (!isSpace(t.at(langEnd)) && t.at(langEnd) !== BACKTICK) langEnd++;
      if (i !== langEnd && langEnd < t.size && t.at(langEnd) !== BACKTICK) {
        language = t.slice(i, langEnd);
        i = langEnd;
      }
      i = skipOneNewline(t, i);
    }
    const entityOffset = utf16;
    while (
      i < t.size &&
      (t.at(i) !== endChar || (isPre && !(t.at(i + 1) === BACKTICK && t.at(i + 2) === BACKTICK)))
    ) {
      const cur = t.at(i);
      if (isFirstCodeUnit(cur)) utf16 += utf16Width(cur);
      t.push(t.at(i++));
    }
    if (i === t.size)
      throw new EntityParseError(`Can't find end of the entity starting at byte offset ${begin}`);
    if (entityOffset !== utf16) {
      const length = utf16 - entityOffset;
      const add = (type: TdEntityType, argument = '') =>
        entities.push({ type, offset: entityOffset, length, argument });
      if (c === ch('_')) add('Italic');
      else if (c === ch('*')) add('Bold');
      else if (c === ch('[')) {
        let url: string;
        if (t.at(i + 1) !== ch('(')) {
          url = t.slice(begin + 1, i);
        } else {
          i += 2;
          const urlBegin = i;
          while (i < t.size && t.at(i) !== ch(')')) i++;
          url = t.slice(urlBegin, i);
        }
        const checked = checkedLink(url);
        if (checked !== '') add('TextUrl', checked);
      } else if (isPre) {
        add(language === '' ? 'Pre' : 'PreCode', language);
      } else add('Code');
    }
    if (isPre) i += 2;
  }
  return { text: t.result(), entities: sortEntities(entities) };
}

function skipOneNewline(t: ByteText, i: number): number {
  const a = t.at(i);
  if (a === ch('\n') || a === ch('\r')) {
    const b = t.at(i + 1);
    if ((b === ch('\n') || b === ch('\r')) && a !== b) return i + 2;
    return i + 1;
  }
  return i;
}

const RESERVED_V2 = new Set([...'_*[]()~`>#+-=|{}.!\n'].map(ch));

interface OpenV2 {
  type: TdEntityType;
  argument: string;
  offset: number;
  byteOffset: number;
  outPos: number;
}

/**
 * MarkdownV2: *bold* _italic_ __underline__ ~strike~ ||spoiler|| [text](url) `code` ```pre```, `>` quotes;
 * every reserved character `_*[]()~`>#+-=|{}.!` outside an entity must be escaped with `\`.
 * @throws EntityParseError e.g. `Character '.' is reserved and must be escaped with the preceding '\'`,
 *   `Can't find end of Bold entity at byte offset 0`.
 */
export function parseMarkdownV2(input: string): { text: string; entities: TdEntity[] } {
  const t = new ByteText(input);
  const entities: TdEntity[] = [];
  const open: OpenV2[] = [];
  let utf16 = 0;
  let haveBlockquote = false;
  const reserved = (c: number) =>
    `Character '${String.fromCharCode(c)}' is reserved and must be escaped with the preceding '\\'`;
  const fail = (message: string): never => {
    throw new EntityParseError(message);
  };

  for (let i = 0; i < t.size; i++) {
    const c = t.at(i);
    const next = t.at(i + 1);
    if (c === ch('\\') && next > 0 && next <= 126) {
      i++;
      utf16 += 1;
      t.push(t.at(i));
      continue;
    }
    const top = open[open.length - 1];
    const inCode = top !== undefined && (top.type === 'Code' || top.type === 'Pre' || top.type === 'PreCode');
    const isReserved = inCode ? c === BACKTICK : RESERVED_V2.has(c);
    if (!isReserved) {
      if (isFirstCodeUnit(c)) utf16 += utf16Width(c);
      t.push(c);
      continue;
    }

    let isEnd = false;
    if (top) {
      if (haveBlockquote && c === ch('\n') && (i + 1 === t.size || next !== ch('>'))) isEnd = true;
      else isEnd = endsEntity(top.type, c, next, t.at(i + 2));
    }

    if (!isEnd) {
      let type: TdEntityType | 'None' = 'None';
      let argument = '';
      const byteOffset = i;
      switch (String.fromCharCode(c)) {
        case '_':
          if (next === ch('_')) {
            type = 'Underline';
            i++;
          } else type = 'Italic';
          break;
        case '*':
          type = 'Bold';
          break;
        case '~':
          type = 'Strikethrough';
          break;
        case '|':
          if (next !== ch('|')) fail(reserved(c));
          i++;
          type = 'Spoiler';
          break;
        case '[':
          type = 'TextUrl';
          break;
        case '`':
          if (next === BACKTICK && t.at(i + 2) === BACKTICK) {
            i += 3;
            type = 'Pre';
            let langEnd = i;
            while (!isSpace(t.at(langEnd)) && t.at(langEnd) !== BACKTICK) langEnd++;
            if (i !== langEnd && langEnd < t.size && t.at(langEnd) !== BACKTICK) {
              type = 'PreCode';
              argument = t.slice(i, langEnd);
              i = langEnd;
            }
            i = skipOneNewline(t, i) - 1;
          } else type = 'Code';
          break;
        case '!':
          if (next !== ch('[')) fail(reserved(c));
          i++;
          type = 'CustomEmoji';
          break;
        case '\n':
          utf16 += 1;
          t.push(ch('\n'));
          if (i + 1 < t.size && next === ch('>')) {
            i++;
            if (!haveBlockquote) {
              type = 'BlockQuote';
              haveBlockquote = true;
            }
          }
          break;
        case '>':
          if (i !== 0) fail(reserved(c));
          type = 'BlockQuote';
          haveBlockquote = true;
          break;
        default:
          fail(reserved(c));
      }
      if (type === 'None') continue;
      open.push({ type, argument, offset: utf16, byteOffset, outPos: t.outSize });
    } else {
      const entry = top as OpenV2;
      if (c === ch('\n') && entry.type !== 'BlockQuote') {
        fail(`Can't find end of ${entry.type} entity at byte offset ${entry.byteOffset}`);
      }
      let argument = entry.argument;
      let skip = utf16 === entry.offset;
      switch (entry.type) {
        case 'Underline':
        case 'Spoiler':
          i++;
          break;
        case 'Pre':
        case 'PreCode':
          i += 2;
          break;
        case 'TextUrl': {
          let url = '';
          if (next !== ch('(')) {
            url = t.resultFrom(entry.outPos);
          } else {
            i += 2;
            const urlBegin = i;
            const bytes: number[] = [];
            while (i < t.size && t.at(i) !== ch(')')) {
              const n = t.at(i + 1);
              if (t.at(i) === ch('\\') && n > 0 && n <= 126) {
                bytes.push(n);
                i += 2;
                continue;
              }
              bytes.push(t.at(i++));
            }
            if (t.at(i) !== ch(')')) fail(`Can't find end of a URL at byte offset ${urlBegin}`);
            url = new TextDecoder().decode(new Uint8Array(bytes));
          }
          const checked = checkedLink(url);
          if (checked === '') skip = true;
          else argument = checked;
          break;
        }
        case 'CustomEmoji': {
          if (next !== ch('(')) fail('Custom emoji entity must contain a tg://emoji URL');
          i += 2;
          const urlBegin = i;
          while (i < t.size && t.at(i) !== ch(')')) i++;
          if (t.at(i) !== ch(')')) fail(`Can't find end of a custom emoji URL at byte offset ${urlBegin}`);
          const id = /^tg:\/\/emoji\?id=([1-9]\d*)$/.exec(t.slice(urlBegin, i));
          if (!id) fail('Custom emoji URL must have an emoji identifier');
          argument = id?.[1] ?? '';
          break;
        }
        case 'BlockQuote':
          haveBlockquote = false;
          t.push(c);
          utf16 += 1;
          break;
        default:
          break;
      }
      if (!skip)
        entities.push({ type: entry.type, offset: entry.offset, length: utf16 - entry.offset, argument });
      open.pop();
    }
  }
  const last = open[open.length - 1];
  if (haveBlockquote && last?.type === 'BlockQuote') {
    if (utf16 - last.offset !== 0) {
      entities.push({ type: 'BlockQuote', offset: last.offset, length: utf16 - last.offset, argument: '' });
    }
    open.pop();
  }
  const unclosed = open[open.length - 1];
  if (unclosed) fail(`Can't find end of ${unclosed.type} entity at byte offset ${unclosed.byteOffset}`);
  return { text: t.result(), entities: sortEntities(entities) };
}

function endsEntity(type: TdEntityType, c: number, next: number, next2: number): boolean {
  switch (type) {
    case 'Bold':
      return c === ch('*');
    case 'Italic':
      return c === ch('_') && next !== ch('_');
    case 'Code':
      return c === BACKTICK;
    case 'Pre':
    case 'PreCode':
      return c === BACKTICK && next === BACKTICK && next2 === BACKTICK;
    case 'TextUrl':
    case 'CustomEmoji':
      return c === ch(']');
    case 'Underline':
      return c === ch('_') && next === ch('_');
    case 'Strikethrough':
      return c === ch('~');
    case 'Spoiler':
      return c === ch('|') && next === ch('|');
    default:
      return false;
  }
}
