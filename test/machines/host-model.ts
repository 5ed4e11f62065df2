/**
 * The test model of the host machine for `xstate/graph` (events that can happen in a snapshot, an abstraction
 * of snapshots), an independent specification of what the host must do on each event (`specStep`), and the
 * replay of a path against the real machine (host-harness.ts) checked against that specification on every
 * step: the state reached, STOP sent exactly when entering `stopping`, KILL exactly when entering `killing`,
 * a report on entering every state with the right pid, detail and time, the log lines, HOST.STOPPED sent to
 * the parent exactly once and only at the end, the process released exactly then, and timers that fire at
 * their deadline and not a millisecond before.
 *
 * Time: an event's `at` is the model's now (the snapshot's `lastEventAt`), plus a gap for the one
 * time-advancing heartbeat. In every state with a timer the machine handles no event without leaving or
 * re-entering that state, so each timer counts from the latest handled event; a timer is offered only when it
 * is the earliest pending one (ties offer none).
 */

import { expect } from 'vitest';
import type { AnyStateNode, SnapshotFrom } from 'xstate';
import type { StatePath } from 'xstate/graph';
import type { HostEvent, HostLogCode, HostState, HostTimers, hostMachine } from '../../machines/host.ts';
import { createHostHarness, HOST_ID, type HostHarness } from './host-harness.ts';

export type HostSnapshot = SnapshotFrom<typeof hostMachine>;
export type HostModelEvent = (HostEvent & { gapMs?: number }) | { type: `xstate.after.${string}` };
export type HostPath = StatePath<HostSnapshot, HostModelEvent>;

export interface HostModelOptions {
  /** A host that ignores STOP: no exit is offered while it is `stopping` (only the stop timeout gets it killed). */
  ignoresStop: boolean;
}

const nodesOf = (s: HostSnapshot) => (s as unknown as { _nodes: AnyStateNode[] })._nodes;

/** The duration of a named delay, from the timers (independently of the machine's delay functions). */
function durationOf(delay: string, timers: HostTimers): number {
  const table: Record<string, number> = {
    startTimeout: timers.hostStartTimeoutMs,
    silence: timers.silentHostMs,
    stopTimeout: timers.hostStopTimeoutMs,
  };
  const ms = table[delay];
  if (ms === undefined) throw new Error(`the host model does not know the delay "${delay}"`);
  return ms;
}

export function pendingHostTimers(s: HostSnapshot): Array<{ type: string; delay: string; deadline: number }> {
  if (s.status !== 'active') return [];
  const timers = nodesOf(s).flatMap((node) =>
    node.after.map((t) => ({
      type: t.eventType,
      delay: String(t.delay),
      deadline: s.context.lastEventAt + durationOf(String(t.delay), s.context.timers),
    })),
  );
  return timers.sort((a, b) => a.deadline - b.deadline);
}

export const EXIT_CLEAN = { type: 'HOST.EXIT', code: 0, signal: null } as const;
export const EXIT_KILLED = { type: 'HOST.EXIT', code: null, signal: 'SIGKILL' } as const;
export const KILL_REASON = 'ignored KILL of a bot for 3 s';

/** The events that can happen in `s`, stamped at the model's now. */
export function hostModelEvents(s: HostSnapshot, options: HostModelOptions): HostModelEvent[] {
  if (s.status !== 'active') return [];
  const at = s.context.lastEventAt;
  const timers = pendingHostTimers(s);
  const events: HostModelEvent[] = [
    { type: 'HOST.READY', pid: 4321, at },
    { type: 'HOST.HEARTBEAT', at },
    { type: 'HOST.CLOSE', at },
    { type: 'HOST.KILL', reason: KILL_REASON, at },
  ];
  if (!(options.ignoresStop && s.matches({ alive: 'stopping' }))) {
    // the process may end at any moment: asked to, killed, crashed, out of memory
    events.push({ ...EXIT_CLEAN, at }, { ...EXIT_KILLED, at });
  }
  const gapMs = Math.floor((s.context.timers.silentHostMs * 3) / 4);
  if (s.matches({ alive: 'up' }) && (timers[0]?.deadline ?? Number.POSITIVE_INFINITY) > at + gapMs) {
    events.push({ type: 'HOST.HEARTBEAT', at: at + gapMs, gapMs });
  }
  const [first, second] = timers;
  if (first && (!second || second.deadline > first.deadline)) {
    events.push({ type: first.type as `xstate.after.${string}` });
  }
  return events;
}

