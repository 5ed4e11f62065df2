/**
 * F8 end to end: the sandbox allows 5 sends a second while the bot's own pacing would send 1000 (and one
 * a second into each private chat, Telegram's rule: so eight users, eight sends a second), so the bot hits 429 `Too Many Requests: retry after N`. Every private message must still arrive exactly once
 * and in order, even when new sends are queued (and wake the worker) during the flood wait. A 5xx answer
 * or a lost connection on sendMessage is retried until it is sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../../helpers/wait.ts';
import { type BotWorld, createBotWorld } from '../world.ts';
import { botTexts, outboxRows, queueDm, startBot } from './helpers.ts';

let world: BotWorld;
let users: number[];
beforeAll(async () => {
  world = await createBotWorld({ botSettings: { sendsPerSecond: 1000, sendsPerChatPerMinute: 10_000 } });
  users = await world.users(8);
  await startBot(world, users);
  await world.outboxDrained();
  await world.sandbox.client.setLimits({ botMessagesPerSecond: 5, chatMessagesPerMinute: 0 });
}, 60_000);
afterAll(async () => {
  await world?.close();
});

describe('F8: flood limits and failed sends', () => {
  it('delivers every DM exactly once and in order through 429s', async () => {
    const texts = Array.from({ length: 20 }, (_, i) => `flood ${String(i).padStart(2, '0')}`);
    const userOf = (i: number) => users[i % users.length]!;
    for (let i = 0; i < 10; i++) await queueDm(world, userOf(i), texts[i]!, `flood:${i}`);
    // Telegram told the bot to wait: a row is back to pending with the 429 as its last error.
    await waitUntil(
      async () =>
        (await outboxRows(world, 'flood:')).some((r) => r.status === 'pending' && r.error_code === 429),
      'the bot to hit a 429',
    );
    // More sends arrive during the wait; each insert wakes the worker (NOTIFY → supervisor → bot).
    for (let i = 10; i < 20; i++) await queueDm(world, userOf(i), texts[i]!, `flood:${i}`);
    await world.outboxDrained();

    const rows = await outboxRows(world, 'flood:');
    expect(rows).toHaveLength(20);
    expect(rows.map((r) => r.status)).toEqual(rows.map(() => 'sent'));
    expect(rows.some((r) => r.attempts > 1)).toBe(true);
    // Each user got their messages once each, in the order they were queued (the worker may send into
    // different chats at once, so the order kept is each chat's).
    for (const [u, userId] of users.entries()) {
      const expected = texts.filter((_, i) => i % users.length === u);
      const got = (await botTexts(world, userId)).filter((t) => t.startsWith('flood '));
      expect(got, `messages of user ${userId}`).toEqual(expected);
    }
    expect(world.harness.pids(world.tenantId)).toHaveLength(1);
  }, 60_000);

  it.each([
    ['a 502 answer', { error_code: 502 }],
    ['a lost connection', { drop: true }],
  ] as const)('retries a send after %s until it is sent', async (what, fault) => {
    await world.outboxDrained();
    const userId = users[0]!;
    const key = `retry:${what}`;
    await world.sandbox.client.addFault({
      token: world.bot.token,
      method: 'sendMessage',
      times: 1,
      ...fault,
    });
    await queueDm(world, userId, `retried after ${what}`, key);
    const row = await waitUntil(async () => {
      const [r] = await outboxRows(world, key);
      return r?.status === 'sent' || r?.status === 'failed' ? r : null;
    }, `the message after ${what} to be sent`);
    expect(row.status).toBe('sent');
    expect(row.attempts).toBeGreaterThan(1);
    expect((await botTexts(world, userId)).filter((t) => t === `retried after ${what}`)).toHaveLength(1);
    expect((await world.sandbox.client.listFaults()).faults).toHaveLength(0);
  });
});
