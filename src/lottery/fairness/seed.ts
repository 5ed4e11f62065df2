/**
 * Generating a lottery's secret seed (docs/fairness.md, step 1). Server-only: it uses Node's CSPRNG, and
 * nothing a verifier runs (in a terminal or a browser) imports this file.
 */
import { randomBytes } from 'node:crypto';
import { SEED_BYTES } from './commitment.ts';

/**
 * A fresh 32-byte seed from the operating system's CSPRNG (`crypto.randomBytes`), one per lottery,
 * generated at publish and kept secret (encrypted at rest) until the draw.
 */
export function generateSeed(): Buffer {
  return randomBytes(SEED_BYTES);
}
