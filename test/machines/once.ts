/**
 * The replays of a model-based test file add to one coverage set, which its last tests check. So that no
 * test depends on the order of the file (or on the others having run), each set of replays is wrapped in
 * {@link once}: it runs the first time any test asks for it, whichever test that is, and every later call
 * gets the same result. The coverage tests ask for every set before they look at the coverage.
 */

/** `replay`, run at its first call only; its result (or, when it threw, a new attempt) for every call. */
export function once<T>(replay: () => T): () => T {
  let result: { value: T } | undefined;
  return () => {
    result ??= { value: replay() };
    return result.value;
  };
}
