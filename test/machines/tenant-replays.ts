/**
 * The replays of the tenant machine's model-based tests (tenant.model.test.ts), one set per test, each
 * wrapped in `once` (once.ts): a set runs the first time any test asks for it and adds to the shared
 * coverage (tenant-graphs.ts); the tests assert on what the sets return. The sets that look for what is
 * still missing first ask for every set that came before them in the file, so the tests run in any order.
 */
import { initialTransition, transition } from 'xstate';
import { getShortestPaths, getSimplePaths } from 'xstate/graph';
import type { RestartPolicy } from '../../machines/policy.ts';
import { type TenantEvent, type TenantInput, tenantMachine } from '../../machines/tenant.ts';
import type { TenantHarness } from './harness.ts';
import { transitionKey } from './harness.ts';
import { once } from './once.ts';
import {
  configEvents,
  coverage,
  isolation,
  main,
  PER_BOT_POLICY,
  REAL_POLICY,
  replayAll,
  SMALL_PER_BOT,
  SMALL_POLICY,
  traversal,
} from './tenant-graphs.ts';
import {
  CONFIG_MODEL,
  EXIT_409,
  EXIT_CLEAN,
  EXIT_CRASH,
  FULL_MODEL,
  type ModelEvent,
  type ModelOptions,
  modelEvents,
  serializeTenant,
  type TenantSnapshot,
  UNUSABLE,
} from './tenant-model.ts';
import { isolationBehaviour, isolationSeen, replayTenantPath, type TenantPath } from './tenant-replay.ts';

/**
 * Walks the model (every event taken from `modelEvents`, every step computed by the pure `transition`) along
 * `run` again and again until the tenant stops, then replays that path on the real actor.
 */
function replayWalk(
  policy: RestartPolicy,
  run: (take: (pick: (e: ModelEvent) => boolean) => void, state: () => TenantSnapshot) => void,
): TenantHarness {
  const input: TenantInput = { tenantId: 't1', tenantName: 'Tenant One', configHash: 'A', policy, at: 0 };
  const model: ModelOptions = { hashes: [], operator: false, heartbeats: true, exits: [EXIT_CRASH] };
  let [state] = initialTransition(tenantMachine, input);
  const steps: TenantPath['steps'] = [{ state, event: { type: 'xstate.init' } as never }];
  const take = (pick: (e: ModelEvent) => boolean) => {
    const event = modelEvents(state, model).find(pick);
    if (!event) throw new Error(`the model offers no such event in ${JSON.stringify(state.value)}`);
    [state] = transition(tenantMachine, state, event as TenantEvent);
    steps.push({ state, event });
  };
  for (let i = 0; i < 60 && !state.matches('stopped'); i++) run(take, () => state);
  if (!state.matches('stopped')) throw new Error('the walk did not stop the tenant');
  return replayTenantPath({ state, weight: steps.length, steps }, { policy, configHash: 'A', coverage });
}

/** "ready, two time-advancing heartbeats, crash, backoff timer": a bot killed 40 s after every start. */
const replayKilledEachStart = (policy: RestartPolicy) =>
  replayWalk(policy, (take, state) => {
    take((e) => e.type === 'CHILD.READY');
    take((e) => e.type === 'CHILD.HEARTBEAT' && 'gapMs' in e);
    take((e) => e.type === 'CHILD.HEARTBEAT' && 'gapMs' in e);
    take((e) => e.type === 'CHILD.EXIT');
    if (state().matches('restarting')) take((e) => e.type.startsWith('xstate.after.'));
  });

/** "crash at once, backoff timer": a bot that dies as it starts. */
const replayCrashEachStart = (policy: RestartPolicy) =>
  replayWalk(policy, (take, state) => {
    take((e) => e.type === 'CHILD.EXIT');
    if (state().matches('restarting')) take((e) => e.type.startsWith('xstate.after.'));
  });

/** The main model's shortest paths, replayed; how many were. */
export const mainReplays = once(() => {
  const { paths, policy } = main();
  return replayAll(paths, policy, 'A');
});

/** The isolation model's shortest paths, replayed; how many were. */
export const isolationReplays = once(() => {
  const { paths, policy } = isolation();
  return replayAll(paths, policy, 'A');
});

/** Shortest paths from idle (no config yet, or one that cannot start), replayed. */
export const fromIdle = once(() => {
  const paths = getShortestPaths(
    tenantMachine,
    traversal(
      SMALL_POLICY,
      null,
      { ...FULL_MODEL, unusable: ['token-unreadable'] },
      { stopWhen: (s) => !s.matches('idle') },
    ),
  ) as TenantPath[];
  replayAll(paths, SMALL_POLICY, null);
  return paths;
});

/** The config events model's shortest paths, replayed; how many were. */
export const configEventReplays = once(() => {
  const { paths, policy } = configEvents();
  return replayAll(paths, policy, 'A');
});

/** Shortest paths from a tenant spawned with a config that can never start, replayed. */
export const fromUnusable = once(() => {
  const paths = getShortestPaths(
    tenantMachine,
    traversal(
      SMALL_PER_BOT,
      null,
      CONFIG_MODEL,
      { stopWhen: (s) => !s.matches('stopped') },
      { unusable: UNUSABLE['invalid-token'] },
    ),
  ) as TenantPath[];
  replayAll(paths, SMALL_PER_BOT, null);
  return paths;
});

