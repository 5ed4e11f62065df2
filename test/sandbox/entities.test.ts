import { describe, expect, it } from 'vitest';
import { codePointLength, formatMessageText, parseMarkup } from '../../src/sandbox/entities/format.ts';
import { BotApiError } from '../../src/sandbox/errors.ts';

const format = (text: string, parseMode?: string, maxLength = 4096) =>
  formatMessageText(text, { parseMode, maxLength });

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof BotApiError) return err.description;
    throw err;
  }
  throw new Error('expected a BotApiError');
}

describe('HTML parse mode', () => {
  it('offsets count UTF-16 units: an emoji before a tag shifts entities by 2', () => {
    expect(parseMarkup('😀<b>x</b>', 'HTML')).toEqual({
      text: '😀x',
      entities: [{ type: 'bold', offset: 2, length: 1 }],
    });
  });

  it('CJK text counts one unit per character', () => {
    expect(parseMarkup('中文 <i>粗体</i>', 'HTML')).toEqual({
      text: '中文 粗体',
      entities: [{ type: 'italic', offset: 3, length: 2 }],
    });
  });

  it('decodes &amp; &lt; &gt; &quot; and numeric references, keeps unknown entities literally', () => {
    expect(parseMarkup('&amp; &lt;b&gt; &quot; &#128512; &foo; &copy;', 'HTML').text).toBe(
      '& <b> " 😀 &foo; &copy;',
    );
  });

  it('refuses an unclosed tag like a user name "<b>x"', () => {
    expect(errorOf(() => format('<b>x', 'HTML'))).toBe(
      "Bad Request: can't parse entities: Can't find end tag corresponding to start tag b",
    );
  });

  it('refuses a bare "<" with its byte offset (UTF-8 bytes, not characters)', () => {
    expect(errorOf(() => format('é < 1', 'HTML'))).toBe(
      'Bad Request: can\'t parse entities: Unsupported start tag "" at byte offset 3',
    );
  });

  it('refuses unsupported tags and mismatched end tags', () => {
    expect(errorOf(() => format('a<br>b', 'HTML'))).toBe(
      'Bad Request: can\'t parse entities: Unsupported start tag "br" at byte offset 1',
    );
    expect(errorOf(() => format('<b>x</i>', 'HTML'))).toBe(
      'Bad Request: can\'t parse entities: Unmatched end tag at byte offset 4, expected "</b>", found "</i>"',
    );
    expect(errorOf(() => format('x</b>', 'HTML'))).toBe(
      "Bad Request: can't parse entities: Unexpected end tag at byte offset 1",
    );
    expect(errorOf(() => format('<b', 'HTML'))).toBe(
      "Bad Request: can't parse entities: Unclosed start tag at byte offset 0",
    );
  });

  it('builds links and pre blocks with a language', () => {
    expect(parseMarkup('<a href="https://t.me/x">go</a>', 'HTML').entities).toEqual([
      { type: 'text_link', offset: 0, length: 2, url: 'https://t.me/x' },
    ]);
    expect(parseMarkup('<pre><code class="language-ts">x</code></pre>', 'HTML').entities).toEqual([
      { type: 'pre', offset: 0, length: 1, language: 'ts' },
    ]);
  });

  it('escaped names appear literally', () => {
    expect(format('Winner: &lt;b&gt;x a_b_c * &amp;amp; [x](y)', 'HTML').text).toBe(
      'Winner: <b>x a_b_c * &amp; [x](y)',
    );
  });
});

