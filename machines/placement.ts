/**
 * Placement and isolation of bots in bot hosts, as data: one default constant, one validator, and the pure
 * choice of a host for a bot.
 *
 * A bot host is a child process of the supervisor that runs many tenants' bots side by side (src/host/).
 * The rules, as the runtime (src/supervisor/hosts.ts) and the host process apply them:
 * - bots share `sharedHosts` hosts (default: one per CPU core), spread by load: a bot goes to the shared
 *   host with the fewest bots; a new shared host is opened while fewer than `sharedHosts` exist;
 * - a host holds at most `botsPerHost` bots; when every shared host is full another one is opened (an
 *   overflow host, closed again once it is empty). `botsPerHost: 1` gives every bot a process of its own,
 *   the way the platform ran before bot hosts;
 * - quarantine: a bot that blocks its host's event loop for `blockedLoopMs` or more in one stretch (the
 *   host measures each callback of a bot's work and attributes it to that bot), or that is the likeliest
 *   cause when its host goes over `memoryBudgetMb` of resident memory (the bot with the most updates in
 *   flight, then the most updates in the last interval), is stopped by its host with fatal `quarantine`;
 *   its tenant machine restarts it at once in a dedicated host and shows it `isolated` with the reason. A
 *   bot that trips a crash-loop rule while sharing a host is isolated too (RestartPolicy.isolateOnCrashLoop);
 * - dedicated hosts (isolated bots, and every bot when `botsPerHost` is 1) are used once: the host is
 *   closed when its bot exits, and `spareHosts` hosts are kept started and idle so that such a start does
 *   not wait for a Node.js start-up;
 * - a host whose process ends, for whatever reason (crash, OOM, SIGKILL, or killed for being silent longer
 *   than `silentHostMs`), takes its bots with it: each of their tenant machines gets its exit event and
 *   restarts under the restart policy, in another host.
 *
 * Compared with Erlang/OTP and PM2: an OTP node runs every process in one VM and relies on per-process
 * heaps and preemptive scheduling for isolation, which a Node.js event loop does not have; PM2 runs one
 * process per app (like `botsPerHost: 1`). Bot hosts sit between: shared processes for density, and a
 * process of its own for any bot that proves it harms its neighbours.
 */

/** Every number that shapes placement and quarantine. Durations in milliseconds. */
export interface PlacementPolicy {
  /** Shared hosts the bots are spread over; default 0 = one per CPU core (resolved by the runtime). */
  sharedHosts: number;
  /** Most bots in one host, default 1000; 1 = a process per bot. */
  botsPerHost: number;
  /** Idle hosts kept started for dedicated placements, default 1. */
  spareHosts: number;
  /** A bot whose work holds its shared host's event loop this long in one stretch is isolated, default 1000. */
  blockedLoopMs: number;
  /** Resident memory budget of one shared host in MiB, default 1536; over it, the likeliest bot is isolated. */
  memoryBudgetMb: number;
  /** Most connections of one host's PostgreSQL pool, default 8 (a pool per host, never per bot). */
  poolMax: number;
  /** A host reports every this often (heartbeat with every bot's polling), default 2000. */
  hostHeartbeatMs: number;
  /** A host silent this long (no heartbeat: frozen, stopped) is killed, default 15 000. */
  silentHostMs: number;
  /** A starting host not ready after this long is killed, default 30 000. */
  hostStartTimeoutMs: number;
  /** A host asked to stop gets this long before SIGKILL, default 5000. */
  hostStopTimeoutMs: number;
  /** A bot asked to stop at once (KILL) that its host has not reported gone after this long: the host is killed, default 3000. */
  killGraceMs: number;
}

/** The defaults, in one place. */
export const DEFAULT_PLACEMENT_POLICY: Readonly<PlacementPolicy> = Object.freeze({
  sharedHosts: 0,
  botsPerHost: 1000,
  spareHosts: 1,
  blockedLoopMs: 1000,
  memoryBudgetMb: 1536,
  poolMax: 8,
  hostHeartbeatMs: 2000,
  silentHostMs: 15_000,
  hostStartTimeoutMs: 30_000,
  hostStopTimeoutMs: 5000,
  killGraceMs: 3000,
});

