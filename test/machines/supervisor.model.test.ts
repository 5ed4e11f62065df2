/**
 * The supervisor machine alone: unit tests of planReconcile, then model-based tests — shortest and bounded
 * simple paths from `xstate/graph` over snapshots of two tenants, operator restarts, shutdown, TENANT.STOPPED,
 * the shutdown deadline and a failing tenant, replayed with fake tenant actors and checked against an
 * independent oracle of what each tenant must be sent. The last test checks coverage of every state node and
 * transition of the supervisor definition (run the whole file).
 */

import { describe, expect, it } from 'vitest';
import { type AnyActorLogic, type SnapshotFrom, transition } from 'xstate';
import {
  type AdjacencyMap,
  getAdjacencyMap,
  getShortestPaths,
  getSimplePaths,
  type StatePath,
  type TraversalOptions,
} from 'xstate/graph';
import { DEFAULT_RESTART_POLICY } from '../../machines/policy.ts';
import {
  planReconcile,
  type SupervisorEvent,
  type SupervisorInput,
  supervisorMachine,
  type TenantConfig,
} from '../../machines/supervisor.ts';
import { enumerateMachine } from './harness.ts';
import { createSupervisorHarness, type FakeTenant, transitionKeyOf } from './supervisor-harness.ts';

type Snapshot = SnapshotFrom<typeof supervisorMachine>;
type ModelEvent = SupervisorEvent | { type: `xstate.after.${string}` };
type Path = StatePath<Snapshot, SupervisorEvent>;

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

const TENANTS = ['a', 'b'] as const;
const HASHES = [null, 'h1', 'h2'] as const;
const SNAPSHOTS: TenantConfig[][] = HASHES.flatMap((ha) =>
  HASHES.map((hb) =>
    [
      ['a', ha],
      ['b', hb],
    ].flatMap(([tenantId, configHash]) =>
      configHash ? [{ tenantId: String(tenantId), tenantName: `Tenant ${tenantId}`, configHash }] : [],
    ),
  ),
);

function modelEvents(snapshot: Snapshot): ModelEvent[] {
  if (snapshot.status !== 'active') return [];
  const events: ModelEvent[] = SNAPSHOTS.map((configs) => ({ type: 'CONFIG.SNAPSHOT', configs, at: 0 }));
  events.push(
    { type: 'TENANT.RESTART', tenantId: 'a', at: 0 },
    { type: 'TENANT.RESTART', tenantId: 'zz', at: 0 },
  );
  events.push({ type: 'SHUTDOWN', at: 0 });
  for (const tenantId of TENANTS) {
    if (!Object.hasOwn(snapshot.context.tenants, tenantId)) continue;
    events.push({
      type: 'xstate.error.actor.tenant-a'.replace('-a', `-${tenantId}`) as `xstate.error.actor.${string}`,
      error: 'boom',
    } as ModelEvent);
    if (snapshot.matches('shuttingDown') && snapshot.context.awaiting.includes(tenantId)) {
      events.push({ type: 'TENANT.STOPPED', tenantId });
    }
  }
  if (snapshot.matches('shuttingDown'))
    events.push({ type: 'xstate.after.shutdownDeadline.supervisor.shuttingDown' });
  return events;
}

const serialize = (s: Snapshot) =>
  JSON.stringify({ value: s.value, tenants: s.context.tenants, awaiting: s.context.awaiting });

/**
 * The machine for the traversal: each transition gets a fresh inert actor scope (xstate's pure `transition`),
 * because spawning `tenant-a` with its systemId twice into one shared scope would be refused.
 */
const traversalLogic = Object.create(supervisorMachine, {
  transition: { value: (s: Snapshot, e: SupervisorEvent) => transition(supervisorMachine, s, e)[0] },
}) as typeof supervisorMachine;

function options(extra: Partial<TraversalOptions<Snapshot, SupervisorEvent, SupervisorInput>> = {}) {
  return {
    input: { policy: DEFAULT_RESTART_POLICY },
    events: (s: Snapshot) => modelEvents(s) as SupervisorEvent[],
    serializeState: serialize,
    ...extra,
  } satisfies TraversalOptions<Snapshot, SupervisorEvent, SupervisorInput>;
}

const coverage = { nodes: new Set<string>(), transitions: new Set<string>() };

