/**
 * Restart policy of the tenant machine: plain data, one default constant, one validator.
 *
 * The rules, stated the way the tenant machine implements them (machines/tenant.ts):
 * - config change → stop the old child, wait for its exit, start the new one (no backoff);
 * - unexpected exit → restart after an exponential backoff: 1 s doubling to 60 s max, with ±20 % jitter
 *   (the jittered delay is capped at 60 s too); the backoff attempt counter resets after 60 s of stable running;
 * - more than 5 unexpected exits within 60 s → `stopped`, reason `crash-loop`;
 * - or 10 unexpected exits in a row with no run in between that reached the stable-running time (60 s)
 *   → `stopped`, reason `crash-loop`: the backoff grows past the 60 s window (1, 2, 4 … 60 s), so a bot that
 *   dies some seconds after every start would otherwise never trip the first rule. The count resets after
 *   60 s of stable running, a config change and an operator restart; 409 exits neither count nor reset it;
 * - a 401 exit (child reports fatal `unauthorized`) → `stopped`, reason `invalid-token` (no restart until
 *   config hash changes);
 * - a 409 exit (child reports fatal `conflict`) → retried with backoff for up to 90 s since the first conflict
 *   of the series, then `stopped` reason `token-conflict`;
 * - no heartbeat for 30 s while running → kill the child and restart (counts as an unexpected exit; reason
 *   `heartbeat-timeout` in the log/status detail);
 * - starting that takes over 30 s (no CHILD.READY) → kill and retry (with backoff);
 * - stop (shutdown/disable/config change): ask the child to stop; if it has not exited after `stopTimeoutMs`
 *   (5000) → SIGKILL, then wait for its exit event;
 * - a `stopped` tenant starts again only when its config hash changes or an operator asks for a restart
 *   (`TENANT.RESTART`).
 *
 * - a bot whose shared host stops it for harming its neighbours (fatal `quarantine`: it blocked the host's
 *   event loop or sent it over its memory budget, machines/placement.ts) restarts at once in a host of its
 *   own, shown `isolated` with the reason; so does one that trips a crash-loop rule while sharing a host
 *   (`isolateOnCrashLoop`), which is stopped `crash-loop` only if it loops in its own host too. Isolation lasts
 *   until an operator restart.
 *
 * 409 exits are counted in their own series, not in the crash-loop window: a restart while Telegram still
 * holds the old long poll (F1) must get its 90 s, not be cut short by the 5-exit rule.
 */

/** Every number that shapes supervision. Durations in milliseconds. */
export interface RestartPolicy {
  /** First backoff delay, default 1000 (1 s). */
  initialBackoffMs: number;
  /** Multiplier applied per attempt, default 2 (doubling). */
  backoffFactor: number;
  /** Largest backoff delay, jitter included, default 60 000 (60 s). */
  maxBackoffMs: number;
  /**
   * Jitter ratio in [0, 1]: the delay is multiplied by a factor drawn uniformly from
   * [1 − jitter, 1 + jitter], then capped at `maxBackoffMs`. Default 0.2 (±20 %); 0 disables jitter.
   */
  jitter: number;
  /** Running this long without an exit resets the backoff attempt counter and the 409 series, default 60 000. */
  stableResetMs: number;
  /** Crash loop: more than this many unexpected exits within `crashWindowMs` → stopped `crash-loop`, default 5. */
  maxUnexpectedExits: number;
  /** The window of the crash-loop rule, default 60 000 (60 s). */
  crashWindowMs: number;
  /**
   * Crash loop, second rule: this many unexpected exits in a row, none after a run that reached
   * `stableResetMs`, → stopped `crash-loop`, default 10 (the PM2 `max_restarts`/`min_uptime` shape).
   */
  maxUnstableRuns: number;
  /** 409 exits are retried for this long since the first conflict of the series, default 90 000. */
  conflictWindowMs: number;
  /** Running without a fresh heartbeat for this long → kill and restart, default 30 000. */
  heartbeatTimeoutMs: number;
  /** Starting without CHILD.READY for this long → kill and retry, default 30 000. */
  startTimeoutMs: number;
  /** A child asked to stop gets this long to exit before SIGKILL, default 5000. */
  stopTimeoutMs: number;
  /** The supervisor waits this long for every tenant to stop at shutdown, then finishes anyway, default 15 000. */
  shutdownDeadlineMs: number;
  /**
   * A bot that trips a crash-loop rule while it shares a bot host is first moved to a host of its own
   * (`isolated`, reason `crash-loop`, counters reset) and stopped `crash-loop` only if it loops there too.
   * Default true; the runtime sets it false when every bot has a host of its own (botsPerHost = 1).
   */
  isolateOnCrashLoop: boolean;
}

