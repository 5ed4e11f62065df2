/**
 * The host machine: the life of one bot host process (src/host/main.ts), which runs many tenants' bots.
 * Pure definition: the process is the injected `hostProcess` actor, status and log lines the injected
 * `reportHost` / `logEvent` actions (machines/placement.ts states the policy).
 *
 * `alive` (the process actor is invoked here, so it is released the moment the process is gone):
 * - `starting`: forked, waiting for HOST.READY; not ready after hostStartTimeoutMs → `killing`;
 * - `up`: every HOST.HEARTBEAT re-arms the silence timer; silent for silentHostMs (frozen, stopped,
 *   its event loop held) → `killing`; HOST.CLOSE → `stopping`; HOST.KILL (the runtime saw it ignore a
 *   bot's KILL for killGraceMs) → `killing`;
 * - `stopping`: asked to stop (it stops its bots and exits); after hostStopTimeoutMs → `killing`;
 * - `killing`: SIGKILL sent, waiting for the exit.
 * HOST.EXIT in any of them → `exited` (final), which tells the parent HOST.STOPPED. A host is never
 * restarted: its bots' tenant machines restart them under the restart policy, in hosts chosen afresh.
 */
import { enqueueActions, fromCallback, sendTo, setup } from 'xstate';
import type { HostKind, PlacementPolicy } from './placement.ts';

/** Events the host process actor sends back. Times are epoch ms, stamped by the runtime. */
export type HostProcessEvent =
  | { type: 'HOST.READY'; pid: number; at: number }
  | { type: 'HOST.HEARTBEAT'; at: number }
  | { type: 'HOST.EXIT'; code: number | null; signal: string | null; at: number };

/** Events from the supervisor and the runtime. */
export type HostCommand =
  /** Stop gracefully: retire an empty host, or the shutdown after every tenant has stopped. */
  | { type: 'HOST.CLOSE'; at: number }
  /** Kill it now: it ignored a bot's KILL (killGraceMs), so its event loop is held. */
  | { type: 'HOST.KILL'; at: number; reason: string };

export type HostEvent = HostProcessEvent | HostCommand;

/** What the machine asks of its process: STOP = graceful (IPC), KILL = SIGKILL. */
export type HostProcessCommand = { type: 'STOP' } | { type: 'KILL' };

/** The timers of a host, from the placement policy. */
export type HostTimers = Pick<PlacementPolicy, 'silentHostMs' | 'hostStartTimeoutMs' | 'hostStopTimeoutMs'>;

export interface HostInput {
  hostId: string;
  kind: HostKind;
  timers: HostTimers;
  /** Creation time, epoch ms. */
  at: number;
}

/** Input of the injected `hostProcess` actor. */
export interface HostProcessInput {
  hostId: string;
  kind: HostKind;
}

export type HostState = 'starting' | 'up' | 'stopping' | 'killing' | 'exited';

/** Params of `reportHost`, on entering every state. */
export interface HostReport {
  hostId: string;
  kind: HostKind;
  state: HostState;
  pid: number | null;
  /** Why it is being killed or how it ended: "silent for 15 s", "start-timeout", "signal SIGKILL". */
  detail: string | null;
  at: number;
}

export type HostLogCode = 'ready' | 'silent' | 'start-timeout' | 'killed' | 'stop-timeout' | 'exited';

export interface HostLogParams {
  event: HostLogCode;
  hostId: string;
  kind: HostKind;
  pid: number | null;
  detail?: string;
  /** HOST.CLOSE had been asked: the host was told to go (an exit is expected, not a fault). */
  closing: boolean;
  at: number;
}

export interface HostContext {
  hostId: string;
  kind: HostKind;
  timers: HostTimers;
  pid: number | null;
  detail: string | null;
  /** Time of the latest event handled (its `at`, or a timer's deadline). */
  lastEventAt: number;
  /** Set by the supervisor machine: HOST.CLOSE was asked (so an exit is expected). */
  closing: boolean;
}

/** Sent to the parent once the process is gone. */
export type HostParentEvent = { type: 'HOST.STOPPED'; hostId: string; at: number };

/** Actor id (and systemId) of a host's machine. */
export function hostActorId(hostId: string): string {
  return `host-${hostId}`;
}

/** "exit code 1", "signal SIGKILL". */
export function describeHostExit(event: Extract<HostEvent, { type: 'HOST.EXIT' }>): string {
  return event.signal ? `signal ${event.signal}` : `exit code ${String(event.code)}`;
}

/** Default `hostProcess`: a stub. The runtime provides the real process. */
const hostProcess = fromCallback<HostProcessCommand, HostProcessInput>(() => undefined);

const report = (state: HostState) =>
  ({
    type: 'reportHost',
    params: ({ context }: { context: HostContext }): HostReport => ({
      hostId: context.hostId,
      kind: context.kind,
      state,
      pid: context.pid,
      detail: context.detail,
      at: context.lastEventAt,
    }),
  }) as const;

const log = (event: HostLogCode) =>
  ({
    type: 'logEvent',
    params: ({ context }: { context: HostContext }): HostLogParams => ({
      event,
      hostId: context.hostId,
      kind: context.kind,
      pid: context.pid,
      ...(context.detail ? { detail: context.detail } : {}),
      closing: context.closing,
      at: context.lastEventAt,
    }),
  }) as const;

