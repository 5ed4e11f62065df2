/**
 * F7 end to end: winners who blocked the bot, never started it, or deleted their account cannot be
 * messaged. Each DM is its own attempt with its outcome stored per winner, the run goes on for everyone
 * else, and the winners are announced in the chat. The join answer of a user who never started the bot
 * carries the deep link; `/start join_<id>` joins (source deeplink) and answers in private.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drawNow, listWinners } from '../../../src/lottery/index.ts';
import { waitUntil } from '../../helpers/wait.ts';
import { type BotWorld, createBotWorld } from '../world.ts';
import { botTexts, entriesOf, outboxRows, startBot } from './helpers.ts';

let world: BotWorld;
let group: number;
beforeAll(async () => {
  world = await createBotWorld({ botSettings: { sendsPerSecond: 200, sendsPerChatPerMinute: 600 } });
  await world.sandbox.client.setLimits({ botMessagesPerSecond: 0, chatMessagesPerMinute: 0 });
  group = await world.adminChat('supergroup', 'Winners club');
}, 60_000);
afterAll(async () => {
  await world?.close();
});

const JOINED = '✅ You have joined. Good luck!';
const JOINED_START_BOT = '✅ You have joined. Start the bot so we can message you if you win.';

describe('F7: winners the bot cannot message', () => {
  it('stores blocked / never-started / deactivated per winner and delivers every other DM', async () => {
    const { sandbox, bot, sql } = world;
    const delivered = await world.users(3);
    const blocked = await world.users(2);
    const neverStarted = await world.users(2);
    const deactivated = await world.users(2);
    const everyone = [...delivered, ...blocked, ...neverStarted, ...deactivated];
    await startBot(world, [...delivered, ...blocked, ...deactivated]);
    for (const id of blocked) await sandbox.client.blockBot(id, bot.id);
    await waitUntil(
      async () =>
        (
          await sql.query(
            'select 1 from bot_users where tenant_id = ? and blocked_at is not null and tg_user_id in (?, ?)',
            [world.tenantId, blocked[0], blocked[1]],
          )
        ).length === 2,
      'the bot to see the blocks',
    );

    const { lottery, posts } = await world.publish({
      title: 'Everyone wins',
      language: 'en',
      prizes: [{ name: 'Mug', quantity: everyone.length }],
      drawTrigger: { kind: 'manual' },
      targets: [group],
    });
    for (const id of everyone) {
      const answer = await sandbox.client.press(id, {
        chat_id: group,
        message_id: posts.get(group)!,
        callback_data: `j:${lottery.id}`,
      });
      expect(answer.answered).toBe(true);
      expect(answer.text).toBe(
        delivered.includes(id) || deactivated.includes(id) ? JOINED : JOINED_START_BOT,
      );
    }
    for (const id of deactivated) await sandbox.client.deactivateUser(id);

    await drawNow(world.deps, world.tenantId, lottery.id);
    await world.outboxDrained();

    const winners = await listWinners(sql, lottery.id);
    expect(winners.map((w) => w.user.id).sort()).toEqual([...everyone].sort());
    const statusOf = (id: number) => winners.find((w) => w.user.id === id)!.delivery;
    for (const id of delivered) {
      expect(statusOf(id).status, `winner ${id}`).toBe('delivered');
      expect(statusOf(id).deliveredAt).not.toBeNull();
      expect((await botTexts(world, id)).filter((t) => t.includes('Congratulations'))).toHaveLength(1);
    }
    for (const [ids, status, error] of [
      [blocked, 'blocked', '403 Forbidden: bot was blocked by the user'],
      [neverStarted, 'never-started', "403 Forbidden: bot can't initiate conversation with a user"],
      [deactivated, 'deactivated', '403 Forbidden: user is deactivated'],
    ] as const) {
      for (const id of ids) {
        expect(statusOf(id), `winner ${id}`).toMatchObject({ status, error, deliveredAt: null });
      }
    }

    // One DM row per winner, each tried once: sent for the reachable, failed (not retried) for the others.
    const dms = await outboxRows(world, 'dm:');
    expect(dms).toHaveLength(everyone.length);
    expect(dms.filter((r) => r.status === 'sent')).toHaveLength(delivered.length);
    expect(dms.filter((r) => r.status === 'failed' && r.error_code === 403)).toHaveLength(6);
    expect(dms.every((r) => r.attempts === 1)).toBe(true);

    // The winners are announced in the chat too, every one of them.
    const view = await sandbox.client.chatMessages(group);
    const announcement = view.messages.find((m) => m.text.startsWith('🎉 Winners of Everyone wins'));
    expect(announcement).toBeDefined();
    const lines = announcement!.text.split('\n').filter((l) => l.includes('— Mug'));
    expect(lines).toHaveLength(everyone.length);
    expect(world.harness.pids(world.tenantId)).toHaveLength(1);
  }, 60_000);

  it('offers the deep link to a user who never started the bot; /start join_<id> joins in private', async () => {
    const { sandbox, bot } = world;
    const [presser, linker] = await world.users(2);
    const { lottery, posts } = await world.publish({
      title: 'Deep <link> giveaway',
      language: 'en',
      prizes: [{ name: 'Cap', quantity: 1 }],
      drawTrigger: { kind: 'manual' },
      targets: [group],
    });
    const deepLink = `https://t.me/${bot.username}?start=join_${lottery.id}`;
    // The post itself carries the same link next to the Join button.
    const post = (await sandbox.client.chatMessages(group)).messages.find(
      (m) => m.message_id === posts.get(group),
    );
    expect(JSON.stringify(post!.reply_markup)).toContain(deepLink);

    const answer = await sandbox.client.press(presser!, {
      chat_id: group,
      message_id: posts.get(group)!,
      callback_data: `j:${lottery.id}`,
    });
    expect(answer).toMatchObject({ answered: true, text: JOINED_START_BOT, url: deepLink });
    expect(await entriesOf(world, lottery.id, presser!)).toEqual([{ source: 'button', started_bot: false }]);

    // A user who follows the link: /start join_<id> joins them and answers in private.
    await sandbox.client.start(linker!, bot.id, `join_${lottery.id}`);
    const joined = `✅ You have joined "Deep <link> giveaway". If you win, the message arrives here.`;
    await waitUntil(async () => (await botTexts(world, linker!)).includes(joined), 'the private join reply');
    expect(await entriesOf(world, lottery.id, linker!)).toEqual([{ source: 'deeplink', started_bot: true }]);
    const [started] = await world.sql.query<{ started_at: unknown }>(
      'select started_at from bot_users where tenant_id = ? and tg_user_id = ?',
      [world.tenantId, linker],
    );
    expect(started?.started_at).not.toBeNull();

    // The presser opens the link afterwards: already joined, and now reachable.
    await sandbox.client.start(presser!, bot.id, `join_${lottery.id}`);
    const already = `You had already joined "Deep <link> giveaway". If you win, the message arrives here.`;
    await waitUntil(async () => (await botTexts(world, presser!)).includes(already), 'the "already" reply');
    expect(await entriesOf(world, lottery.id, presser!)).toEqual([{ source: 'button', started_bot: true }]);
  });
});
