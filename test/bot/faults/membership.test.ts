/**
 * F11 end to end: a membership condition has three outcomes, never two. A member joins; a user who left,
 * was kicked, or is restricted without being a member is refused with "first join <chat>"; a check that
 * cannot be made (the bot is no longer an admin of the channel, or getChatMember fails) refuses with
 * "try again", stores nothing, and flags the chat for the organiser.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../../helpers/wait.ts';
import { type BotWorld, createBotWorld } from '../world.ts';
import { entriesOf } from './helpers.ts';

let world: BotWorld;
let target: number;
beforeAll(async () => {
  world = await createBotWorld({ botSettings: { sendsPerSecond: 200, sendsPerChatPerMinute: 600 } });
  await world.sandbox.client.setLimits({ botMessagesPerSecond: 0, chatMessagesPerMinute: 0 });
  target = await world.adminChat('supergroup', 'Giveaways');
}, 60_000);
afterAll(async () => {
  await world?.close();
});

const TRY_AGAIN = 'We could not check your membership right now. Please try again in a minute.';

/** Publishes a lottery whose condition is membership of `chatId`; returns a press function. */
async function lotteryNeeding(chatId: number, title: string) {
  const { lottery, posts } = await world.publish({
    title,
    language: 'en',
    prizes: [{ name: 'Prize', quantity: 1 }],
    joinConditions: [{ kind: 'member', chatId }],
    drawTrigger: { kind: 'manual' },
    targets: [target],
  });
  const press = (userId: number) =>
    world.sandbox.client.press(userId, {
      chat_id: target,
      message_id: posts.get(target)!,
      callback_data: `j:${lottery.id}`,
    });
  return { lottery, press };
}

async function chatFlag(chatId: number) {
  const [row] = await world.sql.query<{ check_failed_at: unknown; check_error: string | null }>(
    'select check_failed_at, check_error from chats where tenant_id = ? and chat_id = ?',
    [world.tenantId, chatId],
  );
  return row!;
}

describe('F11: membership conditions', () => {
  it('admits members and refuses left, kicked and restricted non-members', async () => {
    const { sandbox } = world;
    const channel = await world.adminChat('channel', 'VIP <Club>');
    const group = await world.adminChat('supergroup', 'Chat_room');
    const [member, left, kicked, never, restrictedIn, restrictedOut] = await world.users(6);
    await sandbox.client.setMember(channel, { user_id: member!, status: 'member' });
    await sandbox.client.setMember(channel, { user_id: left!, status: 'member' });
    await sandbox.client.setMember(channel, { user_id: left!, status: 'left' });
    await sandbox.client.setMember(channel, { user_id: kicked!, status: 'kicked' });
    for (const id of [restrictedIn!, restrictedOut!]) {
      await sandbox.client.setMember(group, { user_id: id, status: 'member' });
    }
    await sandbox.client.setMember(group, { user_id: restrictedIn!, status: 'restricted', is_member: true });
    await sandbox.client.setMember(group, {
      user_id: restrictedOut!,
      status: 'restricted',
      is_member: false,
    });

    const inChannel = await lotteryNeeding(channel, 'Channel members only');
    const joined = await inChannel.press(member!);
    expect(joined.text).toContain('You have joined');
    expect(await entriesOf(world, inChannel.lottery.id, member!)).toHaveLength(1);
    for (const id of [left!, kicked!, never!]) {
      const refused = await inChannel.press(id);
      expect(refused, `user ${id}`).toMatchObject({
        answered: true,
        text: 'To join, first join VIP <Club>.',
        show_alert: true,
      });
      expect(await entriesOf(world, inChannel.lottery.id, id)).toEqual([]);
    }

    const inGroup = await lotteryNeeding(group, 'Group members only');
    expect((await inGroup.press(restrictedIn!)).text).toContain('You have joined');
    expect((await inGroup.press(restrictedOut!)).text).toBe('To join, first join Chat_room.');
    expect(await entriesOf(world, inGroup.lottery.id, restrictedOut!)).toEqual([]);

    // A refusal is not a check failure: nothing is flagged.
    expect((await chatFlag(channel)).check_failed_at).toBeNull();
    expect((await chatFlag(group)).check_failed_at).toBeNull();
  });

  it('says "try again" and flags the chat when the bot is no longer an admin of the channel', async () => {
    const { sandbox, bot, sql } = world;
    const channel = await world.adminChat('channel', 'Lost channel');
    const [user] = await world.users(1);
    await sandbox.client.setMember(channel, { user_id: user!, status: 'member' });
    const { lottery, press } = await lotteryNeeding(channel, 'Admin lost');

    await sandbox.client.setMember(channel, { user_id: bot.id, status: 'left' });
    await waitUntil(
      async () =>
        (
          await sql.query(`select 1 from chats where tenant_id = ? and chat_id = ? and bot_status = 'left'`, [
            world.tenantId,
            channel,
          ])
        ).length > 0,
      'the bot to see it left the channel',
    );
    expect(await press(user!)).toMatchObject({ answered: true, text: TRY_AGAIN, show_alert: true });
    expect(await entriesOf(world, lottery.id, user!)).toEqual([]);
    const flag = await chatFlag(channel);
    expect(flag.check_failed_at).not.toBeNull();
    expect(flag.check_error).toBe('a membership check could not be made');

    // Made an admin again, the bot can check: the same press joins, and the flag is cleared.
    await sandbox.client.setMember(channel, { user_id: bot.id, status: 'administrator' });
    await waitUntil(async () => (await chatFlag(channel)).check_failed_at === null, 'the flag to clear');
    expect((await press(user!)).text).toContain('You have joined');
    expect(await entriesOf(world, lottery.id, user!)).toHaveLength(1);
  });

  it.each([
    ['chat not found', { error_code: 400, description: 'Bad Request: chat not found' }],
    ['a 5xx answer', { error_code: 502 }],
    ['a lost connection', { drop: true }],
  ] as const)('says "try again" when getChatMember fails with %s', async (what, fault) => {
    const channel = await world.adminChat('channel', `Flaky ${what}`);
    const [user] = await world.users(1);
    await world.sandbox.client.setMember(channel, { user_id: user!, status: 'member' });
    const { lottery, press } = await lotteryNeeding(channel, `Flaky ${what}`);
    await world.sandbox.client.addFault({
      token: world.bot.token,
      method: 'getChatMember',
      times: 1,
      ...fault,
    });

    expect((await press(user!)).text).toBe(TRY_AGAIN);
    expect(await entriesOf(world, lottery.id, user!)).toEqual([]);
    expect((await chatFlag(channel)).check_failed_at).not.toBeNull();
    // The next press, with Telegram answering again, joins.
    expect((await press(user!)).text).toContain('You have joined');
  });
});
