/**
 * The supervisor machine alone: unit tests of planReconcile, then model-based tests — shortest and bounded
 * simple paths from `xstate/graph` over snapshots of two tenants, operator restarts, two bot hosts (one that
 * exits when told, one that ignores STOP), shutdown in its two phases, TENANT.STOPPED, HOST.STOPPED, the
 * shutdown deadline and failing tenant and host machines, replayed with fake tenant and host actors and
 * checked against an independent oracle (supervisor-model.ts). The last test checks coverage of every state
 * node and transition of the supervisor definition. Each set of replays runs once, for whichever test asks
 * first (once.ts), and the coverage test asks for all of them, so the tests run in any order, or alone.
 */

import { describe, expect, it } from 'vitest';
import { getAdjacencyMap, getShortestPaths, getSimplePaths, type TraversalOptions } from 'xstate/graph';
import type { HostTimers } from '../../machines/host.ts';
import { DEFAULT_PLACEMENT_POLICY } from '../../machines/placement.ts';
import { DEFAULT_RESTART_POLICY } from '../../machines/policy.ts';
import {
  planReconcile,
  type SupervisorEvent,
  supervisorMachine,
  type TenantConfig,
} from '../../machines/supervisor.ts';
import { enumerateMachine } from './harness.ts';
import { once } from './once.ts';
import { transitionKeyOf } from './supervisor-harness.ts';
import {
  type ModelConfig,
  type ModelEvent,
  type ModelState,
  modelEvents,
  modelLogic,
  modelStep,
  type Path,
  replaySupervisorPath,
  STUBBORN,
  serializeModel,
} from './supervisor-model.ts';
import { withoutPrefixes } from './tenant-replay.ts';

describe('planReconcile', () => {
  const cfg = (tenantId: string, configHash: string): TenantConfig => ({
    tenantId,
    tenantName: `T ${tenantId}`,
    configHash,
  });

  it('spawns new tenants, changes changed hashes, removes missing ones, leaves the rest', () => {
    const known = {
      a: { tenantName: 'T a', configHash: 'h1' },
      b: { tenantName: 'T b', configHash: 'h1' },
      c: { tenantName: 'T c', configHash: 'h1' },
      d: { tenantName: 'T d', configHash: null },
    };
    const plan = planReconcile(known, [cfg('a', 'h1'), cfg('b', 'h2'), cfg('d', 'h1'), cfg('e', 'h1')]);
    expect(plan.spawn.map((c) => c.tenantId)).toEqual(['e']);
    expect(plan.change.map((c) => [c.tenantId, c.configHash])).toEqual([
      ['b', 'h2'],
      ['d', 'h1'],
    ]);
    expect(plan.reenabled).toBe(1);
    expect(plan.remove).toEqual(['c']);
    expect(plan.tenants).toEqual({
      a: { tenantName: 'T a', configHash: 'h1' },
      b: { tenantName: 'T b', configHash: 'h2' },
      c: { tenantName: 'T c', configHash: null },
      d: { tenantName: 'T d', configHash: 'h1' },
      e: { tenantName: 'T e', configHash: 'h1' },
    });
  });

  it('keeps the last config of a duplicated tenant and never removes an already removed one', () => {
    const plan = planReconcile({ x: { tenantName: 'x', configHash: null } }, [
      cfg('a', 'h1'),
      cfg('a', 'h2'),
    ]);
    expect(plan.spawn).toEqual([cfg('a', 'h2')]);
    expect(plan.remove).toEqual([]);
  });
});

// ---- model ----------------------------------------------------------------------------------------------

const TIMERS: HostTimers = {
  silentHostMs: DEFAULT_PLACEMENT_POLICY.silentHostMs,
  hostStartTimeoutMs: DEFAULT_PLACEMENT_POLICY.hostStartTimeoutMs,
  hostStopTimeoutMs: DEFAULT_PLACEMENT_POLICY.hostStopTimeoutMs,
};
const CONFIG: ModelConfig = { policy: DEFAULT_RESTART_POLICY, hostTimers: TIMERS };
/** A stop timeout longer than the shutdown deadline: the deadline ends the shutdown with the host still up. */
const SLOW_KILL: ModelConfig = { ...CONFIG, hostTimers: { ...TIMERS, hostStopTimeoutMs: 20_000 } };

const coverage = { nodes: new Set<string>(), transitions: new Set<string>() };

type Options = TraversalOptions<ModelState, ModelEvent, undefined>;
function options(config: ModelConfig, extra: Partial<Options> = {}): Options {
  return { events: (s) => modelEvents(s, config), serializeState: serializeModel, ...extra };
}
const replay = (path: Path, config: ModelConfig = CONFIG) => replaySupervisorPath(path, config, coverage);

