/**
 * The lottery's messages as Bot API text (F14, F16): every user-supplied part is escaped so names and
 * titles with markup appear literally, and Telegram's HTML parser (the sandbox's port of TDLib's) accepts
 * every message; callback_data stays short and the deep link is the documented one.
 */
import { describe, expect, it } from 'vitest';
import type { LotteryRecord } from '../../src/lottery/model.ts';
import {
  escapeHtml,
  joinCallbackData,
  joinDeepLink,
  parseJoinCallback,
  parseStartPayload,
  postKeyboard,
  postText,
  rerollText,
  userLink,
  winnersText,
} from '../../src/lottery/render.ts';
import { parseHtml } from '../../src/sandbox/entities/html.ts';

const MARKUP = ['<b>x', 'a_b_c', '*', '&amp;', '[x](y)', '</i>', '<a href="x">y</a>'];

function lottery(patch: Partial<LotteryRecord> = {}): LotteryRecord {
  return {
    id: 42,
    tenantId: 1,
    title: 'Giveaway <b>x & a_b_c',
    description: 'Win *stuff* [x](y) &amp; more',
    status: 'open',
    language: 'en',
    prizes: [
      { id: 1, position: 0, name: 'AirPods <Pro>', quantity: 1 },
      { id: 2, position: 1, name: '*', quantity: 2 },
    ],
    joinConditions: [{ kind: 'member', chatId: -1001 }, { kind: 'has-username' }, { kind: 'not-bot' }],
    drawTrigger: { kind: 'manual' },
    publishTargets: [-1001],
    joinKeyword: null,
    commitment: 'ab'.repeat(32),
    entryCount: 7,
    changes: [{ at: '2026-01-01T00:00:00Z', field: 'title<i>', from: 'a', to: 'b' }],
    posts: [],
    createdAt: new Date(0),
    updatedAt: new Date(0),
    publishedAt: null,
    drawnAt: null,
    cancelledAt: null,
    ...patch,
  };
}

/** What Telegram shows for HTML `text` (throws TDLib's error for broken markup). */
const shown = (text: string) => parseHtml(text).text;

describe('escapeHtml (F14)', () => {
  it('escapes the three characters Telegram requires and nothing else', () => {
    expect(escapeHtml('<b>x & y</b>')).toBe('&lt;b&gt;x &amp; y&lt;/b&gt;');
    expect(escapeHtml('&amp;')).toBe('&amp;amp;');
    expect(escapeHtml('a_b_c * [x](y) "q" \'s\'')).toBe('a_b_c * [x](y) "q" \'s\'');
    expect(escapeHtml('')).toBe('');
  });

  it.each(MARKUP)('round-trips %s through the HTML parser literally', (name) => {
    expect(shown(escapeHtml(name))).toBe(name);
    expect(shown(`<b>${escapeHtml(name)}</b>`)).toBe(name);
  });
});

describe('postText (F14)', () => {
  it('shows the title, description, prizes, chat names and changes literally', () => {
    const names = new Map([[-1001, 'Club <i>a_b_c & [x](y)']]);
    const text = shown(postText(lottery(), names));
    expect(text).toContain('🎁 Giveaway <b>x & a_b_c');
    expect(text).toContain('Win *stuff* [x](y) &amp; more');
    expect(text).toContain('• AirPods <Pro> × 1');
    expect(text).toContain('• * × 2');
    expect(text).toContain('• be a member of Club <i>a_b_c & [x](y)');
    expect(text).toContain('Entries: 7');
    expect(text).toContain('title<i>');
    expect(text).toContain('ab'.repeat(32));
  });

  it('falls back to the chat id when the chat has no name', () => {
    expect(shown(postText(lottery(), new Map()))).toContain('• be a member of -1001');
  });

  it.each(['finished', 'cancelled'] as const)('parses in the %s state too', (state) => {
    const text = shown(postText(lottery({ title: '<b>x' }), new Map(), state));
    expect(text).toContain('🎁 <b>x');
    expect(text.startsWith(state === 'finished' ? 'Finished' : 'Cancelled')).toBe(true);
  });

  it('parses with every markup sample as title, description and prize', () => {
    for (const sample of MARKUP) {
      const record = lottery({
        title: sample,
        description: sample,
        prizes: [{ id: 1, position: 0, name: sample, quantity: 1 }],
      });
      const text = shown(postText(record, new Map([[-1001, sample]])));
      expect(text).toContain(`🎁 ${sample}`);
      expect(text).toContain(`• ${sample} × 1`);
      expect(text).toContain(`be a member of ${sample}`);
    }
  });
});