/** The defaults, in one place. */
export const DEFAULT_RESTART_POLICY: Readonly<RestartPolicy> = Object.freeze({
  initialBackoffMs: 1_000,
  backoffFactor: 2,
  maxBackoffMs: 60_000,
  jitter: 0.2,
  stableResetMs: 60_000,
  maxUnexpectedExits: 5,
  crashWindowMs: 60_000,
  maxUnstableRuns: 10,
  conflictWindowMs: 90_000,
  heartbeatTimeoutMs: 30_000,
  startTimeoutMs: 30_000,
  stopTimeoutMs: 5_000,
  shutdownDeadlineMs: 15_000,
  isolateOnCrashLoop: true,
});

const DURATION_KEYS = [
  'initialBackoffMs',
  'maxBackoffMs',
  'stableResetMs',
  'crashWindowMs',
  'conflictWindowMs',
  'heartbeatTimeoutMs',
  'startTimeoutMs',
  'stopTimeoutMs',
  'shutdownDeadlineMs',
] as const satisfies ReadonlyArray<keyof RestartPolicy>;

/**
 * Checks a policy and returns it; throws an Error naming the field and the fix on nonsense
 * (negative or non-finite durations, a factor below 1, jitter outside [0, 1], max below initial,
 * isolateOnCrashLoop not a boolean).
 *
 * @example validateRestartPolicy({ ...DEFAULT_RESTART_POLICY, stopTimeoutMs: 10_000 })
 */
export function validateRestartPolicy(policy: RestartPolicy): RestartPolicy {
  const problems: string[] = [];
  for (const key of DURATION_KEYS) {
    const value = policy[key];
    if (!Number.isFinite(value) || value <= 0) {
      problems.push(`${key} must be a positive number of milliseconds (got ${String(value)})`);
    }
  }
  if (!Number.isFinite(policy.backoffFactor) || policy.backoffFactor < 1) {
    problems.push(`backoffFactor must be a number ≥ 1 (got ${String(policy.backoffFactor)})`);
  }
  if (!Number.isFinite(policy.jitter) || policy.jitter < 0 || policy.jitter > 1) {
    problems.push(
      `jitter must be a ratio between 0 and 1, e.g. 0.2 for ±20 % (got ${String(policy.jitter)})`,
    );
  }
  if (!Number.isInteger(policy.maxUnexpectedExits) || policy.maxUnexpectedExits < 0) {
    problems.push(`maxUnexpectedExits must be a whole number ≥ 0 (got ${String(policy.maxUnexpectedExits)})`);
  }
  if (!Number.isInteger(policy.maxUnstableRuns) || policy.maxUnstableRuns < 1) {
    problems.push(`maxUnstableRuns must be a whole number ≥ 1 (got ${String(policy.maxUnstableRuns)})`);
  }
  if (typeof policy.isolateOnCrashLoop !== 'boolean') {
    problems.push(`isolateOnCrashLoop must be true or false (got ${String(policy.isolateOnCrashLoop)})`);
  }
  if (policy.maxBackoffMs < policy.initialBackoffMs) {
    problems.push(
      `maxBackoffMs (${policy.maxBackoffMs}) must not be below initialBackoffMs (${policy.initialBackoffMs})`,
    );
  }
  if (problems.length > 0) {
    throw new Error(`invalid restart policy: ${problems.join('; ')}`);
  }
  return policy;
}

/** Merges overrides into the defaults and validates the result. */
export function resolveRestartPolicy(overrides: Partial<RestartPolicy> = {}): RestartPolicy {
  return validateRestartPolicy({ ...DEFAULT_RESTART_POLICY, ...overrides });
}

/**
 * Delay before restart number `attempt` (0 for the first restart of a series):
 * `initialBackoffMs × backoffFactor^attempt`, multiplied by the jitter factor `1 + jitter × (2 × random − 1)`,
 * capped at `maxBackoffMs`, rounded to whole milliseconds. Pure: the caller supplies the uniform sample.
 *
 * @param attempt restarts already made in this series, ≥ 0
 * @param random a uniform sample in [0, 1); 0.5 gives the un-jittered delay
 * @example backoffDelay(2, { ...DEFAULT_RESTART_POLICY, jitter: 0 }, 0.5) // 4000
 */
export function backoffDelay(attempt: number, policy: RestartPolicy, random: number): number {
  const exponent = Math.max(0, Math.floor(attempt));
  const base = Math.min(policy.maxBackoffMs, policy.initialBackoffMs * policy.backoffFactor ** exponent);
  const sample = Math.min(1, Math.max(0, random));
  const jittered = base * (1 + policy.jitter * (2 * sample - 1));
  return Math.round(Math.min(policy.maxBackoffMs, Math.max(0, jittered)));
}

/**
 * Next value of a small deterministic PRNG (mulberry32). The tenant machine keeps the state in its context so
 * jitter is reproducible in tests and different per tenant (seeded from the tenant id by default).
 *
 * @returns a uniform sample in [0, 1) and the next state
 */
export function nextRandom(state: number): { value: number; state: number } {
  const next = (state + 0x6d2b79f5) | 0;
  let t = next;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return { value: ((t ^ (t >>> 14)) >>> 0) / 4294967296, state: next };
}

/** A 32-bit seed from a string (FNV-1a), e.g. the tenant id. */
export function seedFrom(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash | 0;
}
