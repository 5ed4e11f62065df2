/**
 * parse_mode `HTML`: a port of TDLib's parse_html (td/telegram/MessageEntity.cpp), the parser behind the
 * Bot API, with its exact error texts and byte offsets. Supported tags: b strong i em u ins s strike del
 * span.tg-spoiler tg-spoiler a code pre blockquote tg-emoji; entities &lt; &gt; &amp; &quot; and numeric
 * references; any other `&` is kept literally. https://core.telegram.org/bots/api#html-style
 */
import {
  ByteText,
  ch,
  checkedLink,
  EntityParseError,
  isAlpha,
  isDigit,
  isFirstCodeUnit,
  isHexDigit,
  isSpace,
  sortEntities,
  type TdEntity,
  utf16Width,
} from './bytes.ts';

const TAGS = new Set([
  'a',
  'b',
  'strong',
  'i',
  'em',
  's',
  'strike',
  'del',
  'u',
  'ins',
  'tg-spoiler',
  'tg-emoji',
  'span',
  'pre',
  'code',
  'blockquote',
]);

function hexValue(c: number): number {
  if (isDigit(c)) return c - 48;
  return (c | 0x20) - 87;
}

/** Decode the HTML entity at `pos` (which holds '&'); returns [code point or 0, position after it]. */
function decodeEntity(t: ByteText, pos: number): [number, number] {
  let end = pos + 1;
  let res = 0;
  if (t.at(pos + 1) === ch('#')) {
    end++;
    if (t.at(pos + 2) === ch('x')) {
      end++;
      while (isHexDigit(t.at(end))) {
        res = res * 16 + hexValue(t.at(end++));
        if (res > 0x10ffff) res = 0x110000;
      }
    } else {
      while (isDigit(t.at(end))) {
        res = res * 10 + t.at(end++) - 48;
        if (res > 0x10ffff) res = 0x110000;
      }
    }
    if (res === 0 || res >= 0x10ffff || end - pos >= 10) return [0, pos];
  } else {
    while (isAlpha(t.at(end))) end++;
    const name = t.slice(pos + 1, end);
    const named: Record<string, number> = { lt: 60, gt: 62, amp: 38, quot: 34 };
    const code = named[name];
    if (code === undefined) return [0, pos];
    res = code;
  }
  return [res, t.at(end) === ch(';') ? end + 1 : end];
}

function pushCodePoint(t: ByteText, code: number): void {
  for (const b of new TextEncoder().encode(String.fromCodePoint(code))) t.push(b);
}

interface OpenTag {
  tag: string;
  argument: string;
  offset: number;
  outPos: number;
}

/**
 * Parse Telegram HTML into plain text and entities (UTF-16 offsets).
 * @throws EntityParseError with TDLib's message, e.g. `Unsupported start tag "br" at byte offset 5`.
 */
