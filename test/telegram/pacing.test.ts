/**
 * F8, pacing with a virtual clock: sends are spaced bot-wide (`perSecond`), per group or channel
 * (`perGroupPerMinute`) and per private chat (`perPrivatePerSecond`); every caller of a token shares the
 * one client and so its pacing; idle time builds no burst; reads, polls and callback answers are never
 * paced; the limits can be changed.
 */
import { describe, expect, it } from 'vitest';
import { OutboxWorker } from '../../src/bot/outbox-worker.ts';
import { botApi, TELEGRAM_LIMITS } from '../../src/telegram/index.ts';
import { chatKeyOf, Pacing } from '../../src/telegram/pacing.ts';
import { fakeToken, scriptedFetch, VirtualClock } from './helpers.ts';

function pacing(limits: Partial<typeof TELEGRAM_LIMITS>) {
  let now = 1_000_000;
  const p = new Pacing(() => now, { ...TELEGRAM_LIMITS, ...limits });
  const start = now;
  return {
    p,
    advance: (ms: number) => {
      now += ms;
    },
    /** Books a send into each chat in turn, each at its slot; returns the slots (ms since start). */
    book(chats: number[]): number[] {
      return chats.map((chat) => {
        const at = p.reserve(chatKeyOf(chat));
        now = Math.max(now, at);
        return at - start;
      });
    },
  };
}

describe('Pacing (F8)', () => {
  it('spaces every send of the bot by 1/perSecond', () => {
    const { book } = pacing({ perSecond: 10, perPrivatePerSecond: 1000 });
    expect(book([101, 102, 103, 101, 104])).toEqual([0, 100, 200, 300, 400]);
  });

  it('spaces sends into one group or channel by 1/perGroupPerMinute', () => {
    const { book } = pacing({ perSecond: 10, perGroupPerMinute: 60, perPrivatePerSecond: 1000 });
    // -100 at 0, -200 at 100 (bot-wide only), -100 again at 1000, the DM right after, -200 at 1200, …
    expect(book([-100, -200, -100, 7, -200, -100])).toEqual([0, 100, 1000, 1100, 1200, 2000]);
  });

  it('spaces sends into one private chat by 1/perPrivatePerSecond', () => {
    const { book } = pacing({ perSecond: 20, perPrivatePerSecond: 1 });
    expect(book([7, 8, 7, 8, 9])).toEqual([0, 50, 1000, 1050, 1100]);
  });

  it("uses Telegram's FAQ limits by default: 30/s, 20/min per group, 1/s per private chat", () => {
    expect(TELEGRAM_LIMITS).toEqual({ perSecond: 30, perGroupPerMinute: 20, perPrivatePerSecond: 1 });
    const { book } = pacing({});
    expect(book([-1, -1])).toEqual([0, 3000]);
  });

  it('treats @username as a channel and numeric strings as ids', () => {
    expect(chatKeyOf('@MyChannel')).toEqual({ kind: 'group', key: '@mychannel' });
    expect(chatKeyOf('-100123')).toEqual({ kind: 'group', key: '-100123' });
    expect(chatKeyOf(42)).toEqual({ kind: 'private', key: '42' });
    expect(chatKeyOf(undefined)).toBeNull();
  });

  it('builds no burst from idle time', () => {
    const { book, advance } = pacing({ perSecond: 10, perPrivatePerSecond: 1000 });
    book([7]);
    advance(60_000);
    const times = book([7, 8, 9]);
    expect(times.map((t) => t - times[0]!)).toEqual([0, 100, 200]);
  });

  it('delayFor only looks; reserve books', () => {
    const { p } = pacing({ perSecond: 1, perGroupPerMinute: 1 });
    expect(p.delayFor(chatKeyOf(-1))).toBe(0);
    expect(p.delayFor(chatKeyOf(-1))).toBe(0);
    p.reserve(chatKeyOf(-1));
    expect(p.delayFor(chatKeyOf(7))).toBe(1000);
    expect(p.delayFor(chatKeyOf(-1))).toBe(60_000);
  });

  it('takes new limits, and refuses ones that are not above 0', () => {
    const { p, book } = pacing({ perSecond: 10, perPrivatePerSecond: 1000 });
    p.setLimits({ perSecond: 2 });
    expect(book([1, 2, 3])).toEqual([0, 500, 1000]);
    expect(() => p.setLimits({ perSecond: 0 })).toThrow(RangeError);
    expect(() => p.setLimits({ perGroupPerMinute: Number.NaN })).toThrow(RangeError);
  });
});

