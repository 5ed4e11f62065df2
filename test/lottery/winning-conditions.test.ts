/**
 * A join condition is a condition for winning: at the draw each winner's membership is checked again, a
 * winner who left is replaced through a recorded reroll (so the proof still verifies), and a check that
 * cannot be made keeps the winner.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyProof } from '../../src/lottery/fairness/index.ts';
import { drawNow, listWinners, loadProof, type Membership } from '../../src/lottery/index.ts';
import { makeLottery, makeOrganiser, person } from '../helpers/factories/index.ts';
import { createLotteryWorld, type LotteryWorld } from './helpers.ts';

let world: LotteryWorld;
beforeAll(async () => {
  world = await createLotteryWorld();
});
afterAll(async () => {
  await world?.close();
});

async function drawnWith(membership: (userId: number) => Membership) {
  const { tenantId } = await makeOrganiser(world.sql, { chats: [{ chatId: -9100, title: 'VIP' }] });
  const deps = { sql: world.sql, seedCipher: world.seedCipher };
  const lottery = await makeLottery(world.sql, {
    tenantId,
    status: 'open',
    title: 'Members only',
    prizes: [{ name: 'Prize', quantity: 3 }],
    joinConditions: [{ kind: 'member', chatId: -9100 }],
    targets: [-9100],
    entrants: Array.from({ length: 20 }, (_, i) => person(i + 1)),
  });
  const checked: number[] = [];
  const outcome = await drawNow(
    {
      ...deps,
      membershipFor: async () => async (_chatId, userId) => {
        checked.push(userId);
        return membership(userId);
      },
    },
    tenantId,
    lottery.id,
  );
  return { lotteryId: lottery.id, outcome, checked };
}

describe('winning conditions at the draw', () => {
  it('replaces winners who left the chat, records why, and the proof still verifies', async () => {
    // Even user ids left the chat after joining, and so did the first winner checked (so at least one
    // winner is replaced whatever the seed draws).
    let first: number | undefined;
    const left = (userId: number) => userId === first || userId % 2 === 0;
    const { lotteryId, outcome, checked } = await drawnWith((userId) => {
      first ??= userId;
      return left(userId) ? 'not-member' : 'member';
    });
    const winners = outcome.proof.winners.map((w) => w.userId);
    expect(winners).toHaveLength(3);
    expect(winners.some(left)).toBe(false);
    const replaced = outcome.proof.rerolls.flatMap((r) => r.replaced);
    expect(replaced).toContain(first);
    expect(replaced.every(left)).toBe(true);
    expect(new Set(outcome.proof.rerolls.map((r) => r.reason))).toEqual(
      new Set(['not a member of VIP at the draw']),
    );
    // Every winner, and only winners and their replacements, were checked.
    expect(new Set(checked)).toEqual(new Set([...winners, ...replaced]));
    expect(verifyProof((await loadProof(world.sql, lotteryId))!).ok).toBe(true);
    const rows = await listWinners(world.sql, lotteryId);
    expect(rows.filter((w) => w.status === 'replaced').map((w) => w.delivery.status)).toEqual(
      replaced.map(() => 'not-sent'),
    );
    expect(rows.filter((w) => w.status === 'active')).toHaveLength(3);
  });

  it('keeps a winner whose membership cannot be verified', async () => {
    const { outcome } = await drawnWith(() => 'unknown');
    expect(outcome.proof.rerolls).toEqual([]);
    expect(outcome.proof.winners).toHaveLength(3);
  });
});