describe('MarkdownV2 parse mode', () => {
  it('refuses reserved characters that are not escaped', () => {
    expect(errorOf(() => format('Price 1.5', 'MarkdownV2'))).toBe(
      "Bad Request: can't parse entities: Character '.' is reserved and must be escaped with the preceding '\\'",
    );
    expect(errorOf(() => format('wow!', 'MarkdownV2'))).toBe(
      "Bad Request: can't parse entities: Character '!' is reserved and must be escaped with the preceding '\\'",
    );
  });

  it('reads a_b_c as italic b (the classic name bug) and escaped a\\_b\\_c literally', () => {
    expect(parseMarkup('a_b_c', 'MarkdownV2')).toEqual({
      text: 'abc',
      entities: [{ type: 'italic', offset: 1, length: 1 }],
    });
    expect(parseMarkup('a\\_b\\_c', 'MarkdownV2')).toEqual({ text: 'a_b_c', entities: [] });
  });

  it('refuses an unclosed entity naming its type and byte offset', () => {
    expect(errorOf(() => format('😀 *bold', 'MarkdownV2'))).toBe(
      "Bad Request: can't parse entities: Can't find end of Bold entity at byte offset 5",
    );
  });

  it('parses [x](y) as a link only when y is a URL', () => {
    expect(parseMarkup('[x](https://example.com)', 'MarkdownV2').entities).toEqual([
      { type: 'text_link', offset: 0, length: 1, url: 'https://example.com/' },
    ]);
    expect(parseMarkup('[x](y)', 'MarkdownV2')).toEqual({ text: 'x', entities: [] });
  });

  it('handles underline, spoiler, strikethrough and code', () => {
    expect(parseMarkup('__u__ ||s|| ~t~ `c`', 'MarkdownV2').entities.map((e) => e.type)).toEqual([
      'underline',
      'spoiler',
      'strikethrough',
      'code',
    ]);
  });
});

describe('legacy Markdown parse mode', () => {
  it('refuses a lone underscore as in a_b', () => {
    expect(errorOf(() => format('a_b', 'Markdown'))).toBe(
      "Bad Request: can't parse entities: Can't find end of the entity starting at byte offset 1",
    );
  });

  it('does not reserve "." or "!"', () => {
    expect(format('*Hi!* 1.5', 'Markdown')).toEqual({
      text: 'Hi! 1.5',
      entities: [{ type: 'bold', offset: 0, length: 3 }],
    });
  });
});

describe('text rules', () => {
  it('plain text keeps markup characters as they are', () => {
    expect(format('<b>x a_b_c *').text).toBe('<b>x a_b_c *');
  });

  it('empty or whitespace-only text is "message text is empty", also after parsing', () => {
    expect(errorOf(() => format(''))).toBe('Bad Request: message text is empty');
    expect(errorOf(() => format('  \n '))).toBe('Bad Request: message text is empty');
    expect(errorOf(() => format('<b> </b>', 'HTML'))).toBe('Bad Request: message text is empty');
  });

  it('counts the 4096 limit in code points after entity parsing', () => {
    expect(format(`<b>${'x'.repeat(4096)}</b>`, 'HTML').text).toHaveLength(4096);
    expect(errorOf(() => format('x'.repeat(4097)))).toBe('Bad Request: message is too long');
    const emoji = '😀'.repeat(4096);
    expect(codePointLength(emoji)).toBe(4096);
    expect(format(emoji).text).toBe(emoji);
    expect(errorOf(() => format(`${emoji}a`))).toBe('Bad Request: message is too long');
  });

  it('trims surrounding whitespace and moves entities with it', () => {
    expect(format('  <b>hi</b>  ', 'HTML')).toEqual({
      text: 'hi',
      entities: [{ type: 'bold', offset: 0, length: 2 }],
    });
  });

  it('finds bot commands in user text, with the deep link payload outside the entity', () => {
    const out = formatMessageText('/start l-42', { maxLength: 4096, detectCommands: true });
    expect(out.entities).toEqual([{ type: 'bot_command', offset: 0, length: 6 }]);
  });

  it('refuses an unknown parse_mode', () => {
    expect(errorOf(() => format('x', 'BBCode'))).toBe('Bad Request: unsupported parse_mode "BBCode"');
  });
});
