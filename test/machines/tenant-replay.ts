/**
 * Replays a path from `xstate/graph` against the real tenant machine (fake child, spies, SimulatedClock) and
 * checks, after every step: the abstraction of the real snapshot equals the path's, timers fire exactly at
 * their deadline (not a millisecond before), and the effects obey the rules (F1: one child at a time, spawned
 * only on entering `starting`; STOP on entering a `stopping` state, KILL on entering `killing`; a status
 * report for every top-level state; a log line for every stop reason) and the isolation rules (checkIsolation).
 */
import { expect } from 'vitest';
import { transition } from 'xstate';
import type { StatePath } from 'xstate/graph';
import type { RestartPolicy } from '../../machines/policy.ts';
import { type ChildEvent, childId, type TenantCommand, tenantMachine } from '../../machines/tenant.ts';
import { createTenantHarness, type TenantHarness } from './harness.ts';
import { type ModelEvent, pendingTimers, serializeTenant, type TenantSnapshot } from './tenant-model.ts';

export type TenantPath = StatePath<TenantSnapshot, ModelEvent>;

/** Leaf states in which a child process exists. */
const WITH_CHILD = new Set([
  'starting',
  'running.healthy',
  'restarting.stopping',
  'restarting.killing',
  'stopped.stopping',
  'stopped.killing',
]);

function leafOf(snapshot: TenantSnapshot): string {
  const value = snapshot.value;
  if (typeof value === 'string') return value;
  const [top, sub] = Object.entries(value)[0] ?? ['', ''];
  return `${top}.${String(sub)}`;
}

const topOf = (snapshot: TenantSnapshot) => leafOf(snapshot).split('.')[0] ?? '';

function describe(event: ModelEvent): string {
  const { type, ...rest } = event as { type: string } & Record<string, unknown>;
  return Object.keys(rest).length ? `${type} ${JSON.stringify(rest)}` : type;
}

type Where = () => string;

/** `expect(actual).toEqual(expected)`, but only built when it fails (replays make ~10⁵ checks). */
function same(actual: unknown, expected: unknown, where: Where, what: string) {
  const equal =
    Object.is(actual, expected) ||
    (typeof actual === 'object' && JSON.stringify(actual) === JSON.stringify(expected));
  if (!equal) expect(actual, `${where()}: ${what}`).toEqual(expected);
}

/** Sends one model event to the real actor, re-stamped on the real clock. */
function apply(h: TenantHarness, event: ModelEvent, where: Where) {
  if (event.type.startsWith('xstate.after.')) {
    const timer = pendingTimers(h.snapshot).find((t) => t.type === event.type);
    if (!timer) expect.fail(`${where()}: timer ${event.type} is not pending in the real actor`);
    const wait = timer.deadline - h.clock.now();
    same(wait >= 0, true, where, 'timer already overdue');
    if (wait === 0) {
      // a 0 ms timer (the backoff after a quarantine exit): it fires on the next tick, no time passes
      h.advance(0);
      return;
    }
    const before = serializeTenant(h.snapshot);
    h.advance(wait - 1);
    same(serializeTenant(h.snapshot), before, where, `something fired before ${event.type}`);
    h.advance(1);
    return;
  }
  const { gapMs, sinceLastRequestMs, ...real } = event as (TenantCommand | ChildEvent) & {
    gapMs?: number;
    sinceLastRequestMs?: number;
  };
  if (gapMs) h.advance(gapMs);
  const at = h.clock.now();
  const stamped = { ...real, at } as TenantCommand | ChildEvent;
  if (stamped.type === 'CHILD.HEARTBEAT' && real.type === 'CHILD.HEARTBEAT') {
    stamped.lastPollAt = at - (real.at - real.lastPollAt);
  }
  if (stamped.type === 'CONFIG.RESTART_REQUESTED' && sinceLastRequestMs !== undefined) {
    stamped.requestedAt = (h.context.lastRestartRequestAt ?? 0) + sinceLastRequestMs;
  }
  if (stamped.type.startsWith('CHILD.')) {
    const child = h.liveChild();
    if (!child) expect.fail(`${where()}: no live child to report ${stamped.type}`);
    child.sendBack(stamped as ChildEvent);
  } else {
    h.actor.send(stamped);
  }
}

interface Counts {
  /** The real snapshot before the step. */
  snapshot: TenantSnapshot;
  children: number;
  statuses: number;
  logs: number;
  commands: number;
  leaf: string;
  reason: string | null;
  isolated: boolean;
}