/** What each tenant must have been sent by the end of a step, computed independently of the machine. */
function replay(path: Path) {
  const h = createSupervisorHarness({ coverage });
  const active = new Map<string, string | null>();
  const expected = new Map<string, string[]>(); // tenant actor id (latest incarnation) → event summaries
  const live = new Set<string>();
  const crashed = new Set<FakeTenant | undefined>();
  let shutdownAt: number | null = null;
  const summary = (t: FakeTenant) =>
    t.received.map((e) => ('configHash' in e ? `${e.type} ${e.configHash}` : e.type));
  const [, ...steps] = path.steps;
  for (const [i, { event, state }] of steps.entries()) {
    const where = `step ${i + 1} ${event.type}`;
    const send = (tenantId: string, line: string) => expected.get(tenantId)?.push(line);
    if (event.type === 'CONFIG.SNAPSHOT' && h.actor.getSnapshot().matches('supervising')) {
      const next = new Map<string, string | null>(event.configs.map((c) => [c.tenantId, c.configHash]));
      for (const [tenantId, hash] of next) {
        if (!active.has(tenantId)) {
          expected.set(tenantId, []);
          live.add(tenantId);
        } else if (active.get(tenantId) !== hash) send(tenantId, `CONFIG.CHANGED ${hash}`);
      }
      for (const [tenantId, hash] of active)
        if (hash !== null && !next.has(tenantId)) send(tenantId, 'CONFIG.REMOVED');
      for (const tenantId of active.keys()) if (!next.has(tenantId)) next.set(tenantId, null);
      active.clear();
      for (const [k, v] of next) active.set(k, v);
      h.send(event);
      const report = h.reconciled.at(-1);
      expect(report?.running, where).toBe([...active.values()].filter((v) => v !== null).length);
    } else if (event.type === 'TENANT.RESTART') {
      if (h.actor.getSnapshot().matches('supervising') && active.has(event.tenantId))
        send(event.tenantId, 'TENANT.RESTART');
      h.send(event);
    } else if (event.type === 'SHUTDOWN') {
      if (h.actor.getSnapshot().matches('supervising')) {
        for (const tenantId of active.keys()) send(tenantId, 'TENANT.SHUTDOWN');
        shutdownAt = h.clock.now();
      }
      h.send(event);
    } else if (event.type === 'TENANT.STOPPED') {
      h.tenant(event.tenantId)?.sendBack(event);
    } else if (event.type.startsWith('xstate.error.actor.')) {
      const tenantId = event.type.slice('xstate.error.actor.tenant-'.length);
      h.tenant(tenantId)?.crash();
      crashed.add(h.tenant(tenantId));
      active.delete(tenantId);
      live.delete(tenantId);
    } else if (event.type.startsWith('xstate.after.')) {
      const wait = (shutdownAt ?? 0) + DEFAULT_RESTART_POLICY.shutdownDeadlineMs - h.clock.now();
      h.clock.increment(wait - 1);
      expect(h.actor.getSnapshot().value, `${where}: deadline fired early`).toBe('shuttingDown');
      h.clock.increment(1);
      expect(h.logs.at(-1)?.event, where).toBe('shutdown-deadline');
    } else {
      h.send(event);
    }
    const real = h.actor.getSnapshot();
    expect(serialize(real), where).toBe(serialize(state));
    for (const tenantId of live) {
      const fake = h.tenant(tenantId);
      expect(fake?.id, where).toBe(`tenant-${tenantId}`);
      expect(fake?.systemId, where).toBe(`tenant-${tenantId}`);
      if (real.status === 'active') expect(fake?.released, `${where}: tenant ${tenantId} alive`).toBe(false);
      expect(fake ? summary(fake) : [], `${where}: sent to ${tenantId}`).toEqual(expected.get(tenantId));
    }
    if (real.status === 'done') {
      expect(
        h.tenants.every((t) => t.released || crashed.has(t)),
        `${where}: every tenant released at done`,
      ).toBe(true);
    }
  }
}

describe('supervisor machine, model-based', () => {
  it('shortest paths to every abstract state replay with fake tenants', () => {
    const paths = getShortestPaths(traversalLogic as AnyActorLogic, options()) as Path[];
    expect(paths.length).toBeGreaterThan(50);
    expect(paths.some((p) => p.state.status === 'done')).toBe(true);
    for (const path of paths) replay(path);
  }, 60_000);

  it('bounded simple paths through the shutdown of two tenants', () => {
    const start = getShortestPaths(traversalLogic as AnyActorLogic, {
      ...options(),
      toState: (s: Snapshot) => s.matches('supervising') && Object.keys(s.context.tenants).length === 2,
    })[0] as Path | undefined;
    if (!start) throw new Error('no state with two tenants');
    const paths = getSimplePaths(traversalLogic as AnyActorLogic, {
      ...options({ fromState: start.state }),
      stopWhen: (s: Snapshot) => s.status !== 'active',
      toState: (s: Snapshot) => s.status !== 'active',
      events: (s: Snapshot) =>
        (modelEvents(s) as SupervisorEvent[]).filter(
          (e) => s.matches('shuttingDown') || e.type === 'SHUTDOWN',
        ),
    }) as Path[];
    expect(paths.length).toBeGreaterThanOrEqual(5);
    for (const path of paths) replay({ ...path, steps: [...start.steps, ...path.steps.slice(1)] });
  });

  it('adds a path for every transition still missing (e.g. targetless ones): shortest path + its event', () => {
    const adjacency: AdjacencyMap<Snapshot, SupervisorEvent> = getAdjacencyMap(traversalLogic, options());
    const shortest = new Map(
      (getShortestPaths(traversalLogic as AnyActorLogic, options()) as Path[]).map((p) => [
        serialize(p.state),
        p,
      ]),
    );
    for (const [key, { state, transitions }] of Object.entries(adjacency)) {
      const edges = Object.values(transitions) as Array<{ event: SupervisorEvent; state: Snapshot }>;
      for (const { event, state: next } of edges) {
        const taken = supervisorMachine.getTransitionData(state, event).map(transitionKeyOf);
        if (taken.every((k) => coverage.transitions.has(k))) continue;
        const base = shortest.get(key);
        if (!base) throw new Error(`no shortest path to ${key}`);
        replay({ state: next, weight: base.weight + 1, steps: [...base.steps, { event, state: next }] });
      }
    }
  });

  it('the replays covered every state node and every transition of the supervisor', () => {
    const all = enumerateMachine(supervisorMachine.root);
    expect(
      [...all.nodes].filter((n) => !coverage.nodes.has(n)),
      'state nodes',
    ).toEqual([]);
    expect(
      [...all.transitions].filter((t) => !coverage.transitions.has(t)),
      'transitions',
    ).toEqual([]);
  });
});
