import { describe, expect, it } from 'vitest';
import { uniformBelow } from '../../../src/lottery/fairness/sampler.ts';
import { openStream } from '../../../src/lottery/fairness/stream.ts';
import { chiSquare } from './fixtures.ts';

/** A fixed stream: the test is deterministic, so it cannot flake. */
function fixedStream(lotteryId: number) {
  const seed = Uint8Array.from({ length: 32 }, (_, i) => 255 - i);
  return openStream({ seed, lotteryId, entriesDigest: new Uint8Array(32), round: 0 });
}

describe('uniformBelow (rejection sampling)', () => {
  it('has no modulo bias: n = 3 from 2-bit words gives each result exactly once per 4 words', () => {
    let word = 0;
    const tiny = () => word++ % 4; // 0, 1, 2, 3, 0, 1, ... : every 2-bit word equally often
    const counts = [0, 0, 0];
    for (let i = 0; i < 3000; i++) counts[uniformBelow(3, tiny, 2)]!++;
    expect(counts).toEqual([1000, 1000, 1000]);
    expect(word).toBe(3999); // 3000 accepted + 999 rejected 3s (≥ L = 3); the last cycle's 3 is unread
    // Plain `word % 3` over the same words would give 0 twice per cycle: [2000, 1000, 1000] per 4000.
  });

  it('rejects exactly the words at or above L = 2^53 − (2^53 mod n)', () => {
    const limit = 2 ** 53 - (2 ** 53 % 3); // 2^53 mod 3 = 2
    const words = [limit + 1, limit, limit - 1];
    expect(uniformBelow(3, () => words.shift()!)).toBe((limit - 1) % 3);
    expect(words).toEqual([]);
  });

  it('is uniform over n = 7 (chi-square, 70,000 draws, below the 0.1% critical value)', () => {
    const stream = fixedStream(1);
    const counts = new Array<number>(7).fill(0);
    for (let i = 0; i < 70_000; i++) counts[uniformBelow(7, stream.next53)]!++;
    // Upper 0.1% point of chi-square with 6 degrees of freedom: 22.458.
    expect(chiSquare(counts)).toBeLessThan(22.458);
  });

  it('stays uniform where modulo would be grossly biased (n = 3·2^51: 2^53 mod n = n/3)', () => {
    const n = 3 * 2 ** 51;
    const stream = fixedStream(2);
    const thirds = [0, 0, 0];
    const naiveThirds = [0, 0, 0];
    for (let i = 0; i < 30_000; i++) {
      thirds[Math.floor(uniformBelow(n, stream.next53) / 2 ** 51)]!++;
      naiveThirds[Math.floor((stream.next53() % n) / 2 ** 51)]!++;
    }
    // Upper 0.1% point of chi-square with 2 degrees of freedom: 13.816.
    expect(chiSquare(thirds)).toBeLessThan(13.816);
    // The naive modulo puts half of all results in the first third: the test can see bias.
    expect(chiSquare(naiveThirds)).toBeGreaterThan(1000);
  });

  it('rejects bounds outside [1, 2^bits]', () => {
    expect(() => uniformBelow(0, () => 0)).toThrow(RangeError);
    expect(() => uniformBelow(5, () => 0, 2)).toThrow(RangeError);
    expect(() => uniformBelow(1.5, () => 0)).toThrow(RangeError);
  });
});
