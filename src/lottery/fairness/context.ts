/**
 * Everything the randomness of one lottery depends on, computed once: the seed, the lottery id, the
 * canonical entry list and its digest. The draw, every reroll and the verifier read from it.
 */
import { canonicalEntries, digestCanonical } from './entries.ts';
import { uniformBelow } from './sampler.ts';
import { openStream } from './stream.ts';

export interface DrawContext {
  lotteryId: number;
  /** 32 bytes. */
  seed: Uint8Array;
  /** User ids, ascending: index i of a draw is `entries[i]`. */
  entries: Float64Array;
  /** SHA-256 of the canonical entry list, 32 bytes. */
  digest: Uint8Array;
}

/**
 * Builds the context of a lottery.
 * @throws RangeError on a lottery id that is not an integer ≥ 1, a seed that is not 32 bytes, or an invalid
 *   or duplicate user id (see entries.ts)
 */
export function createContext(lotteryId: number, seed: Uint8Array, userIds: ArrayLike<number>): DrawContext {
  if (!Number.isSafeInteger(lotteryId) || lotteryId < 1) {
    throw new RangeError(`the lottery id must be an integer ≥ 1, got ${lotteryId}`);
  }
  if (seed.length !== 32) throw new RangeError(`the seed must be 32 bytes, got ${seed.length}`);
  const entries = canonicalEntries(userIds);
  return { lotteryId, seed, entries, digest: digestCanonical(entries) };
}

/** A sampler of unbiased integers in [0, m) reading the stream of `round` (0: the draw; r: reroll r). */
export function samplerFor(context: DrawContext, round: number): (m: number) => number {
  const stream = openStream({
    seed: context.seed,
    lotteryId: context.lotteryId,
    entriesDigest: context.digest,
    round,
  });
  return (m) => uniformBelow(m, stream.next53);
}

/** The index of `userId` in the canonical list, or −1 (binary search). */
export function indexOfEntry(context: DrawContext, userId: number): number {
  const { entries } = context;
  let low = 0;
  let high = entries.length - 1;
  while (low <= high) {
    const mid = (low + high) >>> 1;
    const value = entries[mid]!;
    if (value === userId) return mid;
    if (value < userId) low = mid + 1;
    else high = mid - 1;
  }
  return -1;
}