const stamp = {
  type: 'stamp',
  params: ({ event }: { event: HostEvent }) => ({ at: event.at }),
} as const;

/** The host machine. Provide `hostProcess`, `reportHost` and `logEvent`. */
export const hostMachine = setup({
  types: {
    context: {} as HostContext,
    events: {} as HostEvent,
    input: {} as HostInput,
  },
  actors: { hostProcess },
  actions: {
    /** Injected: the host's state for `/status` and the placement. */
    reportHost: (_, _params: HostReport) => {},
    /** Injected: a log line. */
    logEvent: (_, _params: HostLogParams) => {},
    /**
     * The event's time, never earlier than the host's: process events are stamped by the runtime, commands by
     * whoever sent them, so one may carry a time a little older than the latest heartbeat.
     */
    stamp: enqueueActions(({ context, enqueue }, params: { at: number }) => {
      enqueue.assign({ lastEventAt: Math.max(context.lastEventAt, params.at) });
    }),
    stampAfter: enqueueActions(({ context, enqueue }, params: { ms: number }) => {
      enqueue.assign({ lastEventAt: context.lastEventAt + params.ms });
    }),
    recordReady: enqueueActions(({ event, enqueue }) => {
      if (event.type === 'HOST.READY') enqueue.assign({ pid: event.pid });
    }),
    setDetail: enqueueActions(({ enqueue }, params: { detail: string }) => {
      enqueue.assign({ detail: params.detail });
    }),
    recordExit: enqueueActions(({ event, enqueue }) => {
      if (event.type === 'HOST.EXIT') enqueue.assign({ detail: describeHostExit(event) });
    }),
    recordKill: enqueueActions(({ event, enqueue }) => {
      if (event.type === 'HOST.KILL') enqueue.assign({ detail: event.reason });
    }),
    markClosing: enqueueActions(({ enqueue }) => {
      enqueue.assign({ closing: true });
    }),
    requestStop: sendTo('process', { type: 'STOP' }),
    killProcess: sendTo('process', { type: 'KILL' }),
    notifyParent: enqueueActions(({ context, self, enqueue }) => {
      if (self._parent)
        enqueue.sendParent({ type: 'HOST.STOPPED', hostId: context.hostId, at: context.lastEventAt });
    }),
  },
  delays: {
    startTimeout: ({ context }) => context.timers.hostStartTimeoutMs,
    silence: ({ context }) => context.timers.silentHostMs,
    stopTimeout: ({ context }) => context.timers.hostStopTimeoutMs,
  },
}).createMachine({
  id: 'host',
  context: ({ input }) => ({
    hostId: input.hostId,
    kind: input.kind,
    timers: input.timers,
    pid: null,
    detail: null,
    lastEventAt: input.at,
    closing: false,
  }),
  initial: 'alive',
  states: {
    alive: {
      invoke: {
        id: 'process',
        src: 'hostProcess',
        input: ({ context }) => ({ hostId: context.hostId, kind: context.kind }),
      },
      on: {
        'HOST.EXIT': { target: 'exited', actions: [stamp, 'recordExit'] },
      },
      initial: 'starting',
      states: {
        starting: {
          entry: report('starting'),
          after: {
            startTimeout: {
              target: 'killing',
              actions: [
                { type: 'stampAfter', params: ({ context }) => ({ ms: context.timers.hostStartTimeoutMs }) },
                { type: 'setDetail', params: { detail: 'start-timeout' } },
                log('start-timeout'),
              ],
            },
          },
          on: {
            'HOST.READY': { target: 'up', actions: [stamp, 'recordReady', log('ready')] },
            'HOST.CLOSE': { target: 'stopping', actions: [stamp, 'markClosing'] },
            'HOST.KILL': { target: 'killing', actions: [stamp, 'recordKill', log('killed')] },
          },
        },
        up: {
          entry: report('up'),
          initial: 'listening',
          states: {
            listening: {
              after: {
                silence: {
                  target: '#host.alive.killing',
                  actions: [
                    { type: 'stampAfter', params: ({ context }) => ({ ms: context.timers.silentHostMs }) },
                    {
                      type: 'setDetail',
                      params: ({ context }) => ({
                        detail: `silent for ${Math.round(context.timers.silentHostMs / 1000)} s`,
                      }),
                    },
                    log('silent'),
                  ],
                },
              },
              on: { 'HOST.HEARTBEAT': { target: 'listening', reenter: true, actions: stamp } },
            },
          },
          on: {
            'HOST.CLOSE': { target: 'stopping', actions: [stamp, 'markClosing'] },
            'HOST.KILL': { target: 'killing', actions: [stamp, 'recordKill', log('killed')] },
          },
        },
        stopping: {
          entry: ['requestStop', report('stopping')],
          after: {
            stopTimeout: {
              target: 'killing',
              actions: [
                { type: 'stampAfter', params: ({ context }) => ({ ms: context.timers.hostStopTimeoutMs }) },
                { type: 'setDetail', params: { detail: 'stop-timeout' } },
                log('stop-timeout'),
              ],
            },
          },
          on: { 'HOST.KILL': { target: 'killing', actions: [stamp, 'recordKill', log('killed')] } },
        },
        killing: {
          entry: ['killProcess', report('killing')],
        },
      },
    },
    exited: {
      type: 'final',
      entry: [report('exited'), log('exited'), 'notifyParent'],
    },
  },
});
