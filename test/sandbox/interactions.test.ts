import type { Update } from 'telegraf/types';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock, TG } from '../../src/sandbox/index.ts';
import { createWorld, telegramError, type World } from './helpers.ts';

let world: World;
afterEach(async () => {
  await world?.close();
});

type Tg = Awaited<ReturnType<World['bot']>>['telegraf']['telegram'];

/** Fetch and confirm everything pending for a bot. */
async function drain(tg: Tg): Promise<Update[]> {
  const updates = await tg.getUpdates(0, 100, 0, undefined as never);
  const last = updates.at(-1);
  if (last) await tg.getUpdates(0, 1, last.update_id + 1, undefined as never);
  return updates;
}

describe('membership updates', () => {
  it('my_chat_member when the bot is added to a channel as administrator, promoted and removed', async () => {
    world = await createWorld();
    const bot = await world.bot('member_upd_bot');
    const owner = await world.user('Owner');
    const { client } = world.sandbox;
    const { id: channel } = await client.createChat({ type: 'channel', title: 'Prizes' });
    await client.setMember(channel, { user_id: owner, status: 'creator' });
    await client.setMember(channel, { user_id: bot.id, status: 'administrator' });
    const [added] = await drain(bot.telegraf.telegram);
    expect(added).toMatchObject({
      my_chat_member: {
        chat: { id: channel, type: 'channel', title: 'Prizes' },
        from: { id: owner },
        old_chat_member: { status: 'left', user: { id: bot.id, is_bot: true } },
        new_chat_member: { status: 'administrator', can_post_messages: true, can_be_edited: false },
      },
    });

    const { id: group } = await client.createChat({ type: 'supergroup', title: 'Chat' });
    await client.setMember(group, { user_id: bot.id, status: 'member' });
    await client.setMember(group, { user_id: bot.id, status: 'administrator' });
    await client.setMember(group, { user_id: bot.id, status: 'left' });
    const updates = await drain(bot.telegraf.telegram);
    const changes = updates
      .filter((u): u is Update.MyChatMemberUpdate => 'my_chat_member' in u)
      .map((u) => [u.my_chat_member.old_chat_member.status, u.my_chat_member.new_chat_member.status]);
    expect(changes).toEqual([
      ['left', 'member'],
      ['member', 'administrator'],
      ['administrator', 'left'],
    ]);
    const service = updates.filter((u): u is Update.MessageUpdate => 'message' in u).map((u) => u.message);
    expect(service[0]).toMatchObject({ new_chat_members: [{ id: bot.id }] });
  });

  it('chat_member reaches an admin bot only when allowed_updates asks for it', async () => {
    world = await createWorld();
    const bot = await world.bot('watcher_bot');
    const alice = await world.user('Alice');
    const { client } = world.sandbox;
    const { id: group } = await client.createChat({ type: 'supergroup', title: 'G' });
    await client.setMember(group, { user_id: bot.id, status: 'administrator' });
    await drain(bot.telegraf.telegram);

    await client.setMember(group, { user_id: alice, status: 'member' });
    expect((await drain(bot.telegraf.telegram)).some((u) => 'chat_member' in u)).toBe(false);

    await bot.telegraf.telegram.getUpdates(0, 100, 0, ['chat_member', 'message']);
    await client.setMember(group, { user_id: alice, status: 'left' });
    const updates = await drain(bot.telegraf.telegram);
    expect(updates.find((u) => 'chat_member' in u)).toMatchObject({
      chat_member: {
        old_chat_member: { status: 'member', user: { id: alice } },
        new_chat_member: { status: 'left' },
      },
    });
  });

  it('blocking and restarting the bot sends my_chat_member in the private chat', async () => {
    world = await createWorld();
    const bot = await world.bot('block_upd_bot');
    const alice = await world.user('Alice');
    await world.sandbox.client.start(alice, bot.id);
    await world.sandbox.client.blockBot(alice, bot.id);
    await world.sandbox.client.start(alice, bot.id);
    const statuses = (await drain(bot.telegraf.telegram))
      .filter((u): u is Update.MyChatMemberUpdate => 'my_chat_member' in u)
      .map((u) => [u.my_chat_member.chat.type, u.my_chat_member.new_chat_member.status]);
    expect(statuses).toEqual([
      ['private', 'kicked'],
      ['private', 'member'],
    ]);
  });
});

