/**
 * Callback queries end to end. F10: a press is answered fast even when the membership check is slow
 * (the outcome follows in private), a slow check does not hold up other users' presses, and an answer
 * that comes too late ("query is too old") is harmless. F16: callback_data is `j:<id>` within 64 bytes;
 * unknown or garbage data is answered and stores nothing. F17: a press on an inaccessible message joins
 * (the id comes from callback_data), a repeated press answers "already joined", and an edit that changes
 * nothing ("message is not modified") counts as sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANSWER_BUDGET_MS } from '../../../src/bot/handlers.ts';
import { enqueuePostEdits } from '../../../src/lottery/posts.ts';
import { waitUntil } from '../../helpers/wait.ts';
import { type BotWorld, createBotWorld } from '../world.ts';
import { botTexts, entriesOf, outboxRows, startBot } from './helpers.ts';

let world: BotWorld;
let group: number;
let channel: number;
beforeAll(async () => {
  world = await createBotWorld({ botSettings: { sendsPerSecond: 200, sendsPerChatPerMinute: 600 } });
  await world.sandbox.client.setLimits({ botMessagesPerSecond: 0, chatMessagesPerMinute: 0 });
  group = await world.adminChat('supergroup', 'Presses');
  channel = await world.adminChat('channel', 'Members');
}, 60_000);
afterAll(async () => {
  await world?.close();
});

const JOINED = '✅ You have joined. Good luck!';
const ALREADY = 'You have already joined this giveaway.';
const TRY_AGAIN = 'We could not check your membership right now. Please try again in a minute.';

async function giveaway(title: string, options: { memberOf?: number } = {}) {
  const { lottery, posts } = await world.publish({
    title,
    language: 'en',
    prizes: [{ name: 'Prize', quantity: 1 }],
    joinConditions: options.memberOf ? [{ kind: 'member', chatId: options.memberOf }] : [],
    drawTrigger: { kind: 'manual' },
    targets: [group],
  });
  const messageId = posts.get(group)!;
  const press = (userId: number, extra: { data?: string; inaccessible?: boolean } = {}) =>
    world.sandbox.client.press(userId, {
      chat_id: group,
      message_id: messageId,
      callback_data: extra.data ?? `j:${lottery.id}`,
      ...(extra.data ? { any_data: true } : {}),
      ...(extra.inaccessible ? { inaccessible: true } : {}),
    });
  return { lottery, messageId, press };
}

/** Members of the channel who started the bot. */
async function members(count: number): Promise<number[]> {
  const ids = await world.users(count);
  for (const id of ids) await world.sandbox.client.setMember(channel, { user_id: id, status: 'member' });
  await startBot(world, ids);
  return ids;
}

const timed = async <T>(run: () => Promise<T>): Promise<[T, number]> => {
  const t0 = Date.now();
  const value = await run();
  return [value, Date.now() - t0];
};

describe('F10: answering callbacks in time', () => {
  it('answers at once while a slow membership check goes on; the outcome follows in private', async () => {
    const [user] = await members(1);
    const { lottery, press } = await giveaway('Slow check', { memberOf: channel });
    await world.sandbox.client.addFault({ token: world.bot.token, method: 'getChatMember', hang_ms: 3500 });
    const [answer, ms] = await timed(() => press(user!));
    expect(answer).toMatchObject({ answered: true, text: '⏳ Checking your entry…' });
    expect(ms).toBeLessThan(3300);
    const reply = '✅ You have joined "Slow check". If you win, the message arrives here.';
    await waitUntil(async () => (await botTexts(world, user!)).includes(reply), 'the outcome in private');
    expect(await entriesOf(world, lottery.id, user!)).toHaveLength(1);
  });

  it("does not hold up other users' presses behind a check that never answers", async () => {
    const [slowUser, other] = await members(2);
    const pids = world.harness.pids(world.tenantId).length;
    const slow = await giveaway('Hanging check', { memberOf: channel });
    const quick = await giveaway('Quick for another');
    await world.sandbox.client.addFault({ token: world.bot.token, method: 'getChatMember', hang_ms: 8000 });
    const slowPress = slow.press(slowUser!);
    // The bot is inside the hanging check once it has called getChatMember (the fault is used up).
    await waitUntil(
      async () => (await world.sandbox.client.listFaults()).faults.length === 0,
      'the slow check',
    );
    const [answer, ms] = await timed(() => quick.press(other!));
    expect(answer).toMatchObject({ answered: true, text: JOINED });
    expect(ms).toBeLessThan(ANSWER_BUDGET_MS + 1000);
    expect((await slowPress).text).toBe('⏳ Checking your entry…');
    // The check gives up (F11: cannot verify): "try again" in private, nothing stored, the chat flagged.
    await waitUntil(
      async () => (await botTexts(world, slowUser!)).includes(TRY_AGAIN),
      'the outcome in private',
    );
    expect(await entriesOf(world, slow.lottery.id, slowUser!)).toEqual([]);
    // Polling never stalled long enough for the supervisor to replace the bot.
    expect(world.harness.pids(world.tenantId)).toHaveLength(pids);
  }, 30_000);

  it('survives answering after the query expired ("query is too old") and keeps polling', async () => {
    const [late, next] = await members(2);
    const pids = world.harness.pids(world.tenantId).length;
    const { lottery, press } = await giveaway('Too late', { memberOf: channel });
    await world.sandbox.client.setLimits({ callbackTimeoutMs: 300 });
    try {
      await world.sandbox.client.addFault({ token: world.bot.token, method: 'getChatMember', hang_ms: 1000 });
      // The press gives up after 300 ms; the bot answers after its 1 s check and gets the 400.
      expect(await press(late!)).toMatchObject({ answered: false, text: null });
      await waitUntil(async () => (await entriesOf(world, lottery.id, late!)).length === 1, 'the late join');
    } finally {
      await world.sandbox.client.setLimits({ callbackTimeoutMs: 15_000 });
    }
    expect(await press(next!)).toMatchObject({ answered: true, text: JOINED });
    expect(world.harness.status(world.tenantId)?.state).toBe('running');
    expect(world.harness.pids(world.tenantId)).toHaveLength(pids);
  });
});

