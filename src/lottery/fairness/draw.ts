/**
 * The draw (algorithm tg-lottery-draw/1): fix the entry list, derive the randomness from seed + lottery id
 * + entries digest, choose winners with a partial Fisher–Yates shuffle, and fill the prize slots in order.
 * No weighting: every entry is one index, equally likely at every position. Step by step:
 * docs/fairness.md.
 */
import { toHex } from './bytes.ts';
import { commitment } from './commitment.ts';
import { createContext, type DrawContext, samplerFor } from './context.ts';
import { countSlots, fillSlots } from './prizes.ts';
import {
  ALGORITHM_VERSION,
  type DrawProof,
  PROOF_FORMAT_VERSION,
  type PrizeInput,
  type UndrawnRecord,
  type WinnerRecord,
} from './schema.ts';
import { chooseIndices } from './select.ts';

export interface DrawInput {
  /** The lottery's id (an integer ≥ 1); it is mixed into the randomness. */
  lotteryId: number;
  /** The lottery's 32-byte secret seed, generated at publish. */
  seed: Uint8Array;
  /** The entrants' Telegram user ids, in any order; each at most once. */
  userIds: ArrayLike<number>;
  /** The prizes in slot order; each `quantity` copies. */
  prizes: readonly PrizeInput[];
}

export interface DrawResult {
  algorithmVersion: typeof ALGORITHM_VERSION;
  /** Lowercase hex SHA-256 of the seed. */
  commitment: string;
  /** Lowercase hex SHA-256 of the canonical entry list. */
  entriesDigest: string;
  entryCount: number;
  /** By ascending position; winner i (drawn i-th) has position i. */
  winners: WinnerRecord[];
  /** Slots left without a winner because there were fewer entries than slots, in prize order. */
  undrawn: UndrawnRecord[];
}

/**
 * Round 0 on an already built context: min(slots, entries) winners. With fewer entries than slots every
 * entrant wins and the remaining slots are undrawn.
 * @throws RangeError on invalid prizes (see prizes.ts)
 */
export function drawWinners(
  context: DrawContext,
  prizes: readonly PrizeInput[],
): { winners: WinnerRecord[]; undrawn: UndrawnRecord[] } {
  const slots = countSlots(prizes);
  const n = context.entries.length;
  const chosen = chooseIndices(n, Math.min(slots, n), samplerFor(context, 0));
  const { prizeIds, undrawn } = fillSlots(prizes, chosen.length);
  const winners = chosen.map((index, i) => ({
    position: i + 1,
    userId: context.entries[index]!,
    prizeId: prizeIds[i]!,
  }));
  return { winners, undrawn };
}

/**
 * Draws the winners of a lottery. Deterministic: the same input (user ids in any order) gives the same
 * result. For 1,000,000 entries it takes a few hundred milliseconds, mostly sorting and hashing the list.
 * @throws RangeError on an invalid lottery id, seed, user id (or a duplicate), or prize list
 */
export function draw(input: DrawInput): DrawResult {
  const context = createContext(input.lotteryId, input.seed, input.userIds);
  return resultOf(context, drawWinners(context, input.prizes));
}

/**
 * Draws the winners and packages the full public proof (with the canonical entry list and no rerolls).
 * @throws RangeError as {@link draw}
 */
export function createDrawProof(input: DrawInput): DrawProof {
  const context = createContext(input.lotteryId, input.seed, input.userIds);
  const result = resultOf(context, drawWinners(context, input.prizes));
  return {
    version: PROOF_FORMAT_VERSION,
    lotteryId: input.lotteryId,
    algorithmVersion: result.algorithmVersion,
    commitment: result.commitment,
    seed: toHex(input.seed),
    entriesDigest: result.entriesDigest,
    entryCount: result.entryCount,
    userIds: toArray(context.entries),
    prizes: input.prizes.map((p) => ({ prizeId: p.prizeId, name: p.name, quantity: p.quantity })),
    winners: result.winners,
    undrawn: result.undrawn,
    rerolls: [],
  };
}

function resultOf(
  context: DrawContext,
  drawn: { winners: WinnerRecord[]; undrawn: UndrawnRecord[] },
): DrawResult {
  return {
    algorithmVersion: ALGORITHM_VERSION,
    commitment: commitment(context.seed),
    entriesDigest: toHex(context.digest),
    entryCount: context.entries.length,
    winners: drawn.winners,
    undrawn: drawn.undrawn,
  };
}

/** A plain array copy of a typed array (a counted loop: several times faster than `Array.from`). */
function toArray(values: Float64Array): number[] {
  const out: number[] = new Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i]!;
  return out;
}
