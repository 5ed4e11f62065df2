/**
 * F14 end to end: titles, descriptions, prize names, chat titles and people's names full of markup
 * (`<b>x`, `a_b_c`, `*`, `&amp;`, `[x](y)`) appear literally in the post, its count edits, the "finished"
 * edit, the winners announcement, the DMs and the callback answers. The sandbox checks entities as
 * Telegram does, so a missed escape would be a 400 `can't parse entities` and a failed outbox row.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { drawNow, listWinners } from '../../../src/lottery/index.ts';
import { waitUntil } from '../../helpers/wait.ts';
import { type BotWorld, createBotWorld } from '../world.ts';
import { botTexts, startBot } from './helpers.ts';

let world: BotWorld;
beforeAll(async () => {
  world = await createBotWorld({ botSettings: { sendsPerSecond: 200, sendsPerChatPerMinute: 600 } });
  await world.sandbox.client.setLimits({ botMessagesPerSecond: 0, chatMessagesPerMinute: 0 });
}, 60_000);
afterAll(async () => {
  await world?.close();
});

const TITLE = '<b>x & a_b_c *bold* [x](y)';
const DESCRIPTION = 'Details: &amp; <i>not italic</i> __under__ `code` ~strike~';
const PRIZES = ['AirPods <Pro>', '*', '[x](y) &amp;'];
const CHAT = 'Deals_<b>&amp;</b>';

describe('F14: user-supplied text with markup', () => {
  it('appears literally in the post, the announcement, the DMs and the answers', async () => {
    const { sandbox, sql } = world;
    expect((await sandbox.client.getLimits()).limits.checkEntities).toBe(true);
    const channel = await world.adminChat('channel', CHAT);
    const names = [
      { first_name: '<b>x', last_name: '[x](y)' },
      { first_name: 'a_b_c', last_name: '&amp;' },
      { first_name: '*', last_name: '</a>' },
    ];
    const people = await world.users(3, (i) => names[i]!);
    const [outsider] = await world.users(1, () => ({ first_name: '<i>nope' }));
    for (const id of people) await sandbox.client.setMember(channel, { user_id: id, status: 'member' });
    await startBot(world, people);

    const { lottery, posts } = await world.publish({
      title: TITLE,
      description: DESCRIPTION,
      language: 'en',
      prizes: PRIZES.map((name) => ({ name, quantity: 1 })),
      joinConditions: [{ kind: 'member', chatId: channel }],
      drawTrigger: { kind: 'manual' },
      targets: [channel],
    });
    const postId = posts.get(channel)!;
    const post = async () =>
      (await sandbox.client.chatMessages(channel)).messages.find((m) => m.message_id === postId)!;
    const open = (await post()).text;
    expect(open).toContain(`🎁 ${TITLE}`);
    expect(open).toContain(DESCRIPTION);
    for (const name of PRIZES) expect(open).toContain(`• ${name} × 1`);
    expect(open).toContain(`be a member of ${CHAT}`);

    const press = (userId: number) =>
      sandbox.client.press(userId, {
        chat_id: channel,
        message_id: postId,
        callback_data: `j:${lottery.id}`,
      });
    for (const id of people) expect((await press(id)).text).toBe('✅ You have joined. Good luck!');
    expect((await press(outsider!)).text).toBe(`To join, first join ${CHAT}.`);
    // The count edit keeps the text literal too.
    await waitUntil(async () => (await post()).text.includes('Entries: 3'), 'the post to show 3 entries');
    expect((await post()).text).toContain(`🎁 ${TITLE}`);

    await drawNow(world.deps, world.tenantId, lottery.id);
    await world.outboxDrained();

    const finished = await post();
    expect(finished.text.startsWith('Finished')).toBe(true);
    expect(finished.text).toContain(`🎁 ${TITLE}`);
    expect(finished.text).toContain(DESCRIPTION);

    const announcement = (await sandbox.client.chatMessages(channel)).messages.find((m) =>
      m.text.startsWith('🎉 Winners of'),
    );
    expect(announcement?.text.split('\n')[0]).toBe(`🎉 Winners of ${TITLE}`);
    const winners = await listWinners(sql, lottery.id);
    expect(winners).toHaveLength(3);
    for (const w of winners) {
      const name = `${w.user.firstName} ${w.user.lastName}`;
      expect(names.map((n) => `${n.first_name} ${n.last_name}`)).toContain(name);
      expect(announcement!.text).toContain(`${name} — ${w.prize.name}`);
      // Linked to the profile: the link covers exactly the name as typed.
      const link = announcement!.entities.find(
        (e) => e.type === 'text_link' && e.url === `tg://user?id=${w.user.id}`,
      );
      expect(link, `link to ${w.user.id}`).toBeDefined();
      expect(announcement!.text.slice(link!.offset, link!.offset + link!.length)).toBe(name);

      expect(w.delivery.status).toBe('delivered');
      const dm = (await botTexts(world, w.user.id)).find((t) => t.includes('Congratulations'));
      expect(dm).toBe(
        `🎉 Congratulations! You won "${w.prize.name}" in ${TITLE}. The organiser will contact you about the prize.`,
      );
    }

    // Nothing was refused for its markup.
    const refused = await sql.query<{ error_description: string }>(
      `select error_description from outbox_messages where tenant_id = ? and status = 'failed'`,
      [world.tenantId],
    );
    expect(refused).toEqual([]);
  });
});
