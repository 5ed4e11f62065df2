/**
 * Choosing k of n items uniformly without replacement, in order: the first k steps of the Fisher–Yates
 * shuffle in Durstenfeld's forward form, run on a *virtual* array so memory is O(k), not O(n).
 *
 *   a = [0, 1, ..., n − 1]            (virtual: a[x] = x unless a swap wrote it)
 *   for i = 0 .. k − 1:
 *     j = i + uniformBelow(n − i)     (uniform in [i, n))
 *     swap a[i], a[j]
 *     pick a[i]                       (the i-th chosen index)
 *
 * Each ordered k-tuple of distinct indices has probability 1 / (n (n−1) ... (n−k+1)), so every index is
 * equally likely at every position. Only written cells are kept (a Map), at most 2 per step.
 */

/**
 * The indices chosen by the first `k` steps of a Fisher–Yates shuffle of [0, n), in the order chosen.
 * @param below returns a uniform integer in [0, m) for the m it is given (see sampler.ts)
 * @throws RangeError unless 0 ≤ k ≤ n
 */
export function chooseIndices(n: number, k: number, below: (m: number) => number): number[] {
  if (!Number.isSafeInteger(n) || !Number.isSafeInteger(k) || k < 0 || k > n) {
    throw new RangeError(`cannot choose ${k} of ${n}`);
  }
  const written = new Map<number, number>();
  const chosen: number[] = [];
  for (let i = 0; i < k; i++) {
    const j = i + below(n - i);
    const atI = written.get(i) ?? i;
    const atJ = written.get(j) ?? j;
    written.set(j, atI);
    written.delete(i);
    chosen.push(atJ);
  }
  return chosen;
}
