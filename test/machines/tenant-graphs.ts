/**
 * The graphs of the tenant machine's model-based tests (tenant.model.test.ts): the small and real policies,
 * the traversal options of a model (tenant-model.ts), the three models' graphs (shortest paths and adjacency,
 * computed once each), and the replay of a set of paths into the shared coverage sets.
 */
import { type AdjacencyMap, getAdjacencyMap, getShortestPaths, type TraversalOptions } from 'xstate/graph';
import { DEFAULT_RESTART_POLICY, type RestartPolicy, validateRestartPolicy } from '../../machines/policy.ts';
import { type TenantEvent, type TenantInput, tenantMachine } from '../../machines/tenant.ts';
import {
  CONFIG_MODEL,
  EXIT_401,
  EXIT_409,
  EXIT_CRASH,
  EXIT_QUARANTINE,
  FULL_MODEL,
  type ModelOptions,
  modelEvents,
  SPAWN_REQUEST_AT,
  serializeTenant,
  type TenantSnapshot,
} from './tenant-model.ts';
import { replayTenantPath, type TenantPath, withoutPrefixes } from './tenant-replay.ts';

/**
 * Same rules, smaller numbers, so the graphs stay small (a few thousand abstract states): more than 2 exits in
 * 10 s or 3 exits in a row without 12 s of stable running is a crash loop, 409s are retried for 6 s, backoff
 * 1-4 s, heartbeat 4 s, start 3 s, stop 2 s. The main graph runs it with a host per bot (no isolation first),
 * the isolation graph with the default (`isolateOnCrashLoop`).
 */
export const SMALL_POLICY: RestartPolicy = validateRestartPolicy({
  ...DEFAULT_RESTART_POLICY,
  jitter: 0,
  initialBackoffMs: 1_000,
  maxBackoffMs: 4_000,
  stableResetMs: 12_000,
  maxUnexpectedExits: 2,
  crashWindowMs: 10_000,
  maxUnstableRuns: 3,
  conflictWindowMs: 6_000,
  heartbeatTimeoutMs: 4_000,
  startTimeoutMs: 3_000,
  stopTimeoutMs: 2_000,
});
export const SMALL_PER_BOT: RestartPolicy = { ...SMALL_POLICY, isolateOnCrashLoop: false };
export const REAL_POLICY: RestartPolicy = { ...DEFAULT_RESTART_POLICY, jitter: 0 };
/** The real numbers with a host per bot (botsPerHost 1): a crash loop stops at once, no isolation first. */
export const PER_BOT_POLICY: RestartPolicy = { ...REAL_POLICY, isolateOnCrashLoop: false };

/** Every state node and transition the replays of a test file went through (its last tests check them). */
export const coverage = { nodes: new Set<string>(), transitions: new Set<string>() };

export type Options = TraversalOptions<TenantSnapshot, TenantEvent, TenantInput>;

/** The traversal options of `model` from a fresh tenant (with `configHash`, or none: idle). */
export function traversal(
  policy: RestartPolicy,
  configHash: string | null,
  model: ModelOptions,
  extra: Partial<Options> = {},
  extraInput: Partial<TenantInput> = {},
): Options {
  return {
    input: {
      tenantId: 't1',
      tenantName: 'Tenant One',
      configHash,
      policy,
      at: 0,
      restartRequestedAt: SPAWN_REQUEST_AT,
      ...extraInput,
    },
    // the model adds timer events (`xstate.after.*`) to the machine's own event type
    events: (snapshot) => modelEvents(snapshot, model) as TenantEvent[],
    serializeState: (snapshot) => serializeTenant(snapshot),
    ...extra,
  };
}

/** Replays every path that is no prefix of another; returns how many. */
export function replayAll(paths: TenantPath[], policy: RestartPolicy, configHash: string | null): number {
  const unique = withoutPrefixes(paths);
  for (const path of unique) replayTenantPath(path, { policy, configHash, coverage });
  return unique.length;
}

export interface Graph {
  policy: RestartPolicy;
  paths: TenantPath[];
  adjacency: AdjacencyMap<TenantSnapshot, TenantEvent>;
}
const graphs = new Map<string, Graph>();
/** The shortest paths and the adjacency map of a model, computed once per name. */
export function graphOf(name: string, policy: RestartPolicy, model: ModelOptions): Graph {
  let graph = graphs.get(name);
  if (!graph) {
    const options = traversal(policy, 'A', model);
    graph = {
      policy,
      paths: getShortestPaths(tenantMachine, options) as TenantPath[],
      adjacency: getAdjacencyMap(tenantMachine, options),
    };
    graphs.set(name, graph);
  }
  return graph;
}

/**
 * The main model: the small policy with a host per bot, every kind of event (an exit with fatal `other` acts
 * like a plain crash).
 */
export const main = () =>
  graphOf('main', SMALL_PER_BOT, { ...FULL_MODEL, exits: [EXIT_CRASH, EXIT_401, EXIT_409] });
/**
 * The isolation model: the small policy as shared hosts run it (isolate on a crash loop), quarantine exits
 * besides crashes and 401s. Isolation changes nothing about 409s and degraded polling (their guards do not
 * read it), so they are left to the main model to keep this graph small.
 */
export const isolation = () =>
  graphOf('isolation', SMALL_POLICY, { ...FULL_MODEL, exits: [EXIT_CRASH, EXIT_401, EXIT_QUARANTINE] });

/** The config events model (tenant-model.ts, CONFIG_MODEL) with the small policy and a host per bot. */
export const configEvents = () => graphOf('config', SMALL_PER_BOT, CONFIG_MODEL);
