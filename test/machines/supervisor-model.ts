/**
 * The test model of the supervisor machine for `xstate/graph`, with its host level: a model state is the
 * supervisor's snapshot plus the environment the fake hosts make (when each host was closed, whether it was
 * killed, when the shutdown began, the time). Two hosts: `h1` exits whenever it is told to (or crashes),
 * `h2` ignores STOP: once closed it reports HOST.STOPPED only after its stop timeout (its own machine kills
 * it), or after a HOST.KILL. The replay (`replaySupervisorPath`) runs a path on the real supervisor with fake
 * tenants and hosts (supervisor-harness.ts) and checks every step against an oracle written from the rules,
 * not from the machine: what each tenant and host must have been sent, the shutdown phase (every tenant
 * stopped before any host is closed, every host closed then, done once every host has stopped or at the
 * deadline), the hosts known, who is released.
 */

import { expect } from 'vitest';
import { type AnyActorLogic, initialTransition, type SnapshotFrom, transition } from 'xstate';
import type { StatePath } from 'xstate/graph';
import type { HostTimers } from '../../machines/host.ts';
import type { HostKind } from '../../machines/placement.ts';
import type { RestartPolicy } from '../../machines/policy.ts';
import { type SupervisorEvent, supervisorMachine, type TenantConfig } from '../../machines/supervisor.ts';
import { createSupervisorHarness, type FakeHost, type FakeTenant } from './supervisor-harness.ts';

export type SupSnapshot = SnapshotFrom<typeof supervisorMachine>;
export interface Env {
  now: number;
  shutdownAt: number | null;
  /** Live hosts as the environment sees them. */
  hosts: Record<string, { closedAt: number | null; killed: boolean }>;
}
/** A snapshot of the model (`status` mirrors the supervisor's, so xstate/graph can treat it as one). */
export interface ModelState {
  status: SupSnapshot['status'];
  output: undefined;
  error: undefined;
  sup: SupSnapshot;
  env: Env;
}
const modelState = (sup: SupSnapshot, env: Env): ModelState => ({
  status: sup.status,
  output: undefined,
  error: undefined,
  sup,
  env,
});
/** A supervisor event, the deadline timer, or `ENV.STOP_TIMEOUT`: the stubborn host's machine killed it. */
export type ModelEvent =
  | SupervisorEvent
  | { type: 'xstate.after.shutdownDeadline.supervisor.shuttingDown' }
  | { type: 'ENV.STOP_TIMEOUT'; hostId: string };
export type Path = StatePath<ModelState, ModelEvent>;

export const HOSTS: Record<string, HostKind> = { h1: 'shared', h2: 'dedicated' };
export const STUBBORN = 'h2';
export const TENANTS = ['a', 'b'] as const;
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
const DEADLINE = 'xstate.after.shutdownDeadline.supervisor.shuttingDown' as const;
const errorOf = (actorId: string) =>
  ({ type: `xstate.error.actor.${actorId}`, error: 'boom' }) as unknown as SupervisorEvent;

export interface ModelConfig {
  policy: RestartPolicy;
  hostTimers: HostTimers;
}

const phaseOf = (s: SupSnapshot) =>
  s.status !== 'active'
    ? 'done'
    : s.matches('supervising')
      ? 'supervising'
      : s.matches({ shuttingDown: 'tenants' })
        ? 'tenants'
        : 'hosts';

/** Timers pending in a model state, earliest first: the shutdown deadline and the stubborn host's kill. */
export function modelTimers(
  state: ModelState,
  config: ModelConfig,
): Array<{ event: ModelEvent; at: number }> {
  const timers: Array<{ event: ModelEvent; at: number }> = [];
  const { env } = state;
  if (state.sup.status === 'active' && env.shutdownAt !== null)
    timers.push({ event: { type: DEADLINE }, at: env.shutdownAt + config.policy.shutdownDeadlineMs });
  const stubborn = env.hosts[STUBBORN];
  if (stubborn && stubborn.closedAt !== null && !stubborn.killed)
    timers.push({
      event: { type: 'ENV.STOP_TIMEOUT', hostId: STUBBORN },
      at: stubborn.closedAt + config.hostTimers.hostStopTimeoutMs,
    });
  return timers.sort((x, y) => x.at - y.at);
}

