/** Shared inputs of the fairness tests: the documented test vector of docs/fairness.md. */
import type { PrizeInput } from '../../../src/lottery/fairness/schema.ts';

/** Seed bytes 0x00, 0x01, ..., 0x1f. */
export const vectorSeed = Uint8Array.from({ length: 32 }, (_, i) => i);
export const vectorLotteryId = 42;
/** 1000, 1003, ..., 1057. */
export const vectorUserIds = Array.from({ length: 20 }, (_, i) => 1000 + i * 3);
export const vectorPrizes: PrizeInput[] = [
  { prizeId: 1, name: 'Gold', quantity: 1 },
  { prizeId: 2, name: 'Silver', quantity: 2 },
];

/** A seed that differs per test case, for statistical tests. */
export function seedFrom(n: number): Uint8Array {
  const seed = new Uint8Array(32);
  new DataView(seed.buffer).setUint32(0, n);
  seed[31] = 0xa5;
  return seed;
}

/** Pearson's chi-square statistic of observed counts against equal expected counts. */
export function chiSquare(counts: readonly number[]): number {
  const total = counts.reduce((a, b) => a + b, 0);
  const expected = total / counts.length;
  return counts.reduce((sum, c) => sum + (c - expected) ** 2 / expected, 0);
}
