/**
 * The draw proof: the JSON document published after a draw and fed to `tg-lottery verify`. The zod schema
 * checks shape only (types, ranges, hex); whether the content is *right* is verify.ts's job, so that a
 * wrong proof is reported as a named failing check instead of a parse error. Field meanings:
 * docs/fairness.md, "The proof document".
 */
import { z } from 'zod';

/** The draw algorithm this code implements; changing any output of the draw requires a new version. */
export const ALGORITHM_VERSION = 'tg-lottery-draw/1';
/** Version of the proof document's layout. */
export const PROOF_FORMAT_VERSION = 1;

const hex32 = z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex digits (32 bytes)');
/** A Telegram user id: an integer from 1 to 2^53 − 1 (`z.int()` is the safe-integer range). */
const userId = z.int().min(1);
const id = z.int().min(1);

export const prizeSchema = z.object({
  prizeId: id,
  name: z.string().max(200),
  quantity: z.int().min(1),
});

export const winnerSchema = z.object({
  /** 1-based slot in prize order: slot 1 is the first copy of the first prize. */
  position: z.int().min(1),
  userId,
  prizeId: id,
});

export const undrawnSchema = z.object({ prizeId: id, count: z.int().min(1) });

export const rerollRecordSchema = z.object({
  /** 1 for the first reroll; also the stream round its randomness comes from. */
  round: z.int().min(1),
  /** Winners replaced, in ascending order of their position. */
  replaced: z.array(userId).min(1),
  /** Aligned with `replaced`; null when no entry was left to draw, so that prize slot became undrawn. */
  replacements: z.array(userId.nullable()),
  /** Why (e.g. "did not answer within 48 h"). Recorded, not verifiable: see docs/fairness.md. */
  reason: z.string().min(1).max(500),
});

export const drawProofSchema = z.object({
  version: z.literal(PROOF_FORMAT_VERSION),
  lotteryId: id,
  algorithmVersion: z.string(),
  /** SHA-256 of the seed bytes, published with the lottery before any entry. */
  commitment: hex32,
  seed: hex32,
  entriesDigest: hex32,
  entryCount: z.int().min(0),
  /** The fixed entry list, in canonical (ascending) order. */
  userIds: z.array(userId),
  /** In the order slots are filled. */
  prizes: z.array(prizeSchema).min(1),
  /** The current winners (after every reroll), by ascending position. */
  winners: z.array(winnerSchema),
  /** Prize slots without a winner, in prize order. */
  undrawn: z.array(undrawnSchema),
  rerolls: z.array(rerollRecordSchema),
});

export type PrizeInput = z.infer<typeof prizeSchema>;
export type WinnerRecord = z.infer<typeof winnerSchema>;
export type UndrawnRecord = z.infer<typeof undrawnSchema>;
export type RerollRecord = z.infer<typeof rerollRecordSchema>;
export type DrawProof = z.infer<typeof drawProofSchema>;
