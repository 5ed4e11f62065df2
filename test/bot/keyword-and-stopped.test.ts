/**
 * Two ways a giveaway goes on without the Join button: joining by sending the lottery's keyword in one
 * of its target groups (the bot is an administrator there, so it sees every message even in privacy
 * mode), and a draw made while the tenant's bot is stopped, whose announcements wait in the outbox and go
 * out once the bot runs again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drawNow, listWinners } from '../../src/lottery/index.ts';
import { setEnabled } from '../helpers/supervisor.ts';
import { waitUntil } from '../helpers/wait.ts';
import { type BotWorld, createBotWorld } from './world.ts';

// Each part has a bot world of its own: the draw stops the bot, which the keyword join needs running.
let world: BotWorld;
const ownWorld = (options: Parameters<typeof createBotWorld>[0] = {}) => {
  beforeAll(async () => {
    world = await createBotWorld(options);
  }, 60_000);
  afterAll(async () => {
    await world?.close();
  });
};

describe('joining by keyword', () => {
  ownWorld();

  it('a message equal to the keyword in a target group joins; other text and other groups do not', async () => {
    const { sandbox, sql } = world;
    const group = await world.adminChat('supergroup', 'Keyword group');
    const other = await world.adminChat('supergroup', 'Other group');
    const [alice, bob, carol] = await world.users(3);
    for (const id of [alice!, bob!, carol!]) {
      await sandbox.client.setMember(group, { user_id: id, status: 'member' });
      await sandbox.client.setMember(other, { user_id: id, status: 'member' });
    }
    const { lottery } = await world.publish({
      title: 'Keyword giveaway',
      prizes: [{ name: 'Prize', quantity: 1 }],
      drawTrigger: { kind: 'manual' },
      targets: [group],
      joinKeyword: '抽奖',
    });
    await sandbox.client.send(alice!, group, '抽奖');
    await sandbox.client.send(bob!, group, '抽奖 please');
    await sandbox.client.send(carol!, other, '抽奖');
    // Telegraf asks for the next updates only once every handler of a batch has finished, so when the
    // sandbox holds no unconfirmed update for the bot, all three messages have been handled.
    await waitUntil(async () => {
      const view = await sandbox.client.overview();
      return view.bots.find((b) => b.id === world.bot.id)?.pending_updates === 0;
    }, 'the bot to handle the three messages');
    const entries = await sql.query<{ tg_user_id: string; source: string }>(
      'select tg_user_id, source from entries where lottery_id = ?',
      [lottery.id],
    );
    expect(entries.map((e) => [Number(e.tg_user_id), e.source])).toEqual([[alice, 'keyword']]);
  });
});

describe('a draw while the bot is stopped', () => {
  // The post's entry count is not edited during the test (the count updater first runs 10 minutes after
  // the bot starts), so once the outbox is drained nothing but the draw's messages can be queued.
  ownWorld({ botSettings: { countEditIntervalMs: 600_000 } });

  it('is made at once; its announcements wait in the outbox and go out when the bot runs again', async () => {
    const { sandbox, sql, bot, tenantId, harness } = world;
    const channel = await world.adminChat('channel', 'Stopped-bot channel');
    const users = await world.users(5);
    for (const id of users) await sandbox.client.start(id, bot.id);
    const { lottery, posts } = await world.publish({
      title: 'Drawn while stopped',
      prizes: [{ name: 'Prize', quantity: 2 }],
      drawTrigger: { kind: 'manual' },
      targets: [channel],
    });
    for (const id of users) {
      await sandbox.client.press(id, {
        chat_id: channel,
        message_id: posts.get(channel)!,
        callback_data: `j:${lottery.id}`,
      });
    }
    await world.outboxDrained();
    await setEnabled(world.db, tenantId, false);
    await harness.waitFor(tenantId, (s) => s.pid === null && s.state !== 'running', 'stopped');

    const { proof } = await drawNow(world.deps, tenantId, lottery.id);
    expect(proof.winners).toHaveLength(2);
    const waiting = await sql.query<{ kind: string }>(
      `select kind from outbox_messages where lottery_id = ? and status = 'pending' order by id`,
      [lottery.id],
    );
    expect(waiting.map((r) => r.kind).sort()).toEqual(['announce', 'post-edit', 'winner-dm', 'winner-dm']);

    await setEnabled(world.db, tenantId, true);
    await harness.waitFor(tenantId, (s) => s.state === 'running', 'running again');
    await world.outboxDrained();
    const winners = await listWinners(sql, lottery.id);
    expect(winners.map((w) => w.delivery.status)).toEqual(['delivered', 'delivered']);
    const view = await sandbox.client.chatMessages(channel);
    expect(view.messages.some((m) => m.text.startsWith('🎉'))).toBe(true);
  }, 60_000);
});
