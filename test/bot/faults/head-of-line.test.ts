/**
 * F8 without head-of-line blocking (issue: after three 429s and twenty 500s on sendMessage, 60 winner
 * messages and the announcement went out six minutes late). A send that must wait holds back only the
 * later sends into its own chat; sends into other chats go on, and the waiting chat still gets its
 * messages once each, in order, when Telegram takes them again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../../helpers/wait.ts';
import { type BotWorld, createBotWorld } from '../world.ts';
import { botTexts, outboxRows, queueDm, startBot } from './helpers.ts';

let world: BotWorld;
let users: number[];
beforeAll(async () => {
  world = await createBotWorld({ botSettings: { sendsPerSecond: 200, sendsPerChatPerMinute: 600 } });
  await world.sandbox.client.setLimits({ botMessagesPerSecond: 0, chatMessagesPerMinute: 0 });
  users = await world.users(3);
  await startBot(world, users);
  await world.outboxDrained();
}, 60_000);
afterAll(async () => {
  await world?.close();
});

describe('F8: one waiting chat, the others go on', () => {
  it("a blocked chat's retries do not hold back sends to other chats", async () => {
    const [blocked, ...others] = users as [number, number, number];
    const { client } = world.sandbox;
    // Telegram refuses every send into one chat: first a flood wait, then 500s for as long as the test says.
    await client.addFault({
      token: world.bot.token,
      method: 'sendMessage',
      chat_id: blocked,
      error_code: 429,
      parameters: { retry_after: 1 },
    });
    await client.addFault({
      token: world.bot.token,
      method: 'sendMessage',
      chat_id: blocked,
      error_code: 500,
      times: 1_000_000,
    });
    const texts = Array.from({ length: 12 }, (_, i) => `hol ${String(i).padStart(2, '0')}`);
    const userOf = (i: number) => users[i % users.length]!;
    for (const [i, text] of texts.entries()) await queueDm(world, userOf(i), text, `hol:${i}`);
    const expected = (userId: number) => texts.filter((_, i) => userOf(i) === userId);

    // Every message into the other chats arrives while the blocked chat is still refused.
    for (const userId of others) {
      await waitUntil(
        async () =>
          JSON.stringify((await botTexts(world, userId)).filter((t) => t.startsWith('hol '))) ===
          JSON.stringify(expected(userId)),
        `the messages of user ${userId}`,
      );
    }
    const waiting = (await outboxRows(world, 'hol:')).filter(
      (r) => userOf(Number(r.dedupe_key!.slice('hol:'.length))) === blocked,
    );
    expect(waiting.length).toBe(expected(blocked).length);
    expect(waiting.every((r) => r.status === 'pending' || r.status === 'sending')).toBe(true);
    expect(waiting.some((r) => r.error_code === 429 || r.error_code === 500)).toBe(true);
    expect((await botTexts(world, blocked)).filter((t) => t.startsWith('hol '))).toEqual([]);

    // Telegram takes them again: the blocked chat gets its messages once each, in order.
    await client.clearFaults();
    await world.outboxDrained();
    const rows = await outboxRows(world, 'hol:');
    expect(rows.map((r) => r.status)).toEqual(rows.map(() => 'sent'));
    expect((await botTexts(world, blocked)).filter((t) => t.startsWith('hol '))).toEqual(expected(blocked));
    for (const userId of others) {
      expect((await botTexts(world, userId)).filter((t) => t.startsWith('hol '))).toEqual(expected(userId));
    }
  }, 60_000);
});
