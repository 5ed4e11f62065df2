import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock, TG } from '../../src/sandbox/index.ts';
import { createWorld, telegramError, type World } from './helpers.ts';

let world: World;
afterEach(async () => {
  await world?.close();
});

describe("Telegram's errors reach Telegraf as the same TelegramError", () => {
  it('401 Unauthorized for an unknown token, and for a revoked one on its next call', async () => {
    world = await createWorld();
    const bot = await world.bot('revoked_bot');
    expect((await bot.telegraf.telegram.getMe()).username).toBe('revoked_bot');
    const { token } = await world.sandbox.client.revokeBot(bot.id);
    expect(token).not.toBe(bot.token);
    const err = await telegramError(bot.telegraf.telegram.getMe());
    expect([err.code, err.description]).toEqual([401, 'Unauthorized']);
    const unknown = await fetch(`${world.sandbox.apiRoot}/bot123:${'A'.repeat(35)}/sendMessage`);
    expect(await unknown.json()).toEqual({ ok: false, error_code: 401, description: 'Unauthorized' });
  });

  it('404 Not Found for an unknown method', async () => {
    world = await createWorld();
    const bot = await world.bot('method_bot');
    const err = await telegramError(bot.telegraf.telegram.callApi('sendTelepathy' as never, {} as never));
    expect([err.code, err.description]).toEqual([404, 'Not Found']);
  });

  it('403 for a user who blocked the bot, never started it, or is deactivated', async () => {
    world = await createWorld();
    const bot = await world.bot('dm_bot');
    const [blocked, stranger, gone] = [await world.user('B'), await world.user('S'), await world.user('G')];
    const { client } = world.sandbox;
    for (const u of [blocked, gone]) await client.start(u, bot.id);
    await client.blockBot(blocked, bot.id);
    await client.deactivateUser(gone);
    const send = (id: number) => telegramError(bot.telegraf.telegram.sendMessage(id, 'You won!'));
    expect((await send(blocked)).response).toEqual({ ok: false, error_code: 403, description: TG.blocked });
    expect((await send(stranger)).response).toEqual({
      ok: false,
      error_code: 403,
      description: TG.cantInitiate,
    });
    expect((await send(gone)).response).toEqual({ ok: false, error_code: 403, description: TG.deactivated });
    await client.start(blocked, bot.id);
    expect((await bot.telegraf.telegram.sendMessage(blocked, 'again')).text).toBe('again');
  });

  it('429 with retry_after past the per-bot rate', async () => {
    world = await createWorld({ clock: new ManualClock(), limits: { botMessagesPerSecond: 2 } });
    const bot = await world.bot('flood_bot');
    const alice = await world.user('Alice');
    await world.sandbox.client.start(alice, bot.id);
    await bot.telegraf.telegram.sendMessage(alice, '1');
    await bot.telegraf.telegram.sendMessage(alice, '2');
    const err = await telegramError(bot.telegraf.telegram.sendMessage(alice, '3'));
    expect([err.code, err.description, err.parameters]).toEqual([
      429,
      'Too Many Requests: retry after 1',
      { retry_after: 1 },
    ]);
  });

  it('429 past 20 messages a minute in one group, edits included', async () => {
    const clock = new ManualClock();
    world = await createWorld({ clock });
    const bot = await world.bot('group_flood_bot');
    const { id: group } = await world.sandbox.client.createChat({ type: 'supergroup', title: 'Giveaways' });
    await world.sandbox.client.setMember(group, { user_id: bot.id, status: 'administrator' });
    const first = await bot.telegraf.telegram.sendMessage(group, 'post 1');
    for (let i = 2; i <= 19; i++) await bot.telegraf.telegram.sendMessage(group, `post ${i}`);
    await bot.telegraf.telegram.editMessageText(group, first.message_id, undefined, 'post 1 (edited)');
    clock.advance(30_000);
    const err = await telegramError(bot.telegraf.telegram.sendMessage(group, 'one too many'));
    expect([err.code, err.parameters]).toEqual([429, { retry_after: 30 }]);
    clock.advance(30_000);
    expect((await bot.telegraf.telegram.sendMessage(group, 'fits again')).text).toBe('fits again');
  });

  it('limits can be switched off at run time', async () => {
    world = await createWorld({ clock: new ManualClock(), limits: { botMessagesPerSecond: 1 } });
    const bot = await world.bot('nolimit_bot');
    const alice = await world.user('Alice');
    await world.sandbox.client.start(alice, bot.id);
    await bot.telegraf.telegram.sendMessage(alice, 'first');
    expect((await telegramError(bot.telegraf.telegram.sendMessage(alice, 'second'))).code).toBe(429);
    const { limits } = await world.sandbox.client.setLimits({ botMessagesPerSecond: 0 });
    expect(limits.botMessagesPerSecond).toBe(0);
    for (const text of ['second', 'third', 'fourth']) {
      expect((await bot.telegraf.telegram.sendMessage(alice, text)).text).toBe(text);
    }
  });

  it('400 for broken entities, too long, empty text and bad callback_data', async () => {
    world = await createWorld();
    const bot = await world.bot('bad_text_bot');
    const alice = await world.user('Alice');
    await world.sandbox.client.start(alice, bot.id);
    const tg = bot.telegraf.telegram;
    expect((await telegramError(tg.sendMessage(alice, '<b>x', { parse_mode: 'HTML' }))).description).toBe(
      "Bad Request: can't parse entities: Can't find end tag corresponding to start tag b",
    );
    expect((await telegramError(tg.sendMessage(alice, 'x'.repeat(4097)))).description).toBe(
      TG.messageTooLong,
    );
    expect((await telegramError(tg.sendMessage(alice, ''))).description).toBe(TG.textEmpty);
    const keyboard = (data: string) => ({
      reply_markup: { inline_keyboard: [[{ text: 'Join', callback_data: data }]] },
    });
    expect((await telegramError(tg.sendMessage(alice, 'x', keyboard('é'.repeat(33))))).description).toBe(
      TG.buttonDataInvalid,
    );
    expect((await telegramError(tg.sendMessage(alice, 'x', keyboard('')))).description).toBe(
      TG.buttonDataInvalid,
    );
    expect((await tg.sendMessage(alice, 'x', keyboard('é'.repeat(32)))).text).toBe('x');
  });

  it('400 message is not modified for an edit that changes nothing', async () => {
    world = await createWorld();
    const bot = await world.bot('edit_bot');
    const alice = await world.user('Alice');
    await world.sandbox.client.start(alice, bot.id);
    const markup = { inline_keyboard: [[{ text: 'Join', callback_data: 'j:1' }]] };
    const msg = await bot.telegraf.telegram.sendMessage(alice, '<b>Lottery</b>', {
      parse_mode: 'HTML',
      reply_markup: markup,
    });
    const same = bot.telegraf.telegram.editMessageText(alice, msg.message_id, undefined, '<b>Lottery</b>', {
      parse_mode: 'HTML',
      reply_markup: markup,
    });
    expect((await telegramError(same)).description).toBe(TG.notModified);
    const sameMarkup = bot.telegraf.telegram.editMessageReplyMarkup(alice, msg.message_id, undefined, markup);
    expect((await telegramError(sameMarkup)).description).toBe(TG.notModified);
    const edited = await bot.telegraf.telegram.editMessageText(
      alice,
      msg.message_id,
      undefined,
      'Lottery closed',
    );
    expect(edited).toMatchObject({ text: 'Lottery closed', edit_date: expect.any(Number) });
    expect(edited).not.toHaveProperty('reply_markup');
  });

  it('400 chat not found, user not found, member not found, member list is inaccessible', async () => {
    world = await createWorld();
    const bot = await world.bot('member_bot');
    const alice = await world.user('Alice');
    const { client } = world.sandbox;
    const { id: channel } = await client.createChat({
      type: 'channel',
      title: 'News',
      username: 'news_channel',
    });
    const tg = bot.telegraf.telegram;
    expect((await telegramError(tg.getChatMember(-1009999999999, alice))).description).toBe(TG.chatNotFound);
    expect((await telegramError(tg.getChatMember(channel, alice))).description).toBe(
      TG.memberListInaccessible,
    );
    await client.setMember(channel, { user_id: bot.id, status: 'administrator' });
    expect((await telegramError(tg.getChatMember(channel, 424242))).description).toBe(TG.userNotFound);
    expect(await tg.getChatMember('@news_channel', alice)).toMatchObject({
      status: 'left',
      user: { id: alice },
    });
    await client.setMember(channel, { user_id: alice, status: 'member' });
    expect(await tg.getChatMember(channel, alice)).toMatchObject({ status: 'member' });
    await client.deactivateUser(alice);
    expect((await telegramError(tg.getChatMember(channel, alice))).description).toBe(TG.memberNotFound);
  });

  it('403 in a group the bot is not in or was kicked from; 400 in a channel where it may not post', async () => {
    world = await createWorld();
    const bot = await world.bot('outsider_bot');
    const { client } = world.sandbox;
    const { id: group } = await client.createChat({ type: 'supergroup', title: 'G' });
    const { id: channel } = await client.createChat({ type: 'channel', title: 'C' });
    const tg = bot.telegraf.telegram;
    expect((await telegramError(tg.sendMessage(group, 'hi'))).description).toBe(TG.notMember('supergroup'));
    await client.setMember(group, { user_id: bot.id, status: 'kicked' });
    expect((await telegramError(tg.sendMessage(group, 'hi'))).description).toBe(TG.kicked('supergroup'));
    await client.setMember(channel, {
      user_id: bot.id,
      status: 'administrator',
      rights: { can_post_messages: false },
    });
    expect((await telegramError(tg.sendMessage(channel, 'hi'))).description).toBe(TG.needAdminInChannel);
  });
});
