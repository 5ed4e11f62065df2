/**
 * A byte cursor over UTF-8 text, shaped like TDLib's C++ parsers (which read past the end as NUL), so the
 * ports in this folder can follow the original code line by line and report the same byte offsets.
 */
import type { MessageEntity } from '@telegraf/types';

/** Entity types the parsers produce, named as in TDLib's error messages ("Can't find end of Bold entity"). */
export type TdEntityType =
  | 'Bold'
  | 'Italic'
  | 'Underline'
  | 'Strikethrough'
  | 'Spoiler'
  | 'TextUrl'
  | 'Code'
  | 'Pre'
  | 'PreCode'
  | 'BlockQuote'
  | 'CustomEmoji';

/** An entity as produced by a parser, offsets and lengths in UTF-16 code units. */
export interface TdEntity {
  type: TdEntityType;
  offset: number;
  length: number;
  argument: string;
}

/** A parse failure; `message` is TDLib's text (e.g. `Unclosed start tag at byte offset 0`). */
export class EntityParseError extends Error {
  override name = 'EntityParseError';
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The UTF-8 bytes of `text` with NUL-past-the-end reads, and an output buffer written in place. */
export class ByteText {
  readonly bytes: Uint8Array;
  readonly size: number;
  readonly out: Uint8Array;
  outSize = 0;

  constructor(text: string) {
    this.bytes = encoder.encode(text);
    this.size = this.bytes.length;
    // Parsing only removes markup or shortens entities (&amp; → &), so the output never outgrows the input.
    this.out = new Uint8Array(this.size + 8);
  }

  /** Byte at `i`, or 0 past the end (C string semantics). */
  at(i: number): number {
    return i < this.size ? (this.bytes[i] ?? 0) : 0;
  }

  /** The input bytes [from, to) as a string. */
  slice(from: number, to: number): string {
    return decoder.decode(this.bytes.subarray(from, to));
  }

  push(byte: number): void {
    this.out[this.outSize++] = byte;
  }

  /** The output written so far as a string. */
  result(): string {
    return decoder.decode(this.out.subarray(0, this.outSize));
  }

  /** The output bytes [from, outSize) as a string. */
  resultFrom(from: number): string {
    return decoder.decode(this.out.subarray(from, this.outSize));
  }
}

/** True for the first byte of a UTF-8 sequence. */
export function isFirstCodeUnit(c: number): boolean {
  return (c & 0xc0) !== 0x80;
}

/** UTF-16 units added by a character whose first UTF-8 byte is `c` (2 for 4-byte sequences). */
export function utf16Width(c: number): number {
  return c >= 0xf0 ? 2 : 1;
}

/** TDLib's is_space: space, \t, \r, \n, \v, \f and NUL. */
export function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 13 || c === 10 || c === 0 || c === 11 || c === 12;
}

export function isAlpha(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

export function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

export function isHexDigit(c: number): boolean {
  return isDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

export function ch(s: string): number {
  return s.charCodeAt(0);
}

/**
 * TDLib's LinkManager::get_checked_link, simplified: keep http(s)/tg/ton links, give a scheme-less
 * host an `http://` prefix, and return '' for anything else (the entity is then dropped, as Telegram does).
 */
export function checkedLink(url: string): string {
  const trimmed = url.trim();
  if (trimmed === '' || /\s/.test(trimmed)) return '';
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(trimmed);
  if (scheme) {
    const name = (scheme[1] ?? '').toLowerCase();
    if (name === 'tg' || name === 'ton') return trimmed;
    if (name !== 'http' && name !== 'https') return '';
    try {
      return new URL(trimmed).href;
    } catch {
      return '';
    }
  }
  if (!/^[\p{L}\p{N}-]+(\.[\p{L}\p{N}-]+)+([/?#:].*)?$/u.test(trimmed)) return '';
  try {
    return new URL(`http://${trimmed}`).href;
  } catch {
    return '';
  }
}

const SIMPLE_TYPES = {
  Bold: 'bold',
  Italic: 'italic',
  Underline: 'underline',
  Strikethrough: 'strikethrough',
  Spoiler: 'spoiler',
  Code: 'code',
  Pre: 'pre',
  BlockQuote: 'blockquote',
} as const;

/** Convert parser entities to Bot API MessageEntity objects. */
export function toBotApiEntities(entities: TdEntity[]): MessageEntity[] {
  return entities.map((e): MessageEntity => {
    const { offset, length } = e;
    switch (e.type) {
      case 'TextUrl':
        return { type: 'text_link', offset, length, url: e.argument };
      case 'PreCode':
        return { type: 'pre', offset, length, language: e.argument };
      case 'CustomEmoji':
        return { type: 'custom_emoji', offset, length, custom_emoji_id: e.argument };
      default:
        return { type: SIMPLE_TYPES[e.type], offset, length };
    }
  });
}

/** TDLib's sort_entities: by offset, then longer first. */
export function sortEntities<T extends { offset: number; length: number }>(entities: T[]): T[] {
  return entities.sort((a, b) => a.offset - b.offset || b.length - a.length);
}
