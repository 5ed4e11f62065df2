import { describe, expect, it } from 'vitest';
import { createDrawProof, type DrawInput, draw } from '../../../src/lottery/fairness/draw.ts';
import { chooseIndices } from '../../../src/lottery/fairness/select.ts';
import { chiSquare, seedFrom, vectorLotteryId, vectorPrizes, vectorSeed, vectorUserIds } from './fixtures.ts';

const vector: DrawInput = {
  lotteryId: vectorLotteryId,
  seed: vectorSeed,
  userIds: vectorUserIds,
  prizes: vectorPrizes,
};

describe('draw', () => {
  it('reproduces the documented test vector (pinned: a change here needs a new algorithm version)', () => {
    // Also reproduced by the independent Python reference in docs/fairness.md.
    expect(draw(vector)).toEqual({
      algorithmVersion: 'tg-lottery-draw/1',
      commitment: '630dcd2966c4336691125448bbb25b4ff412a49c732db2c8abc1b8581bd710dd',
      entriesDigest: 'd6f9703d207b0fa806bf223dff114ca274df085e707a2136215ba659effa5480',
      entryCount: 20,
      winners: [
        { position: 1, userId: 1021, prizeId: 1 },
        { position: 2, userId: 1057, prizeId: 2 },
        { position: 3, userId: 1039, prizeId: 2 },
      ],
      undrawn: [],
    });
  });

  it('is deterministic and independent of the order of the user ids', () => {
    const shuffled = [...vectorUserIds].reverse();
    shuffled.push(shuffled.splice(3, 1)[0]!);
    expect(draw({ ...vector, userIds: shuffled })).toEqual(draw(vector));
    expect(createDrawProof({ ...vector, userIds: shuffled })).toEqual(createDrawProof(vector));
  });

  it('depends on the seed and on the lottery id', () => {
    const winners = (input: DrawInput) => draw(input).winners.map((w) => w.userId);
    expect(winners({ ...vector, seed: seedFrom(1) })).not.toEqual(winners(vector));
    expect(winners({ ...vector, lotteryId: 43 })).not.toEqual(winners(vector));
  });

  it('fills prizes in the order given: first drawn, first prize', () => {
    const prizes = [
      { prizeId: 7, name: 'B', quantity: 2 },
      { prizeId: 3, name: 'A', quantity: 1 },
    ];
    expect(draw({ ...vector, prizes }).winners.map((w) => [w.position, w.prizeId])).toEqual([
      [1, 7],
      [2, 7],
      [3, 3],
    ]);
  });

  it('with fewer entries than prize slots, every entrant wins and the rest stay undrawn', () => {
    const prizes = [
      { prizeId: 1, name: 'A', quantity: 2 },
      { prizeId: 2, name: 'B', quantity: 3 },
    ];
    const result = draw({ ...vector, userIds: [11, 22, 33], prizes });
    expect(result.winners.map((w) => w.userId).sort()).toEqual([11, 22, 33]);
    expect(result.winners.map((w) => w.prizeId)).toEqual([1, 1, 2]);
    expect(result.undrawn).toEqual([{ prizeId: 2, count: 2 }]);
    expect(draw({ ...vector, userIds: [], prizes }).undrawn).toEqual([
      { prizeId: 1, count: 2 },
      { prizeId: 2, count: 3 },
    ]);
  });

  it('rejects duplicate entries, a bad seed, a bad lottery id and bad prizes', () => {
    expect(() => draw({ ...vector, userIds: [1, 2, 2] })).toThrow(/duplicate entry: user 2/);
    expect(() => draw({ ...vector, seed: new Uint8Array(31) })).toThrow(/32 bytes/);
    expect(() => draw({ ...vector, lotteryId: 0 })).toThrow(/lottery id/);
    expect(() => draw({ ...vector, prizes: [] })).toThrow(/at least one prize/);
    expect(() => draw({ ...vector, prizes: [vectorPrizes[0]!, vectorPrizes[0]!] })).toThrow(/listed twice/);
  });

  it('gives every entrant a chance: each of 50 entries wins in some of 2,000 draws', () => {
    const userIds = Array.from({ length: 50 }, (_, i) => 500 + i);
    const seen = new Set<number>();
    for (let lotteryId = 1; lotteryId <= 2000; lotteryId++) {
      const [first] = draw({ lotteryId, seed: vectorSeed, userIds, prizes: [vectorPrizes[0]!] }).winners;
      seen.add(first!.userId);
    }
    expect(seen.size).toBe(50);
  });

  it('is uniform at positions 1 and 2 (chi-square over 20 entries, 20,000 draws, fixed seeds)', () => {
    const userIds = Array.from({ length: 20 }, (_, i) => 1 + i);
    const prizes = [{ prizeId: 1, name: 'A', quantity: 2 }];
    const first = new Array<number>(20).fill(0);
    const second = new Array<number>(20).fill(0);
    for (let i = 0; i < 20_000; i++) {
      const { winners } = draw({ lotteryId: 1 + i, seed: seedFrom(i), userIds, prizes });
      first[winners[0]!.userId - 1]!++;
      second[winners[1]!.userId - 1]!++;
    }
    // Upper 0.1% point of chi-square with 19 degrees of freedom: 43.820.
    expect(chiSquare(first)).toBeLessThan(43.82);
    expect(chiSquare(second)).toBeLessThan(43.82);
  });
});

describe('chooseIndices (partial Fisher–Yates on a virtual array)', () => {
  it('picks exactly what a plain Fisher–Yates over a real array picks', () => {
    const lcg = (seed: number) => {
      let state = seed;
      return (m: number) => {
        state = (state * 1103515245 + 12345) % 2 ** 31;
        return state % m;
      };
    };
    for (const [n, k] of [
      [5, 5],
      [50, 20],
      [1000, 3],
    ] as const) {
      const below = lcg(n * 31 + k);
      const array = Array.from({ length: n }, (_, i) => i);
      const expected: number[] = [];
      for (let i = 0; i < k; i++) {
        const j = i + below(n - i);
        [array[i], array[j]] = [array[j]!, array[i]!];
        expected.push(array[i]!);
      }
      expect(chooseIndices(n, k, lcg(n * 31 + k))).toEqual(expected);
    }
    // below always at its largest: 0↔4, 1↔4, 2↔4, 3↔4 on [0, 1, 2, 3, 4].
    expect(chooseIndices(5, 5, (m) => m - 1)).toEqual([4, 0, 1, 2, 3]);
  });

  it('chooses distinct indices, all of them when k = n, with memory only for swapped cells', () => {
    let state = 12345;
    const below = (m: number) => {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      return state % m;
    };
    expect(new Set(chooseIndices(1000, 1000, below)).size).toBe(1000);
    expect(chooseIndices(10 ** 12, 3, below).every((x) => x >= 0 && x < 10 ** 12)).toBe(true);
    expect(() => chooseIndices(3, 4, below)).toThrow(RangeError);
  });
});