/** Walks the model by picking events (each must be offered), then replays the walk. */
function walk(config: ModelConfig, picks: Array<(e: ModelEvent) => boolean>) {
  let state = (modelLogic(config).getInitialSnapshot as () => ModelState)();
  const steps: Path['steps'] = [{ state, event: { type: 'xstate.init' } as never }];
  for (const pick of picks) {
    const event = modelEvents(state, config).find(pick);
    if (!event) throw new Error(`the model offers no such event in ${serializeModel(state)}`);
    state = modelStep(state, event, config);
    steps.push({ state, event });
  }
  return replay({ state, weight: steps.length, steps }, config);
}
const is =
  (type: string, fields: Record<string, unknown> = {}) =>
  (e: ModelEvent) =>
    e.type === type &&
    Object.entries(fields).every(([k, v]) => JSON.stringify((e as never)[k]) === JSON.stringify(v));
const twoTenants = (e: ModelEvent) =>
  e.type === 'CONFIG.SNAPSHOT' && e.configs.map((c) => c.configHash).join() === 'h1,h1';
const OPEN_BOTH = [
  is('HOST.OPEN', { hostId: 'h1' }),
  is('HOST.OPEN', { hostId: 'h2' }),
  twoTenants,
  is('SHUTDOWN'),
];

/** Shortest paths to every abstract state, replayed. */
const shortestPaths = once(() => {
  const paths = getShortestPaths(modelLogic(CONFIG), options(CONFIG)) as Path[];
  for (const path of withoutPrefixes(paths)) replay(path);
  return paths;
});

/** Every simple path through the shutdown from a state with two tenants and two hosts, replayed. */
const shutdownPaths = once(() => {
  const start = getShortestPaths(modelLogic(CONFIG), {
    ...options(CONFIG),
    toState: (s: ModelState) =>
      s.sup.matches('supervising') &&
      Object.values(s.sup.context.tenants).filter((t) => t.configHash).length === 2 &&
      Object.keys(s.env.hosts).length === 2 &&
      Object.values(s.env.hosts).every((h) => h.closedAt === null && !h.killed),
  })[0] as Path | undefined;
  if (!start) throw new Error('no state with two tenants and two hosts');
  const ended = (s: ModelState) => s.status !== 'active';
  const paths = getSimplePaths(modelLogic(CONFIG), {
    ...options(CONFIG, { fromState: start.state }),
    stopWhen: ended,
    toState: ended,
    // after the SHUTDOWN: everything that can still happen but the failures (the shortest paths have them)
    events: (s: ModelState) =>
      modelEvents(s, CONFIG).filter((e) =>
        s.sup.matches('shuttingDown') ? !e.type.startsWith('xstate.error.') : e.type === 'SHUTDOWN',
      ),
  }) as Path[];
  for (const path of paths) replay({ ...path, steps: [...start.steps, ...path.steps.slice(1)] });
  return paths;
});

const shutdownWalks = once(() => ({
  oneStopped: walk(CONFIG, [...OPEN_BOTH, is('TENANT.STOPPED', { tenantId: 'a' })]),
  done: walk(CONFIG, [
    ...OPEN_BOTH,
    is('TENANT.STOPPED', { tenantId: 'a' }),
    is('TENANT.STOPPED', { tenantId: 'b' }),
    is('HOST.STOPPED', { hostId: 'h1' }),
    is('ENV.STOP_TIMEOUT'),
  ]),
}));

const closeAfterQuietTime = once(() =>
  walk(CONFIG, [
    is('HOST.OPEN', { hostId: 'h1' }),
    is('HOST.OPEN', { hostId: 'h2' }),
    twoTenants,
    is('HOST.CLOSE', { hostId: 'h2' }),
    is('ENV.STOP_TIMEOUT'), // 5 s pass without a snapshot
    is('SHUTDOWN'),
    is('TENANT.STOPPED', { tenantId: 'a' }),
    is('TENANT.STOPPED', { tenantId: 'b' }),
  ]),
);

const pastTheDeadline = once(() =>
  walk(SLOW_KILL, [
    ...OPEN_BOTH,
    is('TENANT.STOPPED', { tenantId: 'a' }),
    is('TENANT.STOPPED', { tenantId: 'b' }),
    is('HOST.STOPPED', { hostId: 'h1' }),
    is('xstate.after.shutdownDeadline.supervisor.shuttingDown'),
  ]),
);

const failingHost = once(() =>
  walk(CONFIG, [
    is('HOST.OPEN', { hostId: 'h1' }),
    is('HOST.OPEN', { hostId: 'h2' }),
    twoTenants,
    is('xstate.error.actor.host-h1'),
    is('HOST.OPEN', { hostId: 'h1' }), // the same id may be opened again
    is('xstate.error.actor.host-h1'),
    is('SHUTDOWN'),
    is('TENANT.STOPPED', { tenantId: 'a' }),
    is('TENANT.STOPPED', { tenantId: 'b' }),
    is('HOST.KILL', { hostId: 'h2' }),
    is('HOST.STOPPED', { hostId: 'h2' }),
  ]),
);

