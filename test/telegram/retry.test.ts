/**
 * The retry policy as data (virtual clock): the table retries idempotent calls on 429, 5xx, network errors
 * and timeouts, with 1 s doubling to 10 s and jitter (or `retry_after`); sends, getChatMember and
 * getUpdates are tried once, whatever the failure; other 4xx are never retried; a caller may ask for more
 * or fewer attempts, and its AbortSignal ends the retrying.
 */
import { describe, expect, it } from 'vitest';
import {
  backoffMs,
  botApi,
  failureKind,
  RETRY_RULES,
  retryRuleFor,
  TelegramApiError,
  TelegramNoAnswerError,
} from '../../src/telegram/index.ts';
import { fakeToken, flood, scriptedFetch, VirtualClock } from './helpers.ts';

const serverError = {
  status: 500,
  json: { ok: false, error_code: 500, description: 'Internal Server Error' },
};
const refused = () => {
  throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
};
const badGateway = { status: 502, text: '<html><body>502 Bad Gateway</body></html>' };

/** A client with a scripted fetch answering as `answer` says (jitter: none, `random` 0.5). */
function client(answer: Parameters<typeof scriptedFetch>[1], random = () => 0.5) {
  const clock = new VirtualClock();
  const scripted = scriptedFetch(clock, answer);
  const api = botApi(fakeToken(), { apiRoot: 'http://telegram.test', fetch: scripted.fetch, clock, random });
  return { clock, api, ...scripted };
}

async function outcome(clock: VirtualClock, promise: Promise<unknown>): Promise<unknown> {
  const settled = promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  await clock.run();
  return settled;
}

describe('the retry table', () => {
  it('retries the idempotent calls and nothing else', () => {
    for (const method of [
      'getMe',
      'getChat',
      'getChatAdministrators',
      'getWebhookInfo',
      'deleteWebhook',
      'setWebhook',
    ]) {
      expect(RETRY_RULES[method], method).toEqual({
        attempts: 5,
        on: ['flood', 'server', 'network', 'timeout'],
      });
    }
    for (const method of [
      'sendMessage',
      'editMessageText',
      'copyMessage',
      'getChatMember',
      'getUpdates',
      'answerCallbackQuery',
    ]) {
      expect(retryRuleFor(method).attempts, method).toBe(1);
    }
  });

  it('classifies failures: 429 flood, 5xx server, no answer network or timeout, other 4xx and aborts never', () => {
    expect(failureKind(new TelegramApiError('getMe', 429, 'Too Many Requests'))).toBe('flood');
    expect(failureKind(new TelegramApiError('getMe', 502, 'Bad Gateway'))).toBe('server');
    expect(failureKind(new TelegramApiError('getMe', 401, 'Unauthorized'))).toBeNull();
    expect(failureKind(new TelegramNoAnswerError('getMe', 'network', 'network error ECONNRESET'))).toBe(
      'network',
    );
    expect(failureKind(new TelegramNoAnswerError('getMe', 'timeout', 'no answer within 10 s'))).toBe(
      'timeout',
    );
    expect(failureKind(new TelegramNoAnswerError('getMe', 'not-bot-api', 'HTTP 502 …', 502))).toBe('server');
    expect(failureKind(new TelegramNoAnswerError('getMe', 'not-bot-api', 'HTTP 200 …', 200))).toBe('network');
    expect(failureKind(new TelegramNoAnswerError('getMe', 'aborted', 'cancelled'))).toBeNull();
  });

  it('backs off 1 s doubling to 10 s, with jitter of ±20 % and never above 10 s', () => {
    const mid = () => 0.5;
    expect([1, 2, 3, 4, 5, 6, 30].map((n) => backoffMs(n, mid))).toEqual([
      1000, 2000, 4000, 8000, 10_000, 10_000, 10_000,
    ]);
    expect(backoffMs(1, () => 0)).toBe(800);
    expect(backoffMs(1, () => 0.999_999)).toBe(1200);
    expect(backoffMs(4, () => 0.999_999)).toBe(9600);
    expect(backoffMs(5, () => 0.999_999)).toBe(10_000);
    expect(backoffMs(5, () => 0)).toBe(8000);
  });
});