describe('messages from users', () => {
  it('/start <payload> arrives with a bot_command entity covering only /start', async () => {
    world = await createWorld();
    const bot = await world.bot('deep_bot');
    const alice = await world.user('Alice', { username: 'alice_d' });
    await world.sandbox.client.start(alice, bot.id, 'l-42');
    const [update] = await drain(bot.telegraf.telegram);
    expect(update).toMatchObject({
      message: {
        chat: { id: alice, type: 'private', first_name: 'Alice', username: 'alice_d' },
        from: { id: alice, is_bot: false, first_name: 'Alice' },
        text: '/start l-42',
        entities: [{ type: 'bot_command', offset: 0, length: 6 }],
      },
    });
  });

  it('privacy mode: a non-admin bot in a group sees commands but not chatter', async () => {
    world = await createWorld();
    const bot = await world.bot('quiet_bot');
    const alice = await world.user('Alice');
    const { client } = world.sandbox;
    const { id: group } = await client.createChat({ type: 'group', title: 'Friends' });
    await client.setMember(group, { user_id: bot.id, status: 'member' });
    await client.setMember(group, { user_id: alice, status: 'member' });
    await drain(bot.telegraf.telegram);
    await client.send(alice, group, 'just chatting');
    await client.send(alice, group, '/join@quiet_bot');
    const texts = (await drain(bot.telegraf.telegram)).map((u) =>
      'message' in u && 'text' in u.message ? u.message.text : null,
    );
    expect(texts).toEqual(['/join@quiet_bot']);
  });
});