describe('BotApi pacing', () => {
  it('shares one bot-wide pace between two callers of a token', async () => {
    const clock = new VirtualClock();
    const { fetch, at } = scriptedFetch(clock);
    const token = fakeToken();
    const a = botApi(token, { apiRoot: 'http://telegram.test', fetch, clock });
    const b = botApi(token, { apiRoot: 'http://telegram.test/', fetch, clock });
    expect(b).toBe(a);
    a.setLimits({ perSecond: 10 });
    const sends = [
      ...[1, 2, 3].map((chat) => a.call('sendMessage', { chat_id: chat, text: 'a' })),
      ...[4, 5, 6].map((chat) => b.call('sendMessage', { chat_id: chat, text: 'b' })),
    ];
    await clock.run();
    await Promise.all(sends);
    expect(at('sendMessage')).toEqual([0, 100, 200, 300, 400, 500]);
  });

  it('keeps the pace of each private chat and each group, whoever sends', async () => {
    const clock = new VirtualClock();
    const { fetch, seen } = scriptedFetch(clock);
    const token = fakeToken();
    const a = botApi(token, { apiRoot: 'http://telegram.test', fetch, clock });
    const b = botApi(token, { apiRoot: 'http://telegram.test', fetch, clock });
    const sends = [
      a.call('sendMessage', { chat_id: 7, text: '1' }),
      b.call('sendMessage', { chat_id: 7, text: '2' }),
      a.call('editMessageText', { chat_id: -100, message_id: 1, text: '3' }),
      b.call('sendMessage', { chat_id: -100, text: '4' }),
      b.call('deleteMessage', { chat_id: -100, message_id: 2 }),
    ];
    await clock.run();
    await Promise.all(sends);
    const times = (chat: number) => seen.filter((r) => r.body?.chat_id === chat).map((r) => r.at);
    expect(times(7)).toEqual([0, 1000]); // 1/s into a private chat
    // 20/min into a group (3 s apart); edits and deletions count as sends.
    expect(times(-100)).toEqual([expect.any(Number), expect.any(Number), expect.any(Number)]);
    const [g1, g2, g3] = times(-100) as [number, number, number];
    expect([g2 - g1, g3 - g2]).toEqual([3000, 3000]);
  });

  it('never paces polls, reads or callback answers, however full the send queue', async () => {
    const clock = new VirtualClock();
    const { fetch, at } = scriptedFetch(clock);
    const api = botApi(fakeToken(), { apiRoot: 'http://telegram.test', fetch, clock });
    const sends = Array.from({ length: 5 }, () => api.call('sendMessage', { chat_id: -5, text: 'x' }));
    await clock.run(0);
    expect(api.delayFor(-5)).toBe(5 * 3000);
    const others = await Promise.all([
      api.call('getUpdates', { timeout: 0 }),
      api.call('getMe'),
      api.call('getChatMember', { chat_id: -5, user_id: 1 }),
      api.call('answerCallbackQuery', { callback_query_id: 'q' }),
    ]);
    expect(others).toHaveLength(4);
    for (const method of ['getUpdates', 'getMe', 'getChatMember', 'answerCallbackQuery']) {
      expect(at(method), method).toEqual([0]);
    }
    await clock.run();
    await Promise.all(sends);
    expect(at('sendMessage')).toEqual([0, 3000, 6000, 9000, 12_000]);
  });

  it('gives each token its own pace', async () => {
    const clock = new VirtualClock();
    const { fetch, seen } = scriptedFetch(clock);
    const one = botApi(fakeToken(1), { apiRoot: 'http://telegram.test', fetch, clock });
    const two = botApi(fakeToken(2), { apiRoot: 'http://telegram.test', fetch, clock });
    expect(two).not.toBe(one);
    const sends = [one, two, one, two].map((api) => api.call('sendMessage', { chat_id: -9, text: 'x' }));
    await clock.run();
    await Promise.all(sends);
    expect(seen.map((r) => r.at)).toEqual([0, 0, 3000, 3000]);
  });
});

describe("the outbox's configured rates", () => {
  it('are set on the bot client, for every sender of the token', () => {
    const clock = new VirtualClock();
    const { fetch } = scriptedFetch(clock);
    const token = fakeToken();
    const api = botApi(token, { apiRoot: 'http://telegram.test', fetch, clock });
    new OutboxWorker({
      sql: null as never,
      logger: null as never,
      tenantId: 1,
      api,
      pacing: { sendsPerSecond: 28, sendsPerChatPerMinute: 19 },
    });
    expect(botApi(token, { apiRoot: 'http://telegram.test', fetch, clock }).limits).toEqual({
      perSecond: 28,
      perGroupPerMinute: 19,
      perPrivatePerSecond: 1,
    });
  });
});
