/**
 * F8, flood waits shared by every caller of a token (virtual clock): a 429's `retry_after` holds the
 * other callers too — every send into the chat that got it, and (for a 429 on a call with no chat, such as
 * getMe) every send and retried call of the bot — while polls and callback answers are never held; a
 * caller that will not wait that long gets a 429 at once, without a request.
 */
import { describe, expect, it } from 'vitest';
import { botApi, DEFAULT_BREATHER_MS, TelegramApiError } from '../../src/telegram/index.ts';
import { fakeToken, flood, scriptedFetch, VirtualClock } from './helpers.ts';

describe('flood waits (F8)', () => {
  it("holds every caller's sends into the chat that got a 429, and the rest of the bot for a breather", async () => {
    const clock = new VirtualClock();
    let floods = 1;
    const { fetch, seen } = scriptedFetch(clock, (method, body) =>
      method === 'sendMessage' && body?.chat_id === -100 && floods-- > 0 ? flood(30) : undefined,
    );
    const token = fakeToken();
    const outbox = botApi(token, { apiRoot: 'http://telegram.test', fetch, clock });
    const handler = botApi(token, { apiRoot: 'http://telegram.test', fetch, clock });
    const first = outbox.call('sendMessage', { chat_id: -100, text: 'one' }).catch((e: unknown) => e);
    await clock.run(0);
    const err = await first;
    expect(err).toBeInstanceOf(TelegramApiError);
    expect((err as TelegramApiError).parameters.retry_after).toBe(30);

    // Another caller of the same token: into the same chat it waits 30 s, into another chat only the breather.
    expect(handler.delayFor(-100)).toBe(30_000);
    expect(handler.delayFor(-200)).toBe(DEFAULT_BREATHER_MS);
    const sameChat = handler.call('sendMessage', { chat_id: -100, text: 'two' });
    const otherChat = handler.call('sendMessage', { chat_id: -200, text: 'three' });
    await clock.run();
    await Promise.all([sameChat, otherChat]);
    const at = (text: string) => seen.find((r) => r.body?.text === text)!.at;
    expect(at('three')).toBe(DEFAULT_BREATHER_MS);
    expect(at('two')).toBe(30_000);
  });

  it('holds every send and retried call of the bot after a 429 on a call with no chat', async () => {
    const clock = new VirtualClock();
    let floods = 1;
    const { fetch, at } = scriptedFetch(clock, (method) =>
      method === 'getMe' && floods-- > 0 ? flood(5) : undefined,
    );
    const token = fakeToken();
    const start = botApi(token, { apiRoot: 'http://telegram.test', fetch, clock });
    const other = botApi(token, { apiRoot: 'http://telegram.test', fetch, clock });
    const retries: number[] = [];
    const me = start.call('getMe', {}, { onRetry: (_e, waitMs) => retries.push(waitMs) });
    await clock.run(0);
    // getMe got its 429 and waits 5 s before asking again (the retry table retries getMe on 429).
    expect(retries).toEqual([5000]);
    const send = other.call('sendMessage', { chat_id: 7, text: 'hi' });
    const webhook = other.call('deleteWebhook', { drop_pending_updates: false });
    // Never held: the poll (Telegraf's loop waits on its own) and callback answers.
    await other.call('getUpdates', { timeout: 0 });
    await other.call('answerCallbackQuery', { callback_query_id: 'q' });
    await clock.run();
    await Promise.all([me, send, webhook]);
    expect(at('getMe')).toEqual([0, 5000]);
    expect(at('sendMessage')).toEqual([5000]);
    expect(at('deleteWebhook')).toEqual([5000]);
    expect(at('getUpdates')).toEqual([0]);
    expect(at('answerCallbackQuery')).toEqual([0]);
  });

  it('answers 429 at once, without a request, to a caller that will not wait that long', async () => {
    const clock = new VirtualClock();
    let floods = 1;
    const { fetch, at } = scriptedFetch(clock, (method) =>
      method === 'deleteWebhook' && floods-- > 0 ? flood(120) : undefined,
    );
    const api = botApi(fakeToken(), { apiRoot: 'http://telegram.test', fetch, clock });
    const pending = api.call('deleteWebhook', {}, { attempts: 1 }).catch((e: unknown) => e);
    await clock.run(0);
    expect(await pending).toBeInstanceOf(TelegramApiError);
    clock.time += 20_000;
    const err = await api
      .call('sendMessage', { chat_id: 7, text: 'x' }, { maxFloodWaitMs: 1000 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TelegramApiError);
    expect(err).toMatchObject({ code: 429, parameters: { retry_after: 100 } });
    expect((err as TelegramApiError).description).toContain('not sent');
    expect(at('sendMessage')).toEqual([]);
  });

  it('a wait of one token never holds another token', async () => {
    const clock = new VirtualClock();
    const { fetch, at } = scriptedFetch(clock, (method) => (method === 'getMe' ? flood(60) : undefined));
    const flooded = botApi(fakeToken(11), { apiRoot: 'http://telegram.test', fetch, clock });
    const calm = botApi(fakeToken(12), { apiRoot: 'http://telegram.test', fetch, clock });
    await flooded.call('getMe', {}, { attempts: 1 }).catch(() => undefined);
    expect(flooded.delayFor(null)).toBe(60_000);
    expect(calm.delayFor(null)).toBe(0);
    await calm.call('sendMessage', { chat_id: 1, text: 'x' });
    expect(at('sendMessage')).toEqual([0]);
  });
});