/** The graph's vertex key: what decides the host's future (timers as time left; no absolute times). */
export function serializeHost(s: HostSnapshot): string {
  const c = s.context;
  return JSON.stringify({
    value: s.value,
    status: s.status,
    pid: c.pid,
    detail: c.detail,
    closing: c.closing,
    timers: pendingHostTimers(s).map((t) => [t.delay, t.deadline - c.lastEventAt]),
  });
}

// ---- the specification --------------------------------------------------------------------------------------

/** What the host must be, written from the brief (machines/host.ts's comment), not from its definition. */
export interface HostSpec {
  state: HostState;
  now: number;
  /** When the current state's timer started counting. */
  armedAt: number;
  pid: number | null;
  detail: string | null;
}

export interface SpecEffects {
  commands: Array<'STOP' | 'KILL'>;
  reports: HostState[];
  logs: HostLogCode[];
  stoppedAt: number | null;
}

type Timer = 'startTimeout' | 'silence' | 'stopTimeout';
const TIMER_OF: Partial<Record<HostState, Timer>> = {
  starting: 'startTimeout',
  up: 'silence',
  stopping: 'stopTimeout',
};

/** The deadline of the timer the spec's state runs, if any. */
export function specDeadline(spec: HostSpec, timers: HostTimers): number | null {
  const timer = TIMER_OF[spec.state];
  return timer ? spec.armedAt + durationOf(timer, timers) : null;
}

/** One step of the specification: the next spec and the effects the step must have. */
export function specStep(spec: HostSpec, event: HostModelEvent, timers: HostTimers): [HostSpec, SpecEffects] {
  const fx: SpecEffects = { commands: [], reports: [], logs: [], stoppedAt: null };
  if (spec.state === 'exited') return [spec, fx];
  const enter = (state: HostState, at: number, patch: Partial<HostSpec> = {}): HostSpec => {
    if (state === 'stopping') fx.commands.push('STOP');
    if (state === 'killing') fx.commands.push('KILL');
    fx.reports.push(state);
    return { ...spec, ...patch, state, now: at, armedAt: at };
  };
  if (event.type.startsWith('xstate.after.')) {
    const timer = event.type.split('.')[2] as Timer;
    const at = specDeadline(spec, timers);
    if (TIMER_OF[spec.state] !== timer || at === null) throw new Error(`spec: no ${timer} in ${spec.state}`);
    const why: Record<Timer, [HostLogCode, string]> = {
      startTimeout: ['start-timeout', 'start-timeout'],
      silence: ['silent', `silent for ${Math.round(timers.silentHostMs / 1000)} s`],
      stopTimeout: ['stop-timeout', 'stop-timeout'],
    };
    const [log, detail] = why[timer];
    fx.logs.push(log);
    return [enter('killing', at, { detail }), fx];
  }
  const e = event as HostEvent & { gapMs?: number };
  // a path's events are stamped on the clock of whichever snapshot the graph kept: only the gap counts
  const at = spec.now + (e.gapMs ?? 0);
  if (e.type === 'HOST.EXIT') {
    const detail = e.signal ? `signal ${e.signal}` : `exit code ${e.code}`;
    const next = enter('exited', at, { detail });
    fx.logs.push('exited');
    fx.stoppedAt = at;
    return [next, fx];
  }
  if (e.type === 'HOST.READY' && spec.state === 'starting') {
    fx.logs.push('ready');
    return [enter('up', at, { pid: e.pid }), fx];
  }
  if (e.type === 'HOST.HEARTBEAT' && spec.state === 'up') return [{ ...spec, now: at, armedAt: at }, fx];
  if (e.type === 'HOST.CLOSE' && (spec.state === 'starting' || spec.state === 'up'))
    return [enter('stopping', at), fx];
  if (e.type === 'HOST.KILL' && spec.state !== 'killing') {
    fx.logs.push('killed');
    return [enter('killing', at, { detail: e.reason }), fx];
  }
  return [spec, fx];
}

// ---- the replay ---------------------------------------------------------------------------------------------