function counts(h: TenantHarness): Counts {
  return {
    snapshot: h.snapshot,
    children: h.children.length,
    statuses: h.statuses.length,
    logs: h.logs.length,
    commands: h.liveChild()?.commands.length ?? 0,
    leaf: leafOf(h.snapshot),
    reason: h.context.stoppedReason,
    isolated: h.context.isolation !== null,
  };
}

/**
 * Named behaviours of isolation that replays went through (so a test can assert that the model offers each
 * one): `isolate-quarantine`, `isolate-crash-limit-exit`, `isolate-crash-limit-<timer>`, `crash-loop-isolated`,
 * `restart-clears-isolation-<leaf>`, `config-keeps-isolation`, `spawn-isolated`.
 */
export const isolationSeen = new Set<string>();

const timerName = (event: ModelEvent) =>
  event.type.startsWith('xstate.after.') ? (event.type.split('.')[2] ?? '') : null;

/**
 * The isolation behaviour (a name of `isolationSeen`) an edge of the model shows, read from its two snapshots;
 * null when it shows none. Lets a test add a path for a behaviour no replay has shown yet.
 */
export function isolationBehaviour(
  prev: TenantSnapshot,
  event: ModelEvent,
  next: TenantSnapshot,
): string | null {
  const was = prev.context.isolation !== null;
  const is = next.context.isolation !== null;
  if (!was && is) {
    if (event.type !== 'CHILD.EXIT') return `isolate-crash-limit-${timerName(event)}`;
    const exit = event as Extract<ModelEvent, { type: 'CHILD.EXIT' }>;
    return exit.fatal?.kind === 'quarantine' ? 'isolate-quarantine' : 'isolate-crash-limit-exit';
  }
  if (was && !is) return `restart-clears-isolation-${leafOf(prev)}`;
  if (was && next.context.stoppedReason === 'crash-loop' && prev.context.stoppedReason !== 'crash-loop')
    return 'crash-loop-isolated';
  const spawned = next.context.incarnation > prev.context.incarnation;
  if (was && is && spawned)
    return event.type === 'CONFIG.CHANGED' ? 'config-keeps-isolation' : 'spawn-isolated';
  return null;
}

/**
 * The isolation rules, checked on every step independently of the machine's guards: a tenant becomes isolated
 * only on an exit or a start/heartbeat timeout, and then restarts (never stops); a quarantine exit of a shared
 * bot always isolates it with the host's reason and restarts it at once; a crash loop stops a bot only while it
 * is isolated (the policy isolates first); only an operator restart clears an isolation; a log line `isolated`
 * exactly when it begins.
 */
function checkIsolation(h: TenantHarness, before: Counts, event: ModelEvent, where: Where) {
  const context = h.context;
  const now = context.isolation !== null;
  const isolatedLogs = newLogs(h, before).filter((c) => c === 'isolated').length;
  const exit = event.type === 'CHILD.EXIT' ? (event as Extract<ModelEvent, { type: 'CHILD.EXIT' }>) : null;
  const fromLiveChild = before.leaf === 'starting' || before.leaf === 'running.healthy';
  const quarantine = exit?.fatal?.kind === 'quarantine' && fromLiveChild;
  same(isolatedLogs, !before.isolated && now ? 1 : 0, where, "log 'isolated' when the isolation begins");
  if (!before.isolated && now) {
    const timer = timerName(event);
    same(
      (exit !== null && fromLiveChild) || timer === 'startTimeout' || timer === 'heartbeatTimeout',
      true,
      where,
      'isolated only by an exit or a start/heartbeat timeout',
    );
    same(topOf(h.snapshot), 'restarting', where, 'an isolated bot restarts');
    same(context.isolation?.since, context.lastEventAt, where, 'isolated since now');
    if (quarantine) {
      same(context.isolation?.reason, exit?.fatal?.isolation, where, "the host's reason");
      same([leafOf(h.snapshot), context.retryDelayMs], ['restarting.backoff', 0], where, 'restart at once');
      isolationSeen.add('isolate-quarantine');
    } else {
      same(context.isolation?.reason, 'crash-loop', where, 'isolated for a crash loop');
      same([context.recentExits, context.unstableRuns], [[], 0], where, 'crash counters reset');
      isolationSeen.add(exit ? 'isolate-crash-limit-exit' : `isolate-crash-limit-${timerName(event)}`);
    }
  }
  if (quarantine && !before.isolated) same(now, true, where, 'a quarantine exit isolates a shared bot');
  if (before.isolated && !now) {
    same(
      event.type === 'TENANT.RESTART' || event.type === 'CONFIG.RESTART_REQUESTED',
      true,
      where,
      'only an operator restart clears an isolation',
    );
    isolationSeen.add(`restart-clears-isolation-${before.leaf}`);
  }
  if (before.isolated && now && event.type === 'CONFIG.CHANGED' && h.children.length > before.children)
    isolationSeen.add('config-keeps-isolation');
  else if (before.isolated && now && h.children.length > before.children) isolationSeen.add('spawn-isolated');
  if (context.stoppedReason === 'crash-loop' && before.reason !== 'crash-loop') {
    if (context.policy.isolateOnCrashLoop) {
      same(before.isolated, true, where, 'stopped crash-loop only once isolated');
      isolationSeen.add('crash-loop-isolated');
    }
  }
  const spawned = h.children.length > before.children ? h.children.at(-1) : undefined;
  if (spawned)
    same(spawned.input.isolated, now, where, 'the spawn input says whether it runs in a host of its own');
  if (h.statuses.length > before.statuses)
    same(h.statuses.at(-1)?.isolation, context.isolation?.reason ?? null, where, 'status isolation');
}

