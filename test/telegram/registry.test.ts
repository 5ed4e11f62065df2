/**
 * One client per token in a process: `botApi` hands every caller of a token at an API root the same
 * client (so they share pacing and flood waits), another token or root gets another; a test's injected
 * fetch gets clients of its own. A client counts as idle (droppable once nobody holds it) only with nothing
 * in flight and nothing booked ahead.
 */
import { describe, expect, it } from 'vitest';
import { BotApi, botApi, IDLE_MS } from '../../src/telegram/index.ts';
import { fakeToken, flood, scriptedFetch, VirtualClock } from './helpers.ts';

describe('botApi', () => {
  it('returns the same client for the same token and API root (trailing slashes ignored)', () => {
    const token = fakeToken();
    const a = botApi(token, { apiRoot: 'https://api.telegram.org' });
    expect(botApi(token, { apiRoot: 'https://api.telegram.org/' })).toBe(a);
    expect(botApi(token, { apiRoot: 'http://127.0.0.1:8081' })).not.toBe(a);
    expect(botApi(fakeToken(), { apiRoot: 'https://api.telegram.org' })).not.toBe(a);
    expect(a).toBeInstanceOf(BotApi);
    expect(a.botId).toBe(7000000001);
  });

  it('keeps clients with an injected fetch apart from the process-wide ones', () => {
    const token = fakeToken();
    const clock = new VirtualClock();
    const { fetch } = scriptedFetch(clock);
    const plain = botApi(token, { apiRoot: 'https://api.telegram.org' });
    const injected = botApi(token, { apiRoot: 'https://api.telegram.org', fetch });
    expect(injected).not.toBe(plain);
    expect(botApi(token, { apiRoot: 'https://api.telegram.org', fetch })).toBe(injected);
  });

  it('refuses a token with characters no bot token has (it would change the request path)', () => {
    expect(() => botApi('1:abc/../../x', { apiRoot: 'https://api.telegram.org' })).toThrow(TypeError);
    expect(() => botApi('', { apiRoot: 'https://api.telegram.org' })).toThrow(TypeError);
  });

  it('counts a client idle only with nothing in flight or booked ahead', async () => {
    const clock = new VirtualClock();
    let floods = 1;
    const { fetch } = scriptedFetch(clock, (method) =>
      method === 'getMe' && floods-- > 0 ? flood(IDLE_MS / 1000 + 60) : undefined,
    );
    const api = botApi(fakeToken(), { apiRoot: 'http://telegram.test', fetch, clock });
    expect(api.idleFor(IDLE_MS)).toBe(false); // just made
    await api.call('getMe', {}, { attempts: 1 }).catch(() => undefined);
    clock.time += IDLE_MS;
    expect(api.idleFor(IDLE_MS)).toBe(false); // the flood wait is still ahead
    clock.time += 60_000;
    expect(api.idleFor(IDLE_MS)).toBe(true);
    const pending = api.call('sendMessage', { chat_id: 1, text: 'x' });
    expect(api.idleFor(0)).toBe(false); // in flight
    await clock.run();
    await pending;
    expect(api.idleFor(0)).toBe(false); // the private chat's next slot is still ahead (1/s)
    clock.time += 1000;
    expect(api.idleFor(0)).toBe(true);
  });
});