/** The events that can happen in a model state (at the model's now). */
export function modelEvents(state: ModelState, config: ModelConfig): ModelEvent[] {
  const { sup, env } = state;
  if (sup.status !== 'active') return [];
  const at = env.now;
  const events: ModelEvent[] = SNAPSHOTS.map((configs) => ({ type: 'CONFIG.SNAPSHOT', configs, at }));
  events.push(
    { type: 'TENANT.RESTART', tenantId: 'a', at },
    { type: 'TENANT.RESTART', tenantId: 'zz', at },
    { type: 'SHUTDOWN', at },
  );
  for (const tenantId of TENANTS) {
    if (!Object.hasOwn(sup.context.tenants, tenantId)) continue;
    events.push(errorOf(`tenant-${tenantId}`));
    if (sup.matches('shuttingDown') && sup.context.awaiting.includes(tenantId))
      events.push({ type: 'TENANT.STOPPED', tenantId });
  }
  for (const [hostId, kind] of Object.entries(HOSTS)) {
    events.push(
      { type: 'HOST.OPEN', hostId, kind, at },
      { type: 'HOST.CLOSE', hostId, at },
      { type: 'HOST.KILL', hostId, reason: 'ignored KILL of a bot', at },
    );
    const host = env.hosts[hostId];
    if (!host) continue;
    events.push(errorOf(`host-${hostId}`));
    // the process ends (asked to, killed, crashed); a host that ignores STOP only before a close or once killed
    if (hostId !== STUBBORN || host.closedAt === null || host.killed)
      events.push({ type: 'HOST.STOPPED', hostId, at });
  }
  events.push({ type: 'HOST.CLOSE', hostId: 'hx', at });
  const [first, second] = modelTimers(state, config);
  if (first && (!second || second.at > first.at)) events.push(first.event);
  return events;
}

/** One step of the model: the supervisor's pure transition, and what the environment makes of it. */
export function modelStep(state: ModelState, event: ModelEvent, config: ModelConfig): ModelState {
  const { sup, env } = state;
  let now = env.now;
  let supEvent = event as SupervisorEvent;
  if (event.type === DEADLINE || event.type === 'ENV.STOP_TIMEOUT') {
    const timer = modelTimers(state, config).find((t) => t.event.type === event.type);
    now = timer?.at ?? now;
    if (event.type === 'ENV.STOP_TIMEOUT') supEvent = { type: 'HOST.STOPPED', hostId: event.hostId, at: now };
  }
  const [next] = transition(supervisorMachine, sup, supEvent);
  const hosts: Env['hosts'] = {};
  for (const hostId of Object.keys(next.context.hosts)) {
    const before = env.hosts[hostId];
    hosts[hostId] = before ? { ...before } : { closedAt: null, killed: false };
  }
  const live = (hostId: string) => hosts[hostId];
  if (event.type === 'HOST.CLOSE' && phaseOf(sup) === 'supervising') {
    const host = live(event.hostId);
    if (host) host.closedAt ??= now;
  }
  if (event.type === 'HOST.KILL' && phaseOf(sup) !== 'done') {
    const host = live(event.hostId);
    if (host) host.killed = true;
  }
  if (phaseOf(next) === 'hosts' && phaseOf(sup) !== 'hosts')
    for (const host of Object.values(hosts)) host.closedAt ??= now;
  const shutdownAt = env.shutdownAt ?? (event.type === 'SHUTDOWN' ? now : null);
  return modelState(next, { now, shutdownAt, hosts });
}

function stubbornView(env: Env): [number | null, boolean] | null {
  const host = env.hosts[STUBBORN];
  return host ? [host.closedAt === null ? null : env.now - host.closedAt, host.killed] : null;
}

/** The graph's vertex key: the supervisor's state and the environment's, times as ages. */
export function serializeModel(state: ModelState): string {
  const { sup, env } = state;
  return JSON.stringify({
    value: sup.value,
    status: sup.status,
    tenants: sup.context.tenants,
    awaiting: sup.context.awaiting,
    hosts: sup.context.hosts,
    // only the host that ignores STOP behaves differently once closed or killed
    stubborn: stubbornView(env),
    shutdownAge: env.shutdownAt === null ? null : env.now - env.shutdownAt,
  });
}

/** The model as actor logic for `xstate/graph` (each step a pure transition in a fresh inert scope). */
export function modelLogic(config: ModelConfig): AnyActorLogic {
  return {
    transition: (s: ModelState, e: ModelEvent) => modelStep(s, e, config),
    getInitialSnapshot: () =>
      modelState(
        initialTransition(supervisorMachine, { policy: config.policy, hostTimers: config.hostTimers })[0],
        {
          now: 0,
          shutdownAt: null,
          hosts: {},
        },
      ),
  } as unknown as AnyActorLogic;
}

// ---- the oracle and the replay ------------------------------------------------------------------------------

type Phase = 'supervising' | 'tenants' | 'hosts' | 'done';
const summaryOf = (t: FakeTenant) =>
  t.received.map((e) => ('configHash' in e ? `${e.type} ${e.configHash}` : e.type));
const hostSummary = (h: FakeHost) =>
  h.received.map((e) => `${e.type} @${e.at}${e.type === 'HOST.KILL' ? ` ${e.reason}` : ''}`);

