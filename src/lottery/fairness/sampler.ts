/**
 * Unbiased integers in [0, n) from uniform b-bit words, by rejection sampling (the threshold method, as
 * OpenBSD's arc4random_uniform, rejecting from the top instead of the bottom).
 *
 * With R = 2^b words, the largest multiple of n not above R is L = R − (R mod n). A word w < L is accepted
 * and gives w mod n: each residue then has exactly L / n preimages, so every result has probability 1/n.
 * A word w ≥ L is rejected and the next word is read. The draw uses b = 53, so a word is rejected with
 * probability (R mod n) / R < n / 2^53 (under 1.2·10^−10 for a million entries).
 */

/** Range of the words of the draw stream: 2^53. */
export const WORD_BITS = 53;

/**
 * A uniform integer in [0, n) from `nextWord`, which returns uniform integers in [0, 2^bits).
 * @param n the bound, an integer from 1 to 2^bits
 * @param nextWord the source of words, called once or more (once per rejection, plus one)
 * @param bits word size in bits, 1 to 53; default 53 (tests use tiny words to show rejection at work)
 * @throws RangeError when n or bits is out of range
 */
export function uniformBelow(n: number, nextWord: () => number, bits: number = WORD_BITS): number {
  if (!Number.isInteger(bits) || bits < 1 || bits > 53)
    throw new RangeError(`bits must be 1–53, got ${bits}`);
  const range = 2 ** bits;
  if (!Number.isInteger(n) || n < 1 || n > range) throw new RangeError(`n must be 1–2^${bits}, got ${n}`);
  const limit = range - (range % n);
  for (;;) {
    const word = nextWord();
    if (word < limit) return word % n;
  }
}
