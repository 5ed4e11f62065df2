import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createWorld, telegramError, type World } from './helpers.ts';

/** Generous limit for conditions awaited with vi.waitFor (a busy CI machine is slow, not wrong). */
const WAIT = { timeout: 10_000, interval: 10 };

let world: World;
let receiver: http.Server | null = null;
afterEach(async () => {
  await world?.close();
  if (receiver) {
    receiver.closeAllConnections();
    await new Promise((resolve) => receiver?.close(resolve));
    receiver = null;
  }
});

interface Received {
  headers: http.IncomingHttpHeaders;
  body: Record<string, unknown>;
}

/** A local webhook receiver; `answer` decides each response (status and JSON body). */
async function startReceiver(answer: (n: number) => { status: number; body?: unknown }) {
  const received: Received[] = [];
  receiver = http.createServer((req, res) => {
    let data = '';
    req.on('data', (chunk) => {
      data += chunk;
    });
    req.on('end', () => {
      received.push({ headers: req.headers, body: JSON.parse(data) });
      const { status, body } = answer(received.length);
      res
        .writeHead(status, { 'content-type': 'application/json' })
        .end(body === undefined ? '' : JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => receiver?.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  /** Wait until `count` deliveries have arrived. */
  const next = (count: number) =>
    vi.waitFor(() => expect(received.length).toBeGreaterThanOrEqual(count), WAIT);
  return { url, received, next };
}

describe('webhooks', () => {
  it('delivers updates to the URL with the secret token header and confirms them on 200', async () => {
    world = await createWorld();
    const bot = await world.bot('hook_bot');
    const alice = await world.user('Alice');
    const hook = await startReceiver(() => ({ status: 200 }));
    await bot.telegraf.telegram.setWebhook(hook.url, { secret_token: 's3cret_T0ken' });
    await world.sandbox.client.start(alice, bot.id, 'abc');
    await hook.next(1);
    expect(hook.received[0]?.headers['x-telegram-bot-api-secret-token']).toBe('s3cret_T0ken');
    expect(hook.received[0]?.body).toMatchObject({ message: { text: '/start abc', from: { id: alice } } });
    await vi.waitFor(
      async () => expect((await bot.telegraf.telegram.getWebhookInfo()).pending_update_count).toBe(0),
      WAIT,
    );
    expect((await bot.telegraf.telegram.getWebhookInfo()).url).toBe(hook.url);
  });

  it('retries a refused delivery, reports the error in getWebhookInfo, and runs a method from the answer', async () => {
    world = await createWorld({ limits: { webhookRetryMs: 20 } });
    const bot = await world.bot('retry_bot');
    const alice = await world.user('Alice');
    const hook = await startReceiver((n) =>
      n === 1
        ? { status: 500 }
        : { status: 200, body: { method: 'sendMessage', chat_id: alice, text: 'from the webhook answer' } },
    );
    await bot.telegraf.telegram.setWebhook(hook.url);
    await world.sandbox.client.start(alice, bot.id);
    await hook.next(2);
    expect(hook.received[1]?.body.update_id).toBe(hook.received[0]?.body.update_id);
    expect((await bot.telegraf.telegram.getWebhookInfo()).last_error_message).toBe(
      'Wrong response from the webhook: 500 Internal Server Error',
    );
    await vi.waitFor(async () => {
      const { messages } = await world.sandbox.client.privateMessages(bot.id, alice);
      expect(messages.map((m) => m.text)).toContain('from the webhook answer');
    }, WAIT);
  });

  it('deleteWebhook with drop_pending_updates forgets pending updates', async () => {
    world = await createWorld();
    const bot = await world.bot('drop_bot');
    const alice = await world.user('Alice');
    await bot.telegraf.telegram.setWebhook('http://127.0.0.1:9/unreachable');
    await world.sandbox.client.send(alice, bot.id, 'lost');
    await bot.telegraf.telegram.deleteWebhook({ drop_pending_updates: true });
    expect(await bot.telegraf.telegram.getUpdates(0, 100, 0, undefined as never)).toEqual([]);
  });
});

describe('fault injection', () => {
  it('makes the next N calls of a method fail with the given error, then recovers', async () => {
    world = await createWorld();
    const bot = await world.bot('fault_bot');
    await world.sandbox.client.addFault({
      token: bot.token,
      method: 'getMe',
      error_code: 429,
      description: 'Too Many Requests: retry after 7',
      parameters: { retry_after: 7 },
      times: 2,
    });
    for (let i = 0; i < 2; i++) {
      const err = await telegramError(bot.telegraf.telegram.getMe());
      expect([err.code, err.description, err.parameters]).toEqual([
        429,
        'Too Many Requests: retry after 7',
        { retry_after: 7 },
      ]);
    }
    expect((await bot.telegraf.telegram.getMe()).id).toBe(bot.id);
  });

  it('a fault for one token leaves other bots alone; 5xx reach Telegraf as their status', async () => {
    world = await createWorld();
    const a = await world.bot('fault_a_bot');
    const b = await world.bot('fault_b_bot');
    await world.sandbox.client.addFault({ token: a.token, method: '*', error_code: 502 });
    expect((await b.telegraf.telegram.getMe()).id).toBe(b.id);
    const err = await telegramError(a.telegraf.telegram.getMe());
    expect(err.code).toBe(502);
  });

  it('with chat_id, affects only calls into that chat', async () => {
    world = await createWorld();
    const bot = await world.bot('fault_chat_bot');
    await world.sandbox.client.addFault({ method: 'getChat', chat_id: -100123, error_code: 502 });
    // Another chat: the sandbox's own answer (no such chat), and the fault is still there.
    expect((await telegramError(bot.telegraf.telegram.getChat(-100456))).code).toBe(400);
    expect((await world.sandbox.client.listFaults()).faults).toHaveLength(1);
    expect((await telegramError(bot.telegraf.telegram.getChat(-100123))).code).toBe(502);
    expect((await world.sandbox.client.listFaults()).faults).toHaveLength(0);
  });

  it('hangs a call for the given time', async () => {
    world = await createWorld();
    const bot = await world.bot('hang_bot');
    await world.sandbox.client.addFault({ method: 'getme', hang_ms: 300 });
    const started = performance.now();
    expect((await bot.telegraf.telegram.getMe()).id).toBe(bot.id);
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('drops the connection without an answer', async () => {
    world = await createWorld();
    const bot = await world.bot('drop_conn_bot');
    await world.sandbox.client.addFault({ method: 'getMe', drop: true });
    const err = await bot.telegraf.telegram.getMe().catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).name).toBe('FetchError');
    expect((await bot.telegraf.telegram.getMe()).id).toBe(bot.id);
  });

  it('DELETE /_sandbox/faults removes pending faults', async () => {
    world = await createWorld();
    const bot = await world.bot('clear_bot');
    await world.sandbox.client.addFault({ method: 'getMe', error_code: 500, times: 5 });
    expect((await world.sandbox.client.listFaults()).faults).toEqual([
      { id: 1, remaining: 5, times: 5, method: 'getme', error_code: 500 },
    ]);
    expect(await world.sandbox.client.clearFaults()).toEqual({ removed: 1 });
    expect((await bot.telegraf.telegram.getMe()).id).toBe(bot.id);
  });
});
