import { describe, expect, it } from 'vitest';
import { createDrawProof } from '../../../src/lottery/fairness/draw.ts';
import { poolToEntry, reroll } from '../../../src/lottery/fairness/reroll.ts';
import type { DrawProof } from '../../../src/lottery/fairness/schema.ts';
import { verifyProof } from '../../../src/lottery/fairness/verify.ts';
import { vectorLotteryId, vectorPrizes, vectorSeed, vectorUserIds } from './fixtures.ts';

const vectorProof = () =>
  createDrawProof({
    lotteryId: vectorLotteryId,
    seed: vectorSeed,
    userIds: vectorUserIds,
    prizes: vectorPrizes,
  });

describe('reroll', () => {
  it('reproduces the documented test vector: 1057 (position 2) is replaced by 1030', () => {
    const proof = vectorProof();
    const next = reroll({ proof, replace: [1057], reason: '  did not answer within 48 h ' });
    expect(next.rerolls).toEqual([
      { round: 1, replaced: [1057], replacements: [1030], reason: 'did not answer within 48 h' },
    ]);
    expect(next.winners).toEqual([
      { position: 1, userId: 1021, prizeId: 1 },
      { position: 2, userId: 1030, prizeId: 2 },
      { position: 3, userId: 1039, prizeId: 2 },
    ]);
    expect(proof.rerolls).toEqual([]); // the input proof is not modified
    expect(verifyProof(next).ok).toBe(true);
  });

  it('takes the replaced winners in position order, whatever order they are given in', () => {
    const proof = vectorProof();
    const a = reroll({ proof, replace: [1039, 1021], reason: 'blocked the bot' });
    const b = reroll({ proof, replace: [1021, 1039], reason: 'blocked the bot' });
    expect(a).toEqual(b);
    expect(a.rerolls[0]!.replaced).toEqual([1021, 1039]);
    const [first, second] = a.rerolls[0]!.replacements;
    expect(a.winners).toEqual([
      { position: 1, userId: first, prizeId: 1 },
      { position: 2, userId: 1057, prizeId: 2 },
      { position: 3, userId: second, prizeId: 2 },
    ]);
  });

  it("draws a round's candidates independently of whom it replaces", () => {
    const proof = vectorProof();
    const viaFirst = reroll({ proof, replace: [1021], reason: 'x' }).rerolls[0]!.replacements;
    const viaThird = reroll({ proof, replace: [1039], reason: 'x' }).rerolls[0]!.replacements;
    expect(viaFirst).toEqual(viaThird);
  });

  it('never picks a previous winner, and leaves the prize undrawn once nobody is left', () => {
    const userIds = [11, 22, 33, 44, 55, 66, 77];
    const prizes = [
      { prizeId: 1, name: 'A', quantity: 1 },
      { prizeId: 2, name: 'B', quantity: 2 },
    ];
    let proof: DrawProof = createDrawProof({ lotteryId: 9, seed: vectorSeed, userIds, prizes });
    const everChosen = proof.winners.map((w) => w.userId);
    // 7 entries, 3 winners: 4 rerolls of position 1 use up the pool, the 5th finds nobody.
    for (let round = 1; round <= 5; round++) {
      const current = proof.winners.find((w) => w.position === 1)!.userId;
      proof = reroll({ proof, replace: [current], reason: `round ${round}: unreachable` });
      const [replacement] = proof.rerolls.at(-1)!.replacements;
      if (round <= 4) {
        expect(everChosen).not.toContain(replacement);
        everChosen.push(replacement!);
      } else {
        expect(replacement).toBeNull();
      }
      expect(verifyProof(proof).ok).toBe(true);
    }
    expect(new Set(everChosen).size).toBe(7);
    expect(proof.winners.map((w) => w.position)).toEqual([2, 3]);
    expect(proof.undrawn).toEqual([{ prizeId: 1, count: 1 }]);
    expect(proof.rerolls.map((r) => r.round)).toEqual([1, 2, 3, 4, 5]);
  });

  it('fills what it can when the pool is smaller than the replacement list', () => {
    const prizes = [{ prizeId: 5, name: 'A', quantity: 3 }];
    const proof = createDrawProof({ lotteryId: 3, seed: vectorSeed, userIds: [1, 2, 3, 4], prizes });
    const all = proof.winners.map((w) => w.userId);
    const next = reroll({ proof, replace: all, reason: 'all unreachable' });
    const [record] = next.rerolls;
    expect(record!.replacements.filter((r) => r !== null)).toHaveLength(1);
    expect(record!.replacements.slice(1)).toEqual([null, null]);
    expect(next.winners).toHaveLength(1);
    expect(next.undrawn).toEqual([{ prizeId: 5, count: 2 }]);
    expect(verifyProof(next).ok).toBe(true);
  });

  it('refuses a user who is not a current winner, a repeated user, no users and no reason', () => {
    const proof = vectorProof();
    expect(() => reroll({ proof, replace: [1000], reason: 'x' })).toThrow(
      /user 1000 is not a current winner/,
    );
    const next = reroll({ proof, replace: [1057], reason: 'x' });
    expect(() => reroll({ proof: next, replace: [1057], reason: 'x' })).toThrow(/not a current winner/);
    expect(() => reroll({ proof, replace: [1021, 1021], reason: 'x' })).toThrow(/listed twice/);
    expect(() => reroll({ proof, replace: [], reason: 'x' })).toThrow(/at least one/);
    expect(() => reroll({ proof, replace: [1021], reason: '   ' })).toThrow(/needs a reason/);
    expect(() => reroll({ proof, replace: [1021], reason: 'x'.repeat(501) })).toThrow(/longer than 500/);
  });

  it('refuses a proof whose entry list does not match its digest', () => {
    const proof = vectorProof();
    const forged = { ...proof, userIds: [...proof.userIds.slice(1), 999_999] };
    expect(() => reroll({ proof: forged, replace: [1021], reason: 'x' })).toThrow(
      /does not match its entries digest/,
    );
  });

  it('maps a pool index to its entry exactly as counting the entries left one by one does', () => {
    // The definition: the pick-th entry (from 0) that is not excluded.
    const byCounting = (pick: number, excluded: ReadonlySet<number>) => {
      let left = -1;
      for (let index = 0; ; index++) if (!excluded.has(index) && ++left === pick) return index;
    };
    let state = 12345;
    const random = (n: number) => {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      return state % n;
    };
    for (let round = 0; round < 200; round++) {
      const n = 1 + random(60);
      const excluded = [...new Set(Array.from({ length: random(n) }, () => random(n)))].sort((a, b) => a - b);
      const set = new Set(excluded);
      for (let pick = 0; pick < n - excluded.length; pick++) {
        expect(poolToEntry(pick, excluded)).toBe(byCounting(pick, set));
      }
    }
    expect(poolToEntry(0, [0, 1, 2])).toBe(3);
    expect(poolToEntry(5, [5])).toBe(6);
    expect(poolToEntry(4, [5])).toBe(4);
  });
});