describe('BotApi retries', () => {
  it.each([
    ['a 500 answer', serverError],
    ['a 502 with an HTML body', badGateway],
  ])('retries getMe after %s with backoff, five attempts in all', async (_what, answer) => {
    const { clock, api, at } = client(() => answer);
    const waits: number[] = [];
    const result = await outcome(clock, api.call('getMe', {}, { onRetry: (_e, ms) => waits.push(ms) }));
    expect(result).toHaveProperty('error');
    expect(at('getMe')).toEqual([0, 1000, 3000, 7000, 15_000]);
    expect(waits).toEqual([1000, 2000, 4000, 8000]);
  });

  it('retries getMe after a network error and returns the answer that comes', async () => {
    const { clock, api, at } = client((_m, _b, i) =>
      i < 2 ? refused : { json: { ok: true, result: { id: 1 } } },
    );
    expect(await outcome(clock, api.call('getMe'))).toEqual({ value: { id: 1 } });
    expect(at('getMe')).toEqual([0, 1000, 3000]);
  });

  it('waits retry_after after a 429, not the backoff', async () => {
    const { clock, api, at } = client((_m, _b, i) => (i === 0 ? flood(7) : undefined));
    expect(await outcome(clock, api.call('setWebhook', { url: 'https://example.org/hook' }))).toEqual({
      value: true,
    });
    expect(at('setWebhook')).toEqual([0, 7000]);
  });

  it.each([
    ['a network error', refused],
    ['a 500 answer', serverError],
    ['a 502 with an HTML body', badGateway],
    ['a 429', flood(1)],
  ])(
    'never retries a send after %s (it may have been delivered; the outbox decides)',
    async (_what, answer) => {
      const { clock, api, at } = client(() => answer);
      const result = (await outcome(clock, api.call('sendMessage', { chat_id: 7, text: 'x' }))) as {
        error: unknown;
      };
      expect(result.error).toBeInstanceOf(Error);
      expect(at('sendMessage')).toEqual([0]);
    },
  );

  it('tries getChatMember and getUpdates once', async () => {
    const { clock, api, at } = client(() => serverError);
    await outcome(clock, api.call('getChatMember', { chat_id: -1, user_id: 2 }));
    await outcome(clock, api.call('getUpdates', { timeout: 0 }));
    expect(at('getChatMember')).toEqual([0]);
    expect(at('getUpdates')).toEqual([0]);
  });

  it('never retries another 4xx', async () => {
    const { clock, api, at } = client(() => ({
      status: 401,
      json: { ok: false, error_code: 401, description: 'Unauthorized' },
    }));
    const result = (await outcome(clock, api.call('getMe'))) as { error: TelegramApiError };
    expect(result.error).toMatchObject({ code: 401, description: 'Unauthorized' });
    expect(at('getMe')).toEqual([0]);
  });

  it("takes the caller's attempts instead of the table's, and stops retrying when its signal fires", async () => {
    const { clock, api, at } = client(() => serverError);
    await outcome(clock, api.call('getMe', {}, { attempts: 1 }));
    expect(at('getMe')).toEqual([0]);

    const stop = new AbortController();
    const forever = api.call('getMe', {}, { attempts: Number.POSITIVE_INFINITY, signal: stop.signal });
    const settled = forever.catch((e: unknown) => e);
    await clock.run(60_000);
    const tries = at('getMe').length;
    expect(tries).toBeGreaterThan(6); // 1 + 1 s + 2 s + 4 s + 8 s + 10 s + 10 s … within a minute
    stop.abort();
    const err = await settled;
    expect(err).toBeInstanceOf(TelegramNoAnswerError);
    expect((err as TelegramNoAnswerError).kind).toBe('aborted');
    await clock.run();
    expect(at('getMe').length).toBe(tries);
  });
});