describe('winners and reroll texts (F14)', () => {
  const winner = { userId: 7, firstName: '<b>x', lastName: '[x](y) &amp;', prizeName: 'a_b_c <Pro>' };

  it('shows people and prizes literally, linked to the profile', () => {
    const html = winnersText(
      lottery(),
      [winner],
      [{ prizeName: '*<i>', count: 2 }],
      'https://x.test/p?a=1&b=2',
    );
    const parsed = parseHtml(html);
    expect(parsed.text).toContain('🎉 Winners of Giveaway <b>x & a_b_c');
    expect(parsed.text).toContain('1. <b>x [x](y) &amp; — a_b_c <Pro>');
    expect(parsed.text).toContain('*<i>: 2 not awarded');
    const links = parsed.entities.filter((e) => e.type === 'TextUrl').map((e) => e.argument);
    expect(links).toContain('https://x.test/p?a=1&b=2');
  });

  it('links a user by id with the name escaped', () => {
    const link = userLink({ userId: 7, firstName: '<b>x', lastName: null });
    expect(link).toBe('<a href="tg://user?id=7">&lt;b&gt;x</a>');
    expect(shown(link)).toBe('<b>x');
  });

  it('shows a reroll with its reason literally', () => {
    const text = shown(
      rerollText(
        lottery(),
        [{ replaced: winner, replacement: { ...winner, firstName: 'a_b_c' } }],
        '<b>gone',
      ),
    );
    expect(text).toContain('Reason: <b>gone');
    expect(text).toContain('<b>x [x](y) &amp; → a_b_c [x](y) &amp; — a_b_c <Pro>');
  });
});

describe('callback data and deep links (F16)', () => {
  it('is j:<id> within 64 bytes for every lottery id', () => {
    expect(joinCallbackData(42)).toBe('j:42');
    const largest = joinCallbackData(2_147_483_647);
    expect(Buffer.byteLength(largest, 'utf8')).toBeLessThanOrEqual(64);
    const keyboard = postKeyboard(lottery(), 'giveaway_bot') as {
      inline_keyboard: Record<string, string>[][];
    };
    expect(keyboard.inline_keyboard[0]![0]!.callback_data).toBe('j:42');
    expect(keyboard.inline_keyboard[0]![1]!.url).toBe('https://t.me/giveaway_bot?start=join_42');
  });

  it('reads only well-formed join data', () => {
    expect(parseJoinCallback('j:42')).toBe(42);
    expect(parseJoinCallback('j:2147483647')).toBe(2_147_483_647);
    for (const bad of [undefined, '', 'x', 'j:', 'j:abc', 'j:-1', 'j:0', 'j:1:2', ' j:1', 'j:2147483648']) {
      expect(parseJoinCallback(bad), String(bad)).toBeNull();
    }
    expect(parseJoinCallback('j:99999999999')).toBeNull();
  });

  it('builds and reads the start payload', () => {
    expect(joinDeepLink('giveaway_bot', 42)).toBe('https://t.me/giveaway_bot?start=join_42');
    expect(parseStartPayload('join_42')).toBe(42);
    for (const bad of [undefined, '', 'join_', 'join_x', 'l-42', 'join_0', 'join_99999999999']) {
      expect(parseStartPayload(bad), String(bad)).toBeNull();
    }
  });
});