describe('callback queries', () => {
  it('press → callback_query → answerCbQuery → the press returns the answer, in a private chat', async () => {
    world = await createWorld();
    const bot = await world.bot('press_bot');
    const alice = await world.user('Alice');
    await world.sandbox.client.start(alice, bot.id);
    await drain(bot.telegraf.telegram);
    const msg = await bot.telegraf.telegram.sendMessage(alice, 'Join?', {
      reply_markup: { inline_keyboard: [[{ text: 'Join', callback_data: 'j:1' }]] },
    });
    const pressed = world.sandbox.client.press(alice, {
      chat_id: bot.id,
      message_id: msg.message_id,
      callback_data: 'j:1',
    });
    const poll = await bot.telegraf.telegram.getUpdates(5, 100, 0, undefined as never);
    const query = (poll[0] as Update.CallbackQueryUpdate).callback_query;
    expect(query).toMatchObject({
      from: { id: alice },
      data: 'j:1',
      message: { message_id: msg.message_id, chat: { id: alice } },
    });
    expect(query.chat_instance).toMatch(/^-?\d+$/);
    await bot.telegraf.telegram.answerCbQuery(query.id, 'You are in!', { show_alert: true });
    expect(await pressed).toEqual({
      query_id: query.id,
      answered: true,
      text: 'You are in!',
      show_alert: true,
      url: null,
    });
  });

  it('works for channel posts too, with one chat_instance per chat, and an inaccessible message on request', async () => {
    world = await createWorld();
    const bot = await world.bot('channel_press_bot');
    const alice = await world.user('Alice');
    const { client } = world.sandbox;
    const { id: channel } = await client.createChat({ type: 'channel', title: 'Draws' });
    await client.setMember(channel, { user_id: bot.id, status: 'administrator' });
    await drain(bot.telegraf.telegram);
    const post = await bot.telegraf.telegram.sendMessage(channel, 'Giveaway', {
      reply_markup: { inline_keyboard: [[{ text: 'Join', callback_data: 'j:9' }]] },
    });
    expect(post).toMatchObject({ chat: { id: channel, type: 'channel' }, sender_chat: { id: channel } });
    const instances: string[] = [];
    for (const inaccessible of [false, true]) {
      const pressed = client.press(alice, {
        chat_id: channel,
        message_id: post.message_id,
        callback_data: 'j:9',
        inaccessible,
      });
      const [update] = await bot.telegraf.telegram.getUpdates(5, 100, 0, undefined as never);
      const query = (update as Update.CallbackQueryUpdate).callback_query;
      await bot.telegraf.telegram.getUpdates(0, 1, update!.update_id + 1, undefined as never);
      instances.push(query.chat_instance);
      if (inaccessible)
        expect(query.message).toEqual({
          chat: { id: channel, type: 'channel', title: 'Draws' },
          message_id: post.message_id,
          date: 0,
        });
      await bot.telegraf.telegram.answerCbQuery(query.id);
      expect((await pressed).answered).toBe(true);
    }
    expect(instances[0]).toBe(instances[1]);
  });

  it('works in groups: the pressing member is `from`, the group is the message chat', async () => {
    world = await createWorld();
    const bot = await world.bot('group_press_bot');
    const bob = await world.user('Bob');
    const { client } = world.sandbox;
    const { id: group } = await client.createChat({ type: 'supergroup', title: 'Lobby' });
    await client.setMember(group, { user_id: bot.id, status: 'administrator' });
    await client.setMember(group, { user_id: bob, status: 'member' });
    await drain(bot.telegraf.telegram);
    const msg = await bot.telegraf.telegram.sendMessage(group, 'Join the draw', {
      reply_markup: { inline_keyboard: [[{ text: 'Join', callback_data: 'j:3' }]] },
    });
    const pressed = client.press(bob, { chat_id: group, message_id: msg.message_id, callback_data: 'j:3' });
    const [update] = await bot.telegraf.telegram.getUpdates(5, 100, 0, undefined as never);
    const query = (update as Update.CallbackQueryUpdate).callback_query;
    expect(query).toMatchObject({
      from: { id: bob },
      message: { chat: { id: group, type: 'supergroup' } },
      data: 'j:3',
    });
    await bot.telegraf.telegram.answerCbQuery(query.id, 'Joined');
    expect((await pressed).text).toBe('Joined');
  });

  it('answering after the callback timeout is 400 query is too old (fake clock)', async () => {
    const clock = new ManualClock();
    world = await createWorld({ clock });
    const bot = await world.bot('slow_bot');
    const alice = await world.user('Alice');
    await world.sandbox.client.start(alice, bot.id);
    await drain(bot.telegraf.telegram);
    const msg = await bot.telegraf.telegram.sendMessage(alice, 'Join?', {
      reply_markup: { inline_keyboard: [[{ text: 'Join', callback_data: 'j:1' }]] },
    });
    const pressed = world.sandbox.client.press(alice, {
      chat_id: bot.id,
      message_id: msg.message_id,
      callback_data: 'j:1',
    });
    const [update] = await bot.telegraf.telegram.getUpdates(5, 100, 0, undefined as never);
    clock.advance(15_000);
    expect((await pressed).answered).toBe(false);
    const err = await telegramError(
      bot.telegraf.telegram.answerCbQuery((update as Update.CallbackQueryUpdate).callback_query.id),
    );
    expect([err.code, err.description]).toEqual([400, TG.queryTooOld]);
  });

  it('the callback timeout is an option; a press with data no button carries is refused', async () => {
    world = await createWorld({ callbackTimeoutMs: 50 });
    const bot = await world.bot('short_bot');
    const alice = await world.user('Alice');
    await world.sandbox.client.start(alice, bot.id);
    const msg = await bot.telegraf.telegram.sendMessage(alice, 'Join?', {
      reply_markup: { inline_keyboard: [[{ text: 'Join', callback_data: 'j:1' }]] },
    });
    await expect(
      world.sandbox.client.press(alice, {
        chat_id: bot.id,
        message_id: msg.message_id,
        callback_data: 'nope',
      }),
    ).rejects.toThrow(/no button with callback_data/);
    const result = await world.sandbox.client.press(alice, {
      chat_id: bot.id,
      message_id: msg.message_id,
      callback_data: 'j:1',
    });
    expect(result.answered).toBe(false);
    const err = await telegramError(bot.telegraf.telegram.answerCbQuery(result.query_id));
    expect(err.description).toBe(TG.queryTooOld);
  });
});
