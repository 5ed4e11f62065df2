/**
 * The database down or frozen while users press Join (issue: presses got no answer at all, or answers
 * came up to 15 s late). A real bot process reaches PostgreSQL through a TCP proxy the test cuts (the
 * server stopped) or freezes (connected, silent). Every press must be answered — "joined" only with the
 * entry's row, otherwise "could not record / confirm, press again" — and a second press once the
 * database is back is idempotent: "joined" or "already joined", one entry either way.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANSWER_BUDGET_MS } from '../../../src/bot/handlers.ts';
import { texts } from '../../../src/lottery/texts.ts';
import { waitUntil } from '../../helpers/wait.ts';
import { type BotWorld, createBotWorld } from '../world.ts';
import { entriesOf, startBot } from './helpers.ts';

const en = texts('en');
const PRESS_AGAIN = [en.joinFailed, en.joinUnconfirmed];

let world: BotWorld;
let group: number;
beforeAll(async () => {
  world = await createBotWorld({
    databaseProxy: true,
    botSettings: { sendsPerSecond: 200, sendsPerChatPerMinute: 600 },
  });
  await world.sandbox.client.setLimits({ botMessagesPerSecond: 0, chatMessagesPerMinute: 0 });
  group = await world.adminChat('supergroup', 'Database faults');
}, 60_000);
afterAll(async () => {
  await world?.close();
});

async function giveaway(title: string) {
  const { lottery, posts } = await world.publish({
    title,
    language: 'en',
    prizes: [{ name: 'Prize', quantity: 1 }],
    joinConditions: [],
    drawTrigger: { kind: 'manual' },
    targets: [group],
  });
  const messageId = posts.get(group)!;
  const press = async (userId: number) => {
    const t0 = Date.now();
    const answer = await world.sandbox.client.press(userId, {
      chat_id: group,
      message_id: messageId,
      callback_data: `j:${lottery.id}`,
    });
    return { ...answer, ms: Date.now() - t0 };
  };
  return { lottery, press };
}

type Answer = Awaited<ReturnType<Awaited<ReturnType<typeof giveaway>>['press']>>;

/** Every press answered, in time, and never "joined" without the entry's row. */
async function expectHonest(lotteryId: number, users: number[], answers: Answer[]): Promise<void> {
  for (const [i, answer] of answers.entries()) {
    const user = users[i]!;
    expect(answer.answered, `user ${user} got an answer`).toBe(true);
    // The same margin as the F10 tests give the 2.5 s promise for the answer's own round trip.
    expect(answer.ms, `user ${user} answered in time`).toBeLessThan(ANSWER_BUDGET_MS + 1000);
    if (answer.text === en.joined) {
      expect(await entriesOf(world, lotteryId, user), `user ${user} said joined`).toHaveLength(1);
    } else {
      expect(PRESS_AGAIN, `user ${user}: ${answer.text}`).toContain(answer.text);
    }
  }
}

/** Once the database is back: a second press joins or finds the entry, and there is exactly one. */
async function expectSecondPressJoins(
  press: (u: number) => Promise<Answer>,
  lotteryId: number,
  users: number[],
): Promise<void> {
  for (const user of users) {
    const again = await waitUntil(async () => {
      const a = await press(user);
      return a.text === en.joined || a.text === en.already ? a : null;
    }, `user ${user} to be joined once the database is back`);
    expect([en.joined, en.already]).toContain(again.text);
    expect(await entriesOf(world, lotteryId, user)).toHaveLength(1);
  }
}

describe('database stopped and frozen during presses', () => {
  it('database stopped: every press answered within 2.5 s and no false "joined"', async () => {
    const users = await world.users(4);
    await startBot(world, users);
    const { lottery, press } = await giveaway('Server stopped');
    const pids = world.harness.pids(world.tenantId).length;
    world.dbProxy!.cut();
    let answers: Answer[];
    try {
      answers = await Promise.all(users.map((u) => press(u)));
    } finally {
      world.dbProxy!.restore();
    }
    await expectHonest(lottery.id, users, answers);
    // Nothing could be written while the server was away.
    expect(answers.filter((a) => a.text === en.joined)).toEqual([]);
    await expectSecondPressJoins(press, lottery.id, users);
    // The bot rode it out: still the same process, still running.
    expect(world.harness.pids(world.tenantId)).toHaveLength(pids);
    expect(world.harness.status(world.tenantId)?.state).toBe('running');
  }, 60_000);

  it('database frozen: every press answered within 2.5 s and no false "joined"', async () => {
    const users = await world.users(4);
    await startBot(world, users);
    const { lottery, press } = await giveaway('Server frozen');
    const pids = world.harness.pids(world.tenantId).length;
    world.dbProxy!.freeze();
    let answers: Answer[];
    try {
      answers = await Promise.all(users.map((u) => press(u)));
      // A second wave while still frozen: no press waits behind the first ones.
      const more = await Promise.all(users.map((u) => press(u)));
      await expectHonest(lottery.id, users, more);
    } finally {
      world.dbProxy!.restore();
    }
    await expectHonest(lottery.id, users, answers);
    // Statements held by the freeze may commit once it thaws: a second press then says "already".
    await expectSecondPressJoins(press, lottery.id, users);
    expect(world.harness.pids(world.tenantId)).toHaveLength(pids);
    expect(world.harness.status(world.tenantId)?.state).toBe('running');
  }, 60_000);
});
