/**
 * Prize slots: a lottery's prizes, in the order given, expanded by quantity into numbered slots
 * (position 1 is the first copy of the first prize). The i-th winner drawn fills position i.
 */
import type { PrizeInput, UndrawnRecord } from './schema.ts';

/**
 * The total number of slots of `prizes`.
 * @throws RangeError when the list is empty, a prize id repeats, or a quantity is not an integer ≥ 1
 */
export function countSlots(prizes: readonly PrizeInput[]): number {
  if (prizes.length === 0) throw new RangeError('a lottery needs at least one prize');
  const seen = new Set<number>();
  let total = 0;
  for (const prize of prizes) {
    if (seen.has(prize.prizeId)) throw new RangeError(`prize ${prize.prizeId} is listed twice`);
    seen.add(prize.prizeId);
    if (!Number.isSafeInteger(prize.quantity) || prize.quantity < 1) {
      throw new RangeError(`prize ${prize.prizeId}: quantity must be an integer ≥ 1, got ${prize.quantity}`);
    }
    total += prize.quantity;
  }
  if (!Number.isSafeInteger(total)) throw new RangeError('the prize quantities add up to more than 2^53');
  return total;
}

/**
 * The prize id of positions 1..filled, and the undrawn count of each prize for the slots after `filled`
 * (prizes with none left undrawn are omitted), in prize order.
 */
export function fillSlots(
  prizes: readonly PrizeInput[],
  filled: number,
): { prizeIds: number[]; undrawn: UndrawnRecord[] } {
  const prizeIds: number[] = [];
  const undrawn: UndrawnRecord[] = [];
  for (const prize of prizes) {
    const take = Math.min(prize.quantity, filled - prizeIds.length);
    for (let i = 0; i < take; i++) prizeIds.push(prize.prizeId);
    if (take < prize.quantity) undrawn.push({ prizeId: prize.prizeId, count: prize.quantity - take });
  }
  return { prizeIds, undrawn };
}

/** `undrawn` with one more undrawn slot of `prizeId`, kept in prize order. */
export function addUndrawn(
  prizes: readonly PrizeInput[],
  undrawn: readonly UndrawnRecord[],
  prizeId: number,
): UndrawnRecord[] {
  const counts = new Map(undrawn.map((u) => [u.prizeId, u.count]));
  counts.set(prizeId, (counts.get(prizeId) ?? 0) + 1);
  return prizes.flatMap((p) => {
    const count = counts.get(p.prizeId);
    return count ? [{ prizeId: p.prizeId, count }] : [];
  });
}
