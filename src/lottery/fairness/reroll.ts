/**
 * Rerolls: replace chosen winners (e.g. unreachable ones) with new ones drawn from the entries never
 * chosen before. Reroll r reads stream round r (stream.ts), so its candidates are fixed by the seed and
 * the earlier rounds alone; the organiser only chooses whom to replace and why. Rules: docs/fairness.md,
 * step 6.
 */

import { fromHex } from './bytes.ts';
import { createContext, type DrawContext, indexOfEntry, samplerFor } from './context.ts';
import { addUndrawn } from './prizes.ts';
import type { DrawProof, PrizeInput, RerollRecord, UndrawnRecord, WinnerRecord } from './schema.ts';
import { chooseIndices } from './select.ts';

/** Longest reroll reason accepted, in UTF-16 code units. */
export const MAX_REASON_LENGTH = 500;

/** The part of a proof a reroll changes. */
export interface RerollState {
  winners: WinnerRecord[];
  undrawn: UndrawnRecord[];
  rerolls: RerollRecord[];
}

export interface RerollInput {
  /** The lottery's current proof (with its seed and entry list). */
  proof: DrawProof;
  /** User ids of current winners to replace, in any order. */
  replace: readonly number[];
  /** Why they are replaced; trimmed, 1–500 characters; published, not used by the randomness. */
  reason: string;
}

/**
 * Applies reroll round `state.rerolls.length + 1` to `state` and returns the new state (the input is not
 * modified). Replaced winners are taken in ascending position order; the i-th of them gets the i-th
 * replacement, which takes its position and prize. Replacements are chosen, as in the draw, by a partial
 * Fisher–Yates shuffle over the pool: the canonical entry list without every user ever chosen (all current
 * winners and everyone replaced before). If the pool runs out, the remaining replaced slots become undrawn
 * and their replacement is recorded as null.
 * @throws RangeError when `replace` is empty, repeats a user or names a user who is not a current winner,
 *   or the reason is empty or too long
 */
export function applyReroll(
  context: DrawContext,
  prizes: readonly PrizeInput[],
  state: RerollState,
  replace: readonly number[],
  reason: string,
): RerollState {
  const trimmed = reason.trim();
  if (trimmed.length === 0) throw new RangeError('a reroll needs a reason (it is published in the proof)');
  if (trimmed.length > MAX_REASON_LENGTH) {
    throw new RangeError(`the reroll reason is longer than ${MAX_REASON_LENGTH} characters`);
  }
  if (replace.length === 0) throw new RangeError('a reroll needs at least one winner to replace');
  if (new Set(replace).size !== replace.length)
    throw new RangeError('a winner is listed twice in the reroll');
  const byUser = new Map(state.winners.map((w) => [w.userId, w]));
  const targets = replace.map((userId) => {
    const winner = byUser.get(userId);
    if (!winner) throw new RangeError(`user ${userId} is not a current winner, so cannot be replaced`);
    return winner;
  });
  targets.sort((a, b) => a.position - b.position);

  const excluded = everChosen(context, state);
  const poolSize = context.entries.length - excluded.length;
  const round = state.rerolls.length + 1;
  const picks = chooseIndices(poolSize, Math.min(targets.length, poolSize), samplerFor(context, round));
  const replacements = targets.map((_, i) => {
    const pick = picks[i];
    return pick === undefined ? null : context.entries[poolToEntry(pick, excluded)]!;
  });

  const newUser = new Map(targets.map((t, i) => [t.position, replacements[i]]));
  const winners: WinnerRecord[] = [];
  let undrawn = state.undrawn;
  for (const winner of state.winners) {
    const replacement = newUser.get(winner.position);
    if (replacement === undefined) winners.push(winner);
    else if (replacement === null) undrawn = addUndrawn(prizes, undrawn, winner.prizeId);
    else winners.push({ ...winner, userId: replacement });
  }
  const record: RerollRecord = {
    round,
    replaced: targets.map((t) => t.userId),
    replacements,
    reason: trimmed,
  };
  return { winners, undrawn, rerolls: [...state.rerolls, record] };
}

/**
 * Rerolls a lottery: returns its proof with the replacements in `winners`, `undrawn` updated and the round
 * appended to `rerolls`. The proof is not modified. It rebuilds the canonical entry list from the proof.
 * @throws RangeError as {@link applyReroll}, or when the proof's entry list does not match its digest
 */
export function reroll(input: RerollInput): DrawProof {
  const { proof } = input;
  const context = createContext(proof.lotteryId, fromHex(proof.seed, 32), proof.userIds);
  const digest = fromHex(proof.entriesDigest, 32);
  if (!context.digest.every((byte, i) => byte === digest[i])) {
    throw new RangeError(
      `lottery ${proof.lotteryId}: the proof's entry list does not match its entries digest`,
    );
  }
  const next = applyReroll(context, proof.prizes, proof, input.replace, input.reason);
  return { ...proof, winners: next.winners, undrawn: next.undrawn, rerolls: next.rerolls };
}

/**
 * Entry indices of every user ever chosen (current winners and all replaced ones), ascending.
 * @throws RangeError when one of them is not in the entry list (a corrupted proof)
 */
function everChosen(context: DrawContext, state: RerollState): number[] {
  const users = new Set(state.winners.map((w) => w.userId));
  for (const record of state.rerolls) for (const userId of record.replaced) users.add(userId);
  const indices = [...users].map((userId) => {
    const index = indexOfEntry(context, userId);
    if (index < 0) throw new RangeError(`winner ${userId} is not in the entry list`);
    return index;
  });
  return indices.sort((a, b) => a - b);
}

/**
 * The entry index of pool index `pick`: the pick-th entry, counting from 0, that is not excluded.
 * `excluded` is ascending and distinct. The answer is `pick + c`, where c counts the excluded indices
 * below it; `excluded[k] − k` (the entries left before `excluded[k]`) never decreases, so c is the number
 * of k with `excluded[k] − k ≤ pick`, found by binary search: O(log excluded) per pick, so a reroll of
 * 200,000 winners does not cost 200,000² steps.
 */
export function poolToEntry(pick: number, excluded: readonly number[]): number {
  let low = 0;
  let high = excluded.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (excluded[mid]! - mid <= pick) low = mid + 1;
    else high = mid;
  }
  return pick + low;
}
