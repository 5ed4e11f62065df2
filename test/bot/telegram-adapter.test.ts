/**
 * The Telegraf adapter against the Bot API sandbox: every request Telegraf makes — its polling, `ctx.reply`,
 * `ctx.answerCbQuery`, `ctx.telegram.*` — goes through the seam's client of the token; Telegraf gets the
 * errors it expects (a TelegramError without the URL); a getUpdates without a usable answer is reported as
 * the poll failure and polling goes on; `classifyError` understands the seam's errors and Telegraf's.
 */
import { TelegramError } from 'telegraf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyError, TelegramAdapter } from '../../src/bot/telegram.ts';
import { createSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { botApi, TelegramApiError, TelegramNoAnswerError } from '../../src/telegram/index.ts';
import { waitUntil } from '../helpers/wait.ts';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await createSandbox();
});
afterAll(async () => {
  await sandbox?.close();
});

describe('TelegramAdapter', () => {
  it("routes Telegraf's every request through the seam and hands Telegraf its own errors", async () => {
    const bot = await sandbox.client.createBot({ username: 'adapter_seam_bot' });
    const { id: user } = await sandbox.client.createUser({ first_name: 'Ann' } as never);
    const adapter = new TelegramAdapter({ token: bot.token, apiRoot: sandbox.apiRoot });
    expect(adapter.api).toBe(botApi(bot.token, { apiRoot: sandbox.apiRoot }));
    const methods: string[] = [];
    const call = adapter.api.call.bind(adapter.api);
    adapter.api.call = ((
      method: string,
      ...rest: Parameters<typeof call> extends [string, ...infer R] ? R : never
    ) => {
      methods.push(method);
      return call(method, ...rest);
    }) as typeof adapter.api.call;

    let refusal: unknown;
    adapter.bot.start(async (ctx) => {
      await ctx.reply('hello', {
        reply_markup: { inline_keyboard: [[{ text: 'Press', callback_data: 'p' }]] },
      });
      refusal = await ctx.telegram.sendMessage(-100_999_999_999, 'nowhere').catch((err: unknown) => err);
    });
    adapter.bot.on('callback_query', (ctx) => ctx.answerCbQuery('pressed'));
    try {
      await adapter.getMe();
      const { ready } = adapter.startPolling();
      await ready;
      await sandbox.client.start(user, bot.id);
      const hello = await waitUntil(async () => {
        const { messages } = await sandbox.client.privateMessages(bot.id, user);
        return messages.find((m) => (m as { text?: string }).text === 'hello');
      }, 'the reply');
      const press = await sandbox.client.press(user, {
        chat_id: bot.id,
        message_id: hello.message_id,
        callback_data: 'p',
      });
      expect(press).toMatchObject({ answered: true, text: 'pressed' });
      await waitUntil(() => refusal, 'the refused send');

      expect(new Set(methods)).toEqual(
        new Set(['getMe', 'deleteWebhook', 'getUpdates', 'sendMessage', 'answerCallbackQuery']),
      );
      expect(refusal).toBeInstanceOf(TelegramError);
      expect(refusal).toMatchObject({ code: 400, description: expect.stringMatching(/chat not found/) });
      expect(JSON.stringify(refusal) + String((refusal as Error).message)).not.toContain(
        bot.token.split(':')[1]!,
      );
      expect(adapter.pollFailure).toBeNull();
    } finally {
      await adapter.stop();
    }
  });

  it('reports a getUpdates without a usable answer as the poll failure, and polls on', async () => {
    const bot = await sandbox.client.createBot({ username: 'adapter_drop_bot' });
    const { id: user } = await sandbox.client.createUser({ first_name: 'Bob' } as never);
    const adapter = new TelegramAdapter({ token: bot.token, apiRoot: sandbox.apiRoot });
    try {
      await adapter.getMe();
      const { ready, done } = adapter.startPolling();
      await ready;
      await sandbox.client.addFault({ token: bot.token, method: 'getUpdates', drop: true });
      // End the long poll in progress, so the next getUpdates meets the fault.
      await sandbox.client.start(user, bot.id);
      const failure = await waitUntil(() => adapter.pollFailure, 'the poll failure');
      expect(failure.errorCode).toBeUndefined();
      expect(failure.description).toMatch(/^no usable answer from Telegram: network error/);
      expect(failure.description).not.toContain(bot.token.split(':')[1]!);
      // Telegraf waits 5 s after a FetchError, then polls again: the failure clears.
      await waitUntil(() => adapter.pollFailure === null, 'polling to recover', 15_000);
      const outcome = await Promise.race([done, Promise.resolve('polling')]);
      expect(outcome).toBe('polling');
    } finally {
      await adapter.stop();
    }
  });
});

describe('classifyError', () => {
  it("classifies the seam's errors and Telegraf's, never returning a token", () => {
    expect(classifyError(new TelegramApiError('getUpdates', 401, 'Unauthorized'))).toEqual({
      kind: 'unauthorized',
      errorCode: 401,
      description: 'Unauthorized',
    });
    expect(
      classifyError(
        new TelegramError({
          error_code: 409,
          description: 'Conflict: terminated by other getUpdates request',
        }),
      ),
    ).toMatchObject({ kind: 'conflict', errorCode: 409 });
    expect(classifyError(new TelegramApiError('getMe', 500, 'Internal Server Error'))).toEqual({
      kind: 'other',
      errorCode: 500,
      description: 'Internal Server Error',
    });
    expect(classifyError(new TelegramNoAnswerError('getUpdates', 'not-bot-api', 'HTTP 502 …', 502))).toEqual({
      kind: 'other',
      errorCode: 502,
      description: 'no usable answer from Telegram: HTTP 502 …',
    });
    expect(
      classifyError(new TelegramNoAnswerError('getUpdates', 'network', 'network error ECONNRESET')),
    ).toEqual({
      kind: 'other',
      description: 'no usable answer from Telegram: network error ECONNRESET',
    });
    const token = `7000000001:${'S'.repeat(35)}`;
    expect(
      classifyError(new Error(`request to https://api.telegram.org/bot${token}/getMe failed`)).description,
    ).toBe('request to https://api.telegram.org/bot7000000001:***/getMe failed');
  });
});