export function parseHtml(input: string): { text: string; entities: TdEntity[] } {
  const t = new ByteText(input);
  const entities: TdEntity[] = [];
  const open: OpenTag[] = [];
  let utf16 = 0;
  const fail = (message: string): never => {
    throw new EntityParseError(message);
  };

  for (let i = 0; i < t.size; i++) {
    const c = t.at(i);
    if (c === ch('&')) {
      const [code, next] = decodeEntity(t, i);
      if (code !== 0) {
        utf16 += code > 0xffff ? 2 : 1;
        pushCodePoint(t, code);
        i = next - 1;
        continue;
      }
    }
    if (c !== ch('<')) {
      if (isFirstCodeUnit(c)) utf16 += utf16Width(c);
      t.push(c);
      continue;
    }

    const begin = i++;
    if (t.at(i) !== ch('/')) {
      while (!isSpace(t.at(i)) && t.at(i) !== ch('>')) i++;
      if (t.at(i) === 0) fail(`Unclosed start tag at byte offset ${begin}`);
      const tag = t.slice(begin + 1, i).toLowerCase();
      if (!TAGS.has(tag)) fail(`Unsupported start tag "${tag}" at byte offset ${begin}`);

      let argument = '';
      while (t.at(i) !== ch('>')) {
        while (t.at(i) !== 0 && isSpace(t.at(i))) i++;
        if (t.at(i) === ch('>')) break;
        const attrBegin = i;
        while (!isSpace(t.at(i)) && t.at(i) !== ch('=')) i++;
        const attrName = t.slice(attrBegin, i);
        if (attrName === '') fail(`Empty attribute name in the tag "${tag}" at byte offset ${begin}`);
        while (t.at(i) !== 0 && isSpace(t.at(i))) i++;
        if (t.at(i) !== ch('=')) {
          fail(
            `Expected equal sign in declaration of an attribute of the tag "${tag}" at byte offset ${begin}`,
          );
        }
        i++;
        while (t.at(i) !== 0 && isSpace(t.at(i))) i++;
        if (t.at(i) === 0) fail(`Unclosed start tag "${tag}" at byte offset ${begin}`);

        let value = '';
        const quote = t.at(i);
        if (quote !== ch("'") && quote !== ch('"')) {
          const tokenBegin = i;
          while (isAlpha(t.at(i)) || isDigit(t.at(i)) || t.at(i) === ch('.') || t.at(i) === ch('-')) i++;
          value = t.slice(tokenBegin, i).toLowerCase();
          if (!isSpace(t.at(i)) && t.at(i) !== ch('>'))
            fail(`Unexpected end of name token at byte offset ${tokenBegin}`);
        } else {
          i++;
          const bytes: number[] = [];
          while (t.at(i) !== quote && t.at(i) !== 0) {
            if (t.at(i) === ch('&')) {
              const [code, next] = decodeEntity(t, i);
              if (code !== 0) {
                bytes.push(...new TextEncoder().encode(String.fromCodePoint(code)));
                i = next;
                continue;
              }
            }
            bytes.push(t.at(i++));
          }
          if (t.at(i) === quote) i++;
          value = new TextDecoder().decode(new Uint8Array(bytes));
        }
        if (t.at(i) === 0) fail(`Unclosed start tag at byte offset ${begin}`);

        if (tag === 'a' && attrName === 'href') argument = value;
        else if (tag === 'code' && attrName === 'class' && value.startsWith('language-'))
          argument = value.slice(9);
        else if (tag === 'span' && attrName === 'class' && value.startsWith('tg-')) argument = value.slice(3);
        else if (tag === 'tg-emoji' && attrName === 'emoji-id') argument = value;
      }
      if (tag === 'span' && argument !== 'spoiler') {
        fail(`Tag "span" must have class "tg-spoiler" at byte offset ${begin}`);
      }
      open.push({ tag, argument, offset: utf16, outPos: t.outSize });
    } else {
      const top = open[open.length - 1];
      if (!top) fail(`Unexpected end tag at byte offset ${begin}`);
      while (!isSpace(t.at(i)) && t.at(i) !== ch('>')) i++;
      const endTag = t.slice(begin + 2, i).toLowerCase();
      while (isSpace(t.at(i)) && t.at(i) !== 0) i++;
      if (t.at(i) !== ch('>')) fail(`Unclosed end tag at byte offset ${begin}`);
      const entry = top as OpenTag;
      if (endTag !== '' && endTag !== entry.tag) {
        fail(`Unmatched end tag at byte offset ${begin}, expected "</${entry.tag}>", found "</${endTag}>"`);
      }
      if (utf16 > entry.offset) closeTag(t, entry, utf16, entities);
      open.pop();
    }
  }
  const last = open[open.length - 1];
  if (last) fail(`Can't find end tag corresponding to start tag ${last.tag}`);
  for (const e of entities) if (e.type === 'Code') e.argument = '';
  return { text: t.result(), entities: sortEntities(entities) };
}

/** Turn a closed tag into an entity (or merge pre+code into a language-tagged pre), as TDLib does. */
function closeTag(t: ByteText, entry: OpenTag, utf16: number, entities: TdEntity[]): void {
  const offset = entry.offset;
  const length = utf16 - offset;
  const prev = entities[entities.length - 1];
  const simple: Record<string, TdEntity['type']> = {
    i: 'Italic',
    em: 'Italic',
    b: 'Bold',
    strong: 'Bold',
    s: 'Strikethrough',
    strike: 'Strikethrough',
    del: 'Strikethrough',
    u: 'Underline',
    ins: 'Underline',
    'tg-spoiler': 'Spoiler',
    span: 'Spoiler',
    blockquote: 'BlockQuote',
  };
  let type: TdEntity['type'] | undefined = simple[entry.tag];
  let argument = '';
  if (entry.tag === 'tg-emoji') {
    if (!/^[1-9]\d*$/.test(entry.argument))
      throw new EntityParseError('Invalid custom emoji identifier specified');
    type = 'CustomEmoji';
    argument = entry.argument;
  } else if (entry.tag === 'a') {
    argument = checkedLink(entry.argument === '' ? t.resultFrom(entry.outPos) : entry.argument);
    if (argument === '') return;
    type = 'TextUrl';
  } else if (entry.tag === 'pre') {
    if (prev?.type === 'Code' && prev.offset === offset && prev.length === length && prev.argument !== '') {
      prev.type = 'PreCode';
      return;
    }
    type = 'Pre';
  } else if (entry.tag === 'code') {
    if (prev?.type === 'Pre' && prev.offset === offset && prev.length === length && entry.argument !== '') {
      prev.type = 'PreCode';
      prev.argument = entry.argument;
      return;
    }
    type = 'Code';
    argument = entry.argument;
  }
  if (type) entities.push({ type, offset, length, argument });
}