describe('F16: callback data', () => {
  it('is j:<id> within 64 bytes on the post', async () => {
    const { lottery, messageId } = await giveaway('Button data');
    const post = (await world.sandbox.client.chatMessages(group)).messages.find(
      (m) => m.message_id === messageId,
    );
    const buttons = (post!.reply_markup as { inline_keyboard: { callback_data?: string }[][] })
      .inline_keyboard;
    const data = buttons.flat().flatMap((b) => (b.callback_data ? [b.callback_data] : []));
    expect(data).toEqual([`j:${lottery.id}`]);
    expect(Buffer.byteLength(data[0]!, 'utf8')).toBeLessThanOrEqual(64);
  });

  it('answers unknown or garbage data without storing anything, and keeps polling', async () => {
    const [user] = await world.users(1);
    const { lottery, press } = await giveaway('Garbage in');
    for (const data of ['x', 'j:abc', 'j:', 'j:-1', 'j:1:2', 'J:1', 'j:99999999999', '🎁'.repeat(16)]) {
      expect(await press(user!, { data }), data).toMatchObject({ answered: true, text: null });
    }
    expect(await press(user!, { data: 'j:999999' })).toMatchObject({
      answered: true,
      text: 'This giveaway does not exist (any more).',
    });
    const stored = await world.sql.query('select 1 from entries where tg_user_id = ?', [user]);
    expect(stored).toEqual([]);
    expect(await botTexts(world, user!)).toEqual([]);
    // The bot still polls and joins the next real press.
    expect((await press(user!)).text).toContain('You have joined');
    expect(await entriesOf(world, lottery.id, user!)).toHaveLength(1);
  });
});

describe('F17: odd callbacks and edits', () => {
  it('joins from an inaccessible message and answers a repeated press "already joined"', async () => {
    const [user] = await members(1);
    const { lottery, press } = await giveaway('Inaccessible');
    expect(await press(user!, { inaccessible: true })).toMatchObject({ answered: true, text: JOINED });
    expect(await entriesOf(world, lottery.id, user!)).toEqual([{ source: 'button', started_bot: true }]);
    expect(await press(user!, { inaccessible: true })).toMatchObject({ answered: true, text: ALREADY });
    expect(await press(user!)).toMatchObject({ answered: true, text: ALREADY });
    expect(await entriesOf(world, lottery.id, user!)).toHaveLength(1);
  });

  it('takes the lottery from callback_data, not from the message', async () => {
    const [user] = await members(1);
    const first = await giveaway('Message of the first');
    const second = await giveaway('Named by the data');
    const answer = await first.press(user!, { data: `j:${second.lottery.id}`, inaccessible: true });
    expect(answer.text).toBe(JOINED);
    expect(await entriesOf(world, second.lottery.id, user!)).toHaveLength(1);
    expect(await entriesOf(world, first.lottery.id, user!)).toEqual([]);
  });

  it('counts an edit that changes nothing ("message is not modified") as sent', async () => {
    const { lottery, messageId } = await giveaway('Unchanged');
    await enqueuePostEdits(world.sql, lottery, 'open', 'same-1');
    await enqueuePostEdits(world.sql, lottery, 'open', 'same-2');
    await world.outboxDrained();
    const [post] = await world.sql.query<{ id: string }>(
      'select id from lottery_posts where lottery_id = ?',
      [lottery.id],
    );
    const rows = await outboxRows(world, `edit:${post!.id}:same-`);
    expect(rows.map((r) => [r.status, r.result])).toEqual([
      ['sent', { not_modified: true }],
      ['sent', { not_modified: true }],
    ]);
    const message = (await world.sandbox.client.chatMessages(group)).messages.find(
      (m) => m.message_id === messageId,
    );
    expect(message!.edit_date).toBeNull();
    expect(message!.text).toContain('🎁 Unchanged');
  });
});
