/**
 * Waiting for a condition the system will reach by itself (a row written by another process, a message
 * delivered by the sandbox): re-checks every `everyMs` and fails with `what` after `timeoutMs`. Not a
 * sleep: the test goes on the moment the condition holds.
 */
export async function waitUntil<T>(
  check: () => Promise<T | undefined | null | false> | T | undefined | null | false,
  what: string,
  timeoutMs = 20_000,
  everyMs = 25,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as T;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * `vi.waitFor` options for a mounted panel component, which settles by itself (requests answered by a
 * mocked fetch, Element Plus's 100 ms validation debounce): retried every 20 ms, up to 5 s.
 */
export const SETTLES = { timeout: 5_000, interval: 20 } as const;