/** The abstraction without whether a restart request was answered yet (TENANT.RESTART does not answer one). */
const withoutRequest = (snapshot: TenantSnapshot) => {
  const { requestAnswered: _dropped, ...rest } = JSON.parse(serializeTenant(snapshot)) as Record<
    string,
    unknown
  >;
  return JSON.stringify(rest);
};

/**
 * The config events' rules, checked independently of the machine's guards: a restart request newer than the
 * last one answered does exactly what TENANT.RESTART does there, and is remembered; any other changes nothing.
 * CONFIG.UNUSABLE (outside a shutdown) leaves the tenant stopped for that reason with nothing queued, shown and
 * logged unless it was shown already; a tenant with an unusable config never starts a bot.
 */
function checkConfigEvents(h: TenantHarness, before: Counts, event: ModelEvent, where: Where) {
  const context = h.context;
  const previous = before.snapshot.context;
  if (event.type === 'CONFIG.RESTART_REQUESTED') {
    // the time apply() sent: relative to the last request the real machine answered
    const offset = (event as { sinceLastRequestMs?: number }).sinceLastRequestMs ?? 0;
    const sent = (previous.lastRestartRequestAt ?? 0) + offset;
    if (previous.lastRestartRequestAt === null || sent > previous.lastRestartRequestAt) {
      same(context.lastRestartRequestAt, sent, where, 'the request answered is remembered');
      const [asRestart] = transition(tenantMachine, before.snapshot, {
        type: 'TENANT.RESTART',
        at: h.clock.now(),
      });
      same(
        withoutRequest(h.snapshot),
        withoutRequest(asRestart),
        where,
        'a new request acts as TENANT.RESTART',
      );
    } else {
      same(
        serializeTenant(h.snapshot),
        serializeTenant(before.snapshot),
        where,
        'an old request changes nothing',
      );
      same([h.statuses.length, h.logs.length], [before.statuses, before.logs], where, 'no report, no log');
      same(
        context.lastRestartRequestAt,
        previous.lastRestartRequestAt,
        where,
        'the last request answered stays',
      );
    }
  }
  if (event.type === 'CONFIG.UNUSABLE' && before.reason !== 'shutdown') {
    const u = event as Extract<TenantCommand, { type: 'CONFIG.UNUSABLE' }>;
    same(topOf(h.snapshot), 'stopped', where, 'an unusable config stops the tenant');
    same(
      [context.stoppedReason, context.unusable?.reason, context.pendingConfigHash],
      [u.reason, u.reason, null],
      where,
      'stopped for the reason, nothing queued',
    );
    const news =
      topOf(before.snapshot) !== 'stopped' ||
      previous.unusable?.reason !== u.reason ||
      previous.pendingConfigHash !== null;
    const logged = h.logs.slice(before.logs).filter((l) => l.event === 'unusable');
    same(
      logged.map((l) => l.detail),
      news ? [u.problem] : [],
      where,
      "log 'unusable' with the problem when it is news",
    );
    if (news) {
      const last = h.statuses.at(-1);
      same(
        [last?.state, last?.reason, last?.detail],
        ['stopped', u.reason, u.detail],
        where,
        'shown with its detail',
      );
    } else same(h.statuses.length, before.statuses, where, 'nothing new to show');
  }
  const top = topOf(h.snapshot);
  if (top === 'starting' || top === 'running')
    same(context.unusable, null, where, 'no bot for an unusable config');
}

const newLogs = (h: TenantHarness, before: Counts) => h.logs.slice(before.logs).map((l) => l.event);