/** After every other replay: one path per transition still missing (shortest path + its edge). */
const missingTransitions = once(() => {
  for (const replays of [
    shortestPaths,
    shutdownPaths,
    shutdownWalks,
    closeAfterQuietTime,
    pastTheDeadline,
    failingHost,
  ])
    replays();
  for (const config of [CONFIG, SLOW_KILL]) {
    const logic = modelLogic(config);
    const shortest = new Map(
      (getShortestPaths(logic, options(config)) as Path[]).map((p) => [serializeModel(p.state), p]),
    );
    for (const [key, { state, transitions }] of Object.entries(getAdjacencyMap(logic, options(config)))) {
      const edges = Object.values(transitions) as Array<{ event: ModelEvent; state: ModelState }>;
      for (const { event, state: next } of edges) {
        const supEvent =
          event.type === 'ENV.STOP_TIMEOUT'
            ? ({ type: 'HOST.STOPPED', hostId: event.hostId, at: 0 } as const)
            : event;
        const taken = supervisorMachine
          .getTransitionData((state as ModelState).sup, supEvent as SupervisorEvent)
          .map(transitionKeyOf);
        if (taken.every((k) => coverage.transitions.has(k))) continue;
        const base = shortest.get(key);
        if (!base) throw new Error(`no shortest path to ${key}`);
        replay(
          { state: next, weight: base.weight + 1, steps: [...base.steps, { event, state: next }] },
          config,
        );
      }
    }
  }
});

describe('supervisor machine, model-based', () => {
  it('shortest paths to every abstract state replay with fake tenants and hosts', () => {
    const paths = shortestPaths();
    expect(paths.length).toBeGreaterThan(500);
    expect(paths.some((p) => p.state.status === 'done')).toBe(true);
    expect(paths.some((p) => p.state.sup.matches({ shuttingDown: 'hosts' }))).toBe(true);
  }, 120_000);

  it('bounded simple paths through the shutdown of two tenants and two hosts (one ignoring STOP)', () => {
    const paths = shutdownPaths();
    expect(paths.length).toBeGreaterThanOrEqual(20);
    expect(paths.length).toBeLessThan(20_000);
  }, 120_000);

  it('shutdown: no HOST.CLOSE until every tenant has stopped, then every host; a host ignoring STOP is waited for', () => {
    const { oneStopped: h, done } = shutdownWalks();
    expect(h.hosts.map((x) => x.received)).toEqual([[], []]);
    expect(done.hosts.map((x) => x.received.map((e) => [e.type, e.at]))).toEqual([
      [['HOST.CLOSE', 0]],
      [['HOST.CLOSE', 0]],
    ]);
    expect(done.actor.getSnapshot().status).toBe('done');
    expect(done.clock.now()).toBe(TIMERS.hostStopTimeoutMs); // h2 exited only when its machine killed it
    expect(done.logs.map((l) => l.event)).toEqual(['shutting-down', 'shutdown-complete']);
  });

  it('shutdown: the HOST.CLOSE of the shutdown carries the time of the SHUTDOWN, not that of the last snapshot', () => {
    const h = closeAfterQuietTime();
    expect(h.host('h1')?.received).toEqual([{ type: 'HOST.CLOSE', at: TIMERS.hostStopTimeoutMs }]);
  });

  it('shutdown: a host that ignores STOP longer than the deadline is left to the deadline', () => {
    const h = pastTheDeadline();
    expect(h.clock.now()).toBe(DEFAULT_RESTART_POLICY.shutdownDeadlineMs);
    expect(h.logs.at(-1)).toEqual({ event: 'shutdown-deadline', tenantIds: [], hostIds: [STUBBORN] });
    expect(h.host(STUBBORN)?.released).toBe(true);
  });

  it('a failing host machine is dropped alone; the shutdown then waits only for the others', () => {
    const h = failingHost();
    expect(h.actor.getSnapshot().status).toBe('done');
    expect(h.hosts.map((x) => [x.input.hostId, x.received.map((e) => e.type)])).toEqual([
      ['h1', []],
      ['h2', ['HOST.CLOSE', 'HOST.KILL']],
      ['h1', []],
    ]);
  });

  it('adds a path for every transition still missing (e.g. targetless ones): shortest path + its edge', () => {
    missingTransitions();
  }, 300_000);

  it('the replays covered every state node and every transition of the supervisor', () => {
    missingTransitions();
    const all = enumerateMachine(supervisorMachine.root);
    expect(
      [...all.nodes].filter((n) => !coverage.nodes.has(n)),
      'state nodes',
    ).toEqual([]);
    expect(
      [...all.transitions].filter((t) => !coverage.transitions.has(t)),
      'transitions',
    ).toEqual([]);
  }, 300_000);
});
