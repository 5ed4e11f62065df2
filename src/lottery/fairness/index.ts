/**
 * The fairness core of a lottery: seed and commitment, entries digest, the draw, rerolls, the proof
 * document and its verifier. Pure functions, no database and no Telegram. The scheme: docs/fairness.md.
 * A browser imports verify.ts and schema.ts directly, not this file (it re-exports seed.ts, which uses
 * Node's CSPRNG), with hash.ts aliased to a @noble/hashes version (see hash.ts).
 */
export { commitment, SEED_BYTES } from './commitment.ts';
export { createDrawProof, type DrawInput, type DrawResult, draw } from './draw.ts';
export { canonicalEntries, entriesDigest, MAX_USER_ID } from './entries.ts';
export { MAX_REASON_LENGTH, type RerollInput, reroll } from './reroll.ts';
export {
  ALGORITHM_VERSION,
  type DrawProof,
  drawProofSchema,
  PROOF_FORMAT_VERSION,
  type PrizeInput,
  type RerollRecord,
  type UndrawnRecord,
  type WinnerRecord,
} from './schema.ts';
export { generateSeed } from './seed.ts';
export { CHECKS, type CheckName, type VerifyCheck, type VerifyReport, verifyProof } from './verify.ts';