/** Replays `path` on the real supervisor with fake tenants and hosts, checking every step against the oracle. */
export function replaySupervisorPath(
  path: Path,
  config: ModelConfig,
  coverage: { nodes: Set<string>; transitions: Set<string> },
) {
  const h = createSupervisorHarness({ ...config, stubbornHosts: [STUBBORN], coverage });
  // the oracle
  let phase: Phase = 'supervising';
  let shutdownAt: number | null = null;
  const active = new Map<string, string | null>();
  const awaiting = new Set<string>();
  const sentTenant = new Map<string, string[]>();
  const liveHosts = new Map<string, { openedAt: number; closedAt: number | null; killed: boolean }>();
  const sentHost = new Map<string, string[]>();
  const crashed = new Set<object | undefined>();
  let closesAtShutdown = 0;
  const closesSent = () =>
    h.hosts.reduce((n, x) => n + x.received.filter((e) => e.type === 'HOST.CLOSE').length, 0);
  /** A HOST.CLOSE stamped `at` reaches a live host now (its stop timeout counts from now). */
  const closeHost = (hostId: string, at: number, now: number) => {
    const host = liveHosts.get(hostId);
    if (!host) return;
    host.closedAt ??= now;
    sentHost.get(hostId)?.push(`HOST.CLOSE @${at}`);
  };
  const settle = (now: number) => {
    if (phase === 'tenants' && awaiting.size === 0) {
      phase = 'hosts';
      // stamped with the time of the SHUTDOWN
      for (const hostId of liveHosts.keys()) closeHost(hostId, shutdownAt ?? Number.NaN, now);
    }
    if (phase === 'hosts' && liveHosts.size === 0) phase = 'done';
  };
  const [, ...steps] = path.steps;
  for (const [i, { event, state }] of steps.entries()) {
    const where = `step ${i + 1} ${event.type} ${'hostId' in event ? event.hostId : ''}`;
    const now = h.clock.now();
    const logsBefore = h.logs.length;
    const tell = (tenantId: string, line: string) => sentTenant.get(tenantId)?.push(line);
    const supervising = phase === 'supervising';
    if (event.type === 'CONFIG.SNAPSHOT') {
      if (supervising) {
        const next = new Map<string, string | null>(event.configs.map((c) => [c.tenantId, c.configHash]));
        for (const [tenantId, hash] of next) {
          if (!active.has(tenantId)) sentTenant.set(tenantId, []);
          else if (active.get(tenantId) !== hash) tell(tenantId, `CONFIG.CHANGED ${hash}`);
        }
        for (const [tenantId, hash] of active)
          if (hash !== null && !next.has(tenantId)) tell(tenantId, 'CONFIG.REMOVED');
        for (const tenantId of active.keys()) if (!next.has(tenantId)) next.set(tenantId, null);
        active.clear();
        for (const [k, v] of next) active.set(k, v);
      }
      h.send({ ...event, at: now });
      if (supervising)
        expect(h.reconciled.at(-1)?.running, where).toBe(
          [...active.values()].filter((v) => v !== null).length,
        );
    } else if (event.type === 'TENANT.RESTART') {
      if (supervising && active.has(event.tenantId)) tell(event.tenantId, 'TENANT.RESTART');
      h.send({ ...event, at: now });
    } else if (event.type === 'SHUTDOWN') {
      if (supervising) {
        for (const tenantId of active.keys()) {
          tell(tenantId, 'TENANT.SHUTDOWN');
          awaiting.add(tenantId);
        }
        shutdownAt = now;
        phase = 'tenants';
        closesAtShutdown = closesSent();
      }
      h.send({ ...event, at: now });
      if (supervising)
        expect(
          h.logs
            .find((l) => l.event === 'shutting-down')
            ?.tenantIds.slice()
            .sort(),
          where,
        ).toEqual([...active.keys()].sort());
    } else if (event.type === 'TENANT.STOPPED') {
      awaiting.delete(event.tenantId);
      h.tenant(event.tenantId)?.sendBack(event);
    } else if (event.type === 'HOST.OPEN') {
      if (supervising && !liveHosts.has(event.hostId)) {
        liveHosts.set(event.hostId, { openedAt: now, closedAt: null, killed: false });
        sentHost.set(event.hostId, []);
      }
      h.send({ ...event, at: now });
    } else if (event.type === 'HOST.CLOSE') {
      if (supervising) closeHost(event.hostId, now, now);
      h.send({ ...event, at: now });
    } else if (event.type === 'HOST.KILL') {
      const host = liveHosts.get(event.hostId);
      if (host && phase !== 'done') {
        host.killed = true;
        sentHost.get(event.hostId)?.push(`HOST.KILL @${now} ${event.reason}`);
      }
      h.send({ ...event, at: now });
    } else if (event.type === 'HOST.STOPPED') {
      liveHosts.delete(event.hostId);
      h.host(event.hostId)?.sendBack({ ...event, at: now });
    } else if (event.type === 'ENV.STOP_TIMEOUT') {
      const host = liveHosts.get(event.hostId);
      const at = (host?.closedAt ?? Number.NaN) + config.hostTimers.hostStopTimeoutMs;
      h.clock.increment(at - now - 1);
      expect(h.host(event.hostId)?.released, `${where}: the stubborn host stopped early`).toBe(false);
      liveHosts.delete(event.hostId);
      h.clock.increment(1);
    } else if (event.type === DEADLINE) {
      const at = (shutdownAt ?? Number.NaN) + config.policy.shutdownDeadlineMs;
      h.clock.increment(at - now - 1);
      expect(h.actor.getSnapshot().status, `${where}: deadline fired early`).toBe('active');
      h.clock.increment(1);
      const log = h.logs.at(-1);
      expect(log?.event, where).toBe('shutdown-deadline');
      expect(log?.tenantIds.slice().sort(), `${where}: still awaited`).toEqual([...awaiting].sort());
      expect(log?.hostIds?.slice().sort(), `${where}: hosts still up`).toEqual([...liveHosts.keys()].sort());
      phase = 'done';
    } else if (event.type.startsWith('xstate.error.actor.')) {
      const actorId = event.type.slice('xstate.error.actor.'.length);
      const [kind, id] = [actorId.slice(0, actorId.indexOf('-')), actorId.slice(actorId.indexOf('-') + 1)];
      const fake = kind === 'host' ? h.host(id) : h.tenant(id);
      fake?.crash();
      crashed.add(fake);
      if (kind === 'host') liveHosts.delete(id);
      else {
        active.delete(id);
        awaiting.delete(id);
      }
      expect(h.logs.slice(logsBefore), where).toContainEqual(
        kind === 'host'
          ? { event: 'host-failed', tenantIds: [], hostIds: [id], error: `host ${id} failed` }
          : { event: 'tenant-failed', tenantIds: [id], error: `tenant ${id} failed` },
      );
    }
    const wasDone = phase === 'done';
    settle(h.clock.now());
    if (phase === 'done' && !wasDone)
      expect(h.logs.at(-1)?.event, `${where}: done`).toBe('shutdown-complete');
    // the real supervisor against the oracle
    const real = h.actor.getSnapshot();
    expect(serializeModel(modelState(real, state.env)), `${where}: the model`).toBe(serializeModel(state));
    expect(phaseOf(real), `${where}: phase`).toBe(phase);
    expect(Object.keys(real.context.hosts).sort(), `${where}: hosts known`).toEqual(
      [...liveHosts.keys()].sort(),
    );
    expect(real.context.awaiting.slice().sort(), `${where}: awaiting`).toEqual([...awaiting].sort());
    expect(h.clock.now(), `${where}: time`).toBe(state.env.now);
    for (const [tenantId, expected] of sentTenant) {
      const fake = h.tenant(tenantId);
      if (!active.has(tenantId)) continue;
      expect([fake?.id, fake?.systemId], where).toEqual([`tenant-${tenantId}`, `tenant-${tenantId}`]);
      if (real.status === 'active') expect(fake?.released, `${where}: tenant ${tenantId} alive`).toBe(false);
      expect(fake ? summaryOf(fake) : [], `${where}: sent to ${tenantId}`).toEqual(expected);
    }
    for (const [hostId, { openedAt }] of liveHosts) {
      const fake = h.host(hostId);
      expect([fake?.id, fake?.systemId], where).toEqual([`host-${hostId}`, `host-${hostId}`]);
      expect(fake?.input, `${where}: host input`).toEqual({
        hostId,
        kind: HOSTS[hostId],
        timers: config.hostTimers,
        at: openedAt,
      });
      expect(fake?.released, `${where}: host ${hostId} alive`).toBe(real.status !== 'active');
      expect(fake ? hostSummary(fake) : [], `${where}: sent to host ${hostId}`).toEqual(sentHost.get(hostId));
    }
    if (phase === 'tenants')
      expect(closesSent(), `${where}: no HOST.CLOSE before every tenant has stopped`).toBe(closesAtShutdown);
    for (const host of h.hosts)
      if (!liveHosts.has(host.input.hostId) || h.host(host.input.hostId) !== host)
        expect(host.released || crashed.has(host), `${where}: host ${host.id} released once gone`).toBe(true);
    if (real.status === 'done')
      expect(
        h.tenants.every((t) => t.released || crashed.has(t)),
        `${where}: tenants released at done`,
      ).toBe(true);
  }
  return h;
}
