/** The public commitment to a lottery's secret seed (docs/fairness.md, step 2). */
import { toHex } from './bytes.ts';
import { sha256 } from './hash.ts';

/** Length of a seed in bytes. */
export const SEED_BYTES = 32;

/**
 * The commitment to a seed: lowercase hex SHA-256 (FIPS 180-4) of the 32 seed bytes (not of their hex
 * text). Published with the lottery so the seed cannot be changed once entries are seen.
 * @throws RangeError when the seed is not 32 bytes
 */
export function commitment(seed: Uint8Array): string {
  if (seed.length !== SEED_BYTES)
    throw new RangeError(`the seed must be ${SEED_BYTES} bytes, got ${seed.length}`);
  return toHex(sha256(seed));
}