const WHOLE_KEYS = ['sharedHosts', 'spareHosts'] as const satisfies ReadonlyArray<keyof PlacementPolicy>;
const POSITIVE_KEYS = [
  'botsPerHost',
  'blockedLoopMs',
  'memoryBudgetMb',
  'poolMax',
  'hostHeartbeatMs',
  'silentHostMs',
  'hostStartTimeoutMs',
  'hostStopTimeoutMs',
  'killGraceMs',
] as const satisfies ReadonlyArray<keyof PlacementPolicy>;

/**
 * Checks a placement policy and returns it.
 * @throws Error naming each wrong field and what it must be (whole numbers ≥ 0 / > 0; the silence window
 *   longer than two heartbeats)
 */
export function validatePlacementPolicy(policy: PlacementPolicy): PlacementPolicy {
  const problems: string[] = [];
  for (const key of WHOLE_KEYS) {
    if (!Number.isInteger(policy[key]) || policy[key] < 0)
      problems.push(`${key} must be a whole number ≥ 0 (got ${String(policy[key])})`);
  }
  for (const key of POSITIVE_KEYS) {
    if (!Number.isInteger(policy[key]) || policy[key] < 1)
      problems.push(`${key} must be a whole number ≥ 1 (got ${String(policy[key])})`);
  }
  if (policy.silentHostMs < 2 * policy.hostHeartbeatMs)
    problems.push(
      `silentHostMs (${policy.silentHostMs}) must be at least two heartbeats (2 × hostHeartbeatMs = ${2 * policy.hostHeartbeatMs})`,
    );
  if (problems.length > 0) throw new Error(`invalid placement policy: ${problems.join('; ')}`);
  return policy;
}

/** Shared hosts to keep: `sharedHosts`, or one per CPU core (`cores`, at least 1) when it is 0. */
export function sharedHostCount(policy: Pick<PlacementPolicy, 'sharedHosts'>, cores: number): number {
  return policy.sharedHosts > 0 ? policy.sharedHosts : Math.max(1, cores);
}

/** Merges overrides into the defaults and validates the result. */
export function resolvePlacementPolicy(overrides: Partial<PlacementPolicy> = {}): PlacementPolicy {
  return validatePlacementPolicy({ ...DEFAULT_PLACEMENT_POLICY, ...overrides });
}

/** `shared`: bots side by side; `dedicated`: one bot (isolated, or botsPerHost 1), closed after it. */
export type HostKind = 'shared' | 'dedicated';

/** What placement needs to know of a live host. */
export interface HostView {
  hostId: string;
  kind: HostKind;
  /** Bots placed in it (running or starting). */
  bots: number;
  /** A dedicated host with no bot yet: a spare. */
  spare: boolean;
}

/** Where a bot goes: an existing host, or a new one of a kind. */
export type Placement = { use: string } | { open: HostKind };

/**
 * Chooses the host for one bot. Pure.
 * - isolated, or `botsPerHost` 1 → a spare dedicated host, else open a dedicated one;
 * - otherwise → open a shared host while fewer than `sharedHosts` exist, else the shared host with the
 *   fewest bots that has room (ties: the first in `hosts` order), else open an overflow shared host.
 * @param sharedHosts the resolved number of shared hosts (policy.sharedHosts, 0 resolved to the cores)
 */
export function placeBot(
  hosts: readonly HostView[],
  request: { isolated: boolean },
  policy: Pick<PlacementPolicy, 'botsPerHost'> & { sharedHosts: number },
): Placement {
  if (request.isolated || policy.botsPerHost === 1) {
    const spare = hosts.find((h) => h.kind === 'dedicated' && h.spare && h.bots === 0);
    return spare ? { use: spare.hostId } : { open: 'dedicated' };
  }
  const shared = hosts.filter((h) => h.kind === 'shared');
  if (shared.length < Math.max(1, policy.sharedHosts)) return { open: 'shared' };
  let best: HostView | undefined;
  for (const host of shared) {
    if (host.bots >= policy.botsPerHost) continue;
    if (!best || host.bots < best.bots) best = host;
  }
  return best ? { use: best.hostId } : { open: 'shared' };
}