const leafOf = (s: HostSnapshot): HostState => {
  const v = s.value;
  if (typeof v === 'string') return v as HostState;
  const sub = (v as { alive: unknown }).alive;
  return (typeof sub === 'string' ? sub : Object.keys(sub as object)[0]) as HostState;
};

function same(actual: unknown, expected: unknown, where: () => string, what: string) {
  if (JSON.stringify(actual) !== JSON.stringify(expected))
    expect(actual, `${where()}: ${what}`).toEqual(expected);
}

/** Replays `path` on a fresh real host machine and checks every step against the specification. */
export function replayHostPath(
  path: HostPath,
  timers: HostTimers,
  coverage: { nodes: Set<string>; transitions: Set<string> },
): HostHarness {
  const h = createHostHarness({ timers, coverage });
  let spec: HostSpec = { state: 'starting', now: 0, armedAt: 0, pid: null, detail: null };
  const where0 = () => 'initially';
  same(
    h.reports.map((r) => r.state),
    ['starting'],
    where0,
    'report on start',
  );
  same(h.process.input, { hostId: HOST_ID, kind: 'shared' }, where0, 'process input');
  const [, ...steps] = path.steps;
  for (const [i, step] of steps.entries()) {
    const where = () =>
      `after ${steps
        .slice(0, i + 1)
        .map((s) => s.event.type)
        .join(' → ')}`;
    const before = {
      commands: h.process.commands.length,
      reports: h.reports.length,
      logs: h.logs.length,
      stopped: h.parentEvents.length,
    };
    const [next, fx] = specStep(spec, step.event, timers);
    if (step.event.type.startsWith('xstate.after.')) {
      const wait = (specDeadline(spec, timers) ?? Number.NaN) - h.clock.now();
      same(wait > 0, true, where, 'the timer is still ahead');
      h.advance(wait - 1);
      same(h.reports.length, before.reports, where, `nothing fired before ${step.event.type}`);
      h.advance(1);
    } else {
      const { gapMs, ...event } = step.event as HostEvent & { gapMs?: number };
      if (gapMs) h.advance(gapMs);
      const stamped = { ...event, at: h.clock.now() } as HostEvent;
      if (stamped.type === 'HOST.CLOSE' || stamped.type === 'HOST.KILL') h.send(stamped);
      else h.process.sendBack(stamped);
    }
    spec = next;
    const s = h.snapshot;
    same(serializeHost(s), serializeHost(step.state), where, 'abstract state (the model)');
    same(leafOf(s), spec.state, where, 'state (the spec)');
    same(
      [s.context.lastEventAt, s.context.pid, s.context.detail],
      [spec.now, spec.pid, spec.detail],
      where,
      'context',
    );
    same(h.clock.now(), spec.now, where, "the host's time follows the clock");
    same(h.process.commands.slice(before.commands), fx.commands, where, 'STOP/KILL sent');
    const reports = h.reports.slice(before.reports);
    same(
      reports.map((r) => r.state),
      fx.reports,
      where,
      'reports',
    );
    for (const r of reports)
      same(
        r,
        { hostId: HOST_ID, kind: 'shared', state: r.state, pid: spec.pid, detail: spec.detail, at: spec.now },
        where,
        'report',
      );
    const logs = h.logs.slice(before.logs);
    same(
      logs.map((l) => l.event),
      fx.logs,
      where,
      'log lines',
    );
    for (const l of logs)
      same([l.hostId, l.at, l.detail ?? null], [HOST_ID, spec.now, spec.detail], where, 'log line');
    const stopped = h.parentEvents.slice(before.stopped);
    same(
      stopped,
      fx.stoppedAt === null ? [] : [{ type: 'HOST.STOPPED', hostId: HOST_ID, at: fx.stoppedAt }],
      where,
      'HOST.STOPPED',
    );
    same(
      h.parentEvents.length,
      spec.state === 'exited' ? 1 : 0,
      where,
      'HOST.STOPPED exactly once, at the end',
    );
    same(
      h.process.released,
      spec.state === 'exited',
      where,
      'the process actor is released exactly at the end',
    );
    same(s.status, spec.state === 'exited' ? 'done' : 'active', where, 'status');
  }
  return h;
}