/** The rules every step must obey, whatever the path. */
function checkEffects(h: TenantHarness, before: Counts, where: Where) {
  const snap = h.snapshot;
  const context = h.context;
  const leaf = leafOf(snap);
  const top = topOf(snap);
  const live = h.children.filter((c) => !c.released);
  const child = live[0];
  same(h.violations, [], where, 'F1 violations');
  same(live.length, WITH_CHILD.has(leaf) ? 1 : 0, where, `live children in ${leaf}`);
  same(h.clock.now(), context.lastEventAt, where, "the machine's time follows the clock");
  same(h.children.length, context.incarnation, where, 'one child per incarnation');
  if (child) {
    same(child.id, childId(context.incarnation), where, 'child id');
    const { isolated: _checkedAtSpawn, ...input } = child.input;
    same(
      input,
      { tenantId: 't1', configHash: context.configHash, incarnation: context.incarnation },
      where,
      'child input',
    );
  }
  const entered = leaf !== before.leaf;
  const spawned = h.children.length - before.children;
  same(spawned, top === 'starting' && before.leaf !== 'starting' ? 1 : 0, where, 'spawns');
  if (spawned) same(newLogs(h, before).includes('starting'), true, where, "log 'starting'");
  if (leaf.endsWith('.stopping')) {
    same(child?.commands.includes('STOP'), true, where, `STOP sent in ${leaf}`);
    if (entered) same(child?.commands.at(-1), 'STOP', where, `STOP on entering ${leaf}`);
  }
  if (leaf.endsWith('.killing')) same(child?.commands.at(-1), 'KILL', where, `KILL in ${leaf}`);
  if (!entered && child && spawned === 0)
    same(child.commands.length, before.commands, where, 'no command without a state change');
  const beforeTop = before.leaf.split('.')[0];
  if (top !== beforeTop && top !== 'terminated') {
    same(
      h.statuses.slice(before.statuses).some((s) => s.state === top),
      true,
      where,
      `status on entering ${top}`,
    );
  }
  const last = h.statuses.at(-1);
  if (top !== 'terminated') same(last?.state, top, where, 'last status');
  if (top === 'stopped') same(last?.reason, context.stoppedReason, where, 'status reason');
  const reason = context.stoppedReason;
  if (reason && reason !== before.reason && reason !== 'shutdown' && reason !== 'disabled') {
    // a config that can never start is logged as such, whatever its reason
    const code: string = context.unusable ? 'unusable' : reason;
    same((newLogs(h, before) as string[]).includes(code), true, where, `log for ${reason}`);
  }
  if (top === 'terminated') {
    same(snap.status, 'done', where, 'final');
    same(h.logs.at(-1)?.event, 'terminated', where, "log 'terminated'");
  }
}

export interface ReplayOptions {
  policy: RestartPolicy;
  configHash: string | null;
  coverage: { nodes: Set<string>; transitions: Set<string> };
}

/** Replays `path` (steps as returned by xstate/graph: the first is xstate.init) on a fresh real actor. */
export function replayTenantPath(path: TenantPath, options: ReplayOptions): TenantHarness {
  const [init, ...steps] = path.steps;
  if (!init) throw new Error('empty path');
  // the rest of the input as the path's initial snapshot shows it
  const { lastRestartRequestAt, unusable } = init.state.context;
  const h = createTenantHarness({
    policy: options.policy,
    configHash: options.configHash,
    coverage: options.coverage,
    restartRequestedAt: lastRestartRequestAt,
    unusable,
  });
  same(serializeTenant(h.snapshot), serializeTenant(init.state), () => 'initially', 'abstract state');
  for (const [i, step] of steps.entries()) {
    const where = () =>
      `after ${steps
        .slice(0, i + 1)
        .map((s) => describe(s.event))
        .join(' → ')}`;
    const before = counts(h);
    apply(h, step.event, where);
    same(serializeTenant(h.snapshot), serializeTenant(step.state), where, 'abstract state');
    checkEffects(h, before, where);
    checkIsolation(h, before, step.event, where);
    checkConfigEvents(h, before, step.event, where);
  }
  return h;
}

/** Drops paths whose event sequence is a prefix of a longer path's (the longer replay checks every step). */
export function withoutPrefixes<P extends { steps: Array<{ event: unknown }> }>(paths: P[]): P[] {
  const keyOf = (p: P, n: number) => JSON.stringify(p.steps.slice(0, n).map((s) => s.event));
  const covered = new Set<string>();
  const kept: P[] = [];
  for (const path of [...paths].sort((a, b) => b.steps.length - a.steps.length)) {
    if (covered.has(keyOf(path, path.steps.length))) continue;
    kept.push(path);
    for (let n = 1; n <= path.steps.length; n++) covered.add(keyOf(path, n));
  }
  return kept;
}