/** The real numbers: shortest paths with crashes and 409s, and walks that crash or are killed at each start. */
export const realNumbers = once(() => {
  const model: ModelOptions = {
    hashes: [],
    operator: false,
    heartbeats: false,
    exits: [EXIT_CRASH, EXIT_409],
  };
  const paths = getShortestPaths(tenantMachine, traversal(PER_BOT_POLICY, 'A', model)) as TenantPath[];
  replayAll(paths, PER_BOT_POLICY, 'A');
  const replayTo = (reason: string) => {
    const path = paths.find((p) => p.state.context.stoppedReason === reason);
    if (!path) throw new Error(`no path to stopped ${reason}`);
    return replayTenantPath(path, { policy: PER_BOT_POLICY, configHash: 'A', coverage });
  };
  return {
    crashLoop: replayTo('crash-loop'),
    isolatedLoop: replayCrashEachStart(REAL_POLICY),
    killedEachStart: replayKilledEachStart(PER_BOT_POLICY),
    isolatedEachStart: replayKilledEachStart(REAL_POLICY),
    conflict: replayTo('token-conflict'),
  };
});

/** Every simple path of commands while a running child is stopped, replayed; how many there were. */
export const stopInterleavings = once(() => {
  const input: TenantInput = {
    tenantId: 't1',
    tenantName: 'Tenant One',
    configHash: 'A',
    policy: REAL_POLICY,
    at: 0,
  };
  const [initial] = initialTransition(tenantMachine, input);
  const ready: TenantEvent = { type: 'CHILD.READY', pid: 4242, botUsername: 'lottery_bot', at: 0 };
  const [running] = transition(tenantMachine, initial, ready);
  const settled = (s: TenantSnapshot) =>
    s.status !== 'active' ||
    s.matches('starting') ||
    s.matches({ stopped: 'halted' }) ||
    s.matches({ restarting: 'backoff' });
  // a new restart request acts as TENANT.RESTART here: offered, it would only double the interleavings
  const model: ModelOptions = {
    ...FULL_MODEL,
    heartbeats: false,
    exits: [EXIT_CLEAN],
    restartRequests: false,
  };
  const paths = getSimplePaths(
    tenantMachine,
    traversal(REAL_POLICY, 'A', model, { fromState: running, stopWhen: settled, toState: settled }),
  ) as TenantPath[];
  for (const path of paths) {
    const [, ...rest] = path.steps;
    const full: TenantPath = {
      ...path,
      steps: [
        { state: initial, event: { type: 'xstate.init' } as never },
        { state: running, event: ready },
        ...rest,
      ],
    };
    replayTenantPath(full, { policy: REAL_POLICY, configHash: 'A', coverage });
  }
  return paths.length;
});

/**
 * After the sets above: one path per transition or isolation behaviour still missing (the shortest path to
 * its state + its edge); how many were added.
 */
export const missingPaths = once(() => {
  for (const replays of [
    mainReplays,
    isolationReplays,
    fromIdle,
    configEventReplays,
    fromUnusable,
    realNumbers,
    stopInterleavings,
  ])
    replays();
  let added = 0;
  for (const { adjacency, paths, policy } of [main(), isolation(), configEvents()]) {
    const shortest = new Map(paths.map((p) => [serializeTenant(p.state), p]));
    for (const [key, { state, transitions }] of Object.entries(adjacency)) {
      const edges = Object.values(transitions) as Array<{ event: TenantEvent; state: TenantSnapshot }>;
      for (const { event, state: next } of edges) {
        const taken = tenantMachine.getTransitionData(state, event).map(transitionKey);
        const behaviour = isolationBehaviour(state, event, next);
        if (taken.every((k) => coverage.transitions.has(k)) && (!behaviour || isolationSeen.has(behaviour)))
          continue;
        const base = shortest.get(key);
        if (!base) throw new Error(`no shortest path to ${key}`);
        const path: TenantPath = {
          state: next,
          weight: base.weight + 1,
          steps: [...base.steps, { event, state: next }],
        };
        replayTenantPath(path, { policy, configHash: 'A', coverage });
        added++;
      }
    }
  }
  return added;
});

/**
 * Every config event from every state of the config events model, ignored ones included (the shortest path
 * to the state + the event), replayed; how many, and how many live states there are.
 */
export const configEventEdges = once(() => {
  const { adjacency, paths, policy } = configEvents();
  const shortest = new Map(paths.map((p) => [serializeTenant(p.state), p]));
  const configEvent = (e: TenantEvent) =>
    e.type === 'CONFIG.RESTART_REQUESTED' || e.type === 'CONFIG.UNUSABLE';
  let replayed = 0;
  for (const [key, { transitions }] of Object.entries(adjacency)) {
    const base = shortest.get(key);
    if (!base) throw new Error(`no shortest path to ${key}`);
    const edges = Object.values(transitions) as Array<{ event: TenantEvent; state: TenantSnapshot }>;
    for (const { event, state: next } of edges.filter((e) => configEvent(e.event))) {
      const steps = [...base.steps, { event, state: next }];
      replayTenantPath({ state: next, weight: steps.length, steps }, { policy, configHash: 'A', coverage });
      replayed++;
    }
  }
  const live = Object.values(adjacency).filter((v) => v.state.status === 'active').length;
  return { replayed, live };
});

/** Every set of replays of the file (what the coverage tests look at). */
export function allReplays(): void {
  missingPaths();
  configEventEdges();
}
