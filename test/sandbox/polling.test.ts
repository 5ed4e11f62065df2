import { Telegraf, TelegramError } from 'telegraf';
import type { Update } from 'telegraf/types';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TG } from '../../src/sandbox/index.ts';
import { createWorld, telegramError, type World } from './helpers.ts';

/** Generous limit for conditions awaited with vi.waitFor (a busy CI machine is slow, not wrong). */
const WAIT = { timeout: 10_000, interval: 10 };

let world: World;
afterEach(async () => {
  await world?.close();
});

describe('getUpdates long polling (Telegraf as client)', () => {
  it('delivers updates in order and drops the ones an offset confirms', async () => {
    world = await createWorld();
    const bot = await world.bot('order_bot');
    const alice = await world.user('Alice');
    await world.sandbox.client.start(alice, bot.id);
    await world.sandbox.client.send(alice, bot.id, 'one');
    await world.sandbox.client.send(alice, bot.id, 'two');

    const first = await bot.telegraf.telegram.getUpdates(0, 100, 0, undefined as never);
    expect(
      first.map((u) => (u as Update.MessageUpdate).message).map((m) => ('text' in m ? m.text : '')),
    ).toEqual(['/start', 'one', 'two']);
    expect(first.map((u) => u.update_id)).toEqual([
      first[0]!.update_id,
      first[0]!.update_id + 1,
      first[0]!.update_id + 2,
    ]);

    const again = await bot.telegraf.telegram.getUpdates(0, 1, first[1]!.update_id, undefined as never);
    expect(again.map((u) => u.update_id)).toEqual([first[1]!.update_id]);
    const rest = await bot.telegraf.telegram.getUpdates(0, 100, first[2]!.update_id + 1, undefined as never);
    expect(rest).toEqual([]);
    expect(world.sandbox.state.bots.get(bot.id)!.queue.pendingCount).toBe(0);
  });

  it('a held poll is answered as soon as an update arrives', async () => {
    world = await createWorld();
    const bot = await world.bot('wait_bot');
    const alice = await world.user('Alice');
    const poll = bot.telegraf.telegram.getUpdates(30, 100, 0, undefined as never);
    await vi.waitFor(() => expect(world.sandbox.state.bots.get(bot.id)!.queue.held).not.toBeNull(), WAIT);
    await world.sandbox.client.start(alice, bot.id, 'go');
    const updates = await poll;
    expect(updates).toHaveLength(1);
  });

  it('really waits for `timeout` seconds when nothing arrives, then answers []', async () => {
    world = await createWorld();
    const bot = await world.bot('timeout_bot');
    const started = performance.now();
    const updates = await bot.telegraf.telegram.getUpdates(1, 100, 0, undefined as never);
    expect(updates).toEqual([]);
    expect(performance.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('a negative offset keeps only the last |offset| updates', async () => {
    world = await createWorld();
    const bot = await world.bot('neg_bot');
    const alice = await world.user('Alice');
    for (const t of ['a', 'b', 'c']) await world.sandbox.client.send(alice, bot.id, t);
    const last = await bot.telegraf.telegram.getUpdates(0, 100, -1, undefined as never);
    expect(last).toHaveLength(1);
    expect(
      'text' in (last[0] as Update.MessageUpdate).message && (last[0] as Update.MessageUpdate).message,
    ).toMatchObject({ text: 'c' });
  });

  it('a second getUpdates answers the OLDER one with 409, as Telegram does', async () => {
    world = await createWorld();
    const bot = await world.bot('twice_bot');
    const alice = await world.user('Alice');
    const older = telegramError(bot.telegraf.telegram.getUpdates(30, 100, 0, undefined as never));
    await vi.waitFor(() => expect(world.sandbox.state.bots.get(bot.id)!.queue.held).not.toBeNull(), WAIT);
    const newer = bot.telegraf.telegram.getUpdates(30, 100, 0, undefined as never);
    const err = await older;
    expect(err.code).toBe(409);
    expect(err.description).toBe(TG.conflictPoll);
    await world.sandbox.client.send(alice, bot.id, 'for the newer poller');
    expect(await newer).toHaveLength(1);
  });

  it('two launched Telegraf instances on one token: the first one stops with the 409', async () => {
    world = await createWorld();
    const first = await world.bot('twin_bot');
    const second = new Telegraf(first.token, { telegram: { apiRoot: world.sandbox.apiRoot } });
    const queue = world.sandbox.state.bots.get(first.id)!.queue;
    const firstRun = first.telegraf.launch().then(
      () => null,
      (err: unknown) => err,
    );
    await vi.waitFor(() => expect(queue.held).not.toBeNull(), WAIT);
    void second.launch();
    const err = await firstRun;
    expect(err).toBeInstanceOf(TelegramError);
    expect([(err as TelegramError).code, (err as TelegramError).description]).toEqual([409, TG.conflictPoll]);
    await vi.waitFor(() => expect(queue.held).not.toBeNull(), WAIT);
    second.stop('test over');
  });

  it('revoking the token answers a held poll with 401', async () => {
    world = await createWorld();
    const bot = await world.bot('held_revoke_bot');
    const poll = telegramError(bot.telegraf.telegram.getUpdates(30, 100, 0, undefined as never));
    await vi.waitFor(() => expect(world.sandbox.state.bots.get(bot.id)!.queue.held).not.toBeNull(), WAIT);
    await world.sandbox.client.revokeBot(bot.id);
    expect((await poll).code).toBe(401);
  });

  it('a client that closes its connection releases its poll at once', async () => {
    world = await createWorld();
    const bot = await world.bot('abort_bot');
    const queue = world.sandbox.state.bots.get(bot.id)!.queue;
    const controller = new AbortController();
    const aborted = bot.telegraf.telegram
      .callApi('getUpdates', { timeout: 30 }, { signal: controller.signal as never })
      .catch((err: Error) => err.name);
    await vi.waitFor(() => expect(queue.held).not.toBeNull(), WAIT);
    controller.abort();
    expect(await aborted).toBe('AbortError');
    await vi.waitFor(() => expect(queue.held).toBeNull(), WAIT);
    expect(await bot.telegraf.telegram.getUpdates(0, 100, 0, undefined as never)).toEqual([]);
  });

  it('getUpdates while a webhook is set is a 409', async () => {
    world = await createWorld();
    const bot = await world.bot('hooked_bot');
    await bot.telegraf.telegram.setWebhook('http://127.0.0.1:9/hook');
    const err = await telegramError(bot.telegraf.telegram.getUpdates(0, 100, 0, undefined as never));
    expect([err.code, err.description]).toEqual([409, TG.conflictWebhook]);
  });

  it('bot.launch() polls, hands updates to handlers, and parses the /start payload', async () => {
    world = await createWorld();
    const bot = await world.bot('launch_bot');
    const alice = await world.user('Alice', { username: 'alice_x' });
    const payload = new Promise<string>((resolve) => bot.telegraf.start((ctx) => resolve(ctx.payload)));
    void bot.telegraf.launch();
    await world.sandbox.client.start(alice, bot.id, 'l-42');
    expect(await payload).toBe('l-42');
  });
});

describe('allowed_updates', () => {
  it('filters updates created after the call and Telegram keeps the last setting', async () => {
    world = await createWorld();
    const bot = await world.bot('filter_bot');
    const alice = await world.user('Alice');
    await bot.telegraf.telegram.getUpdates(0, 100, 0, ['callback_query']);
    await world.sandbox.client.send(alice, bot.id, 'filtered out');
    expect(await bot.telegraf.telegram.getUpdates(0, 100, 0, undefined as never)).toEqual([]);
    expect(world.sandbox.state.bots.get(bot.id)!.queue.allowedUpdates).toEqual(['callback_query']);

    await bot.telegraf.telegram.getUpdates(0, 100, 0, []);
    await world.sandbox.client.send(alice, bot.id, 'default again');
    expect(await bot.telegraf.telegram.getUpdates(0, 100, 0, undefined as never)).toHaveLength(1);
  });
});
