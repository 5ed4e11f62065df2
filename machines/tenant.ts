/**
 * The tenant machine: keeps one tenant's bot (a child process) alive under the restart policy
 * (machines/policy.ts states every rule). Pure definition: the child process is the `botProcess` actor and
 * status/logging are the `reportStatus`/`logEvent` actions, all injected by the runtime with `.provide()`.
 *
 * Top-level states: `idle` (no config), `starting` (child spawned, waiting for CHILD.READY), `running`,
 * `restarting` (`stopping` → `killing` → `backoff`), `stopped` (`stopping` → `killing` → `halted`, reason in
 * context) and the final `terminated` (after TENANT.SHUTDOWN; TENANT.STOPPED goes to the parent).
 *
 * F1: the child is spawned with `spawnChild` as `child-<incarnation>` on entering `starting` and lives across
 * `starting` → `running`; it is released with `stopChild` only once its CHILD.EXIT has arrived, and only then
 * can `starting` be entered again. So at most one child exists, and events of an old child cannot arrive
 * (a stopped callback actor's `sendBack` is a no-op): no incarnation check is needed in the events.
 *
 * Time comes from the events' `at`; a timer transition is stamped with its deadline (timerDeadline).
 * Jitter comes from a PRNG whose state is in the context (seeded by input), never from Math.random.
 */
import { assign, enqueueActions, fromCallback, sendTo, setup, spawnChild, stopChild } from 'xstate';
import { backoffDelay, DEFAULT_RESTART_POLICY, nextRandom, seedFrom } from './policy.ts';
import {
  abandonRestart,
  clearPending,
  exitWhileRestarting,
  exitWhileStopping,
  killOnTimeout,
  log,
  queueCurrentHash,
  queueEventHash,
  released,
  reportStatus,
  stampEvent,
  stampTimer,
  stopTimedOut,
  stopWith,
  unexpectedExit,
  whileChildAlive,
} from './tenant-transitions.ts';
import {
  type BotProcessInput,
  type ChildCommand,
  childId,
  exitsWithinWindow,
  type IsolationReason,
  type StatusReport,
  type StoppedReason,
  type TenantContext,
  type TenantEvent,
  type TenantInput,
  type TenantLogParams,
} from './tenant-types.ts';

export * from './tenant-types.ts';

/** Default `botProcess`: a stub that does nothing. The runtime provides the real child process. */
const botProcess = fromCallback<ChildCommand, BotProcessInput>(() => undefined);

const tenantSetup = setup({
  types: {
    context: {} as TenantContext,
    events: {} as TenantEvent,
    input: {} as TenantInput,
  },
  actors: { botProcess },
  actions: {
    /** Injected: mirror the status to the DB and the status store. */
    reportStatus: (_, _params: StatusReport) => {},
    /** Injected: write a log line. */
    logEvent: (_, _params: TenantLogParams) => {},
    stamp: assign((_, params: { at: number }) => ({ lastEventAt: params.at })),
    markStateStart: assign(({ context }) => ({
      since: context.lastEventAt,
      phaseSince: context.lastEventAt,
    })),
    markPhaseStart: assign(({ context }) => ({ phaseSince: context.lastEventAt })),
    applyPendingConfig: assign(({ context }) => ({
      configHash: context.pendingConfigHash ?? context.configHash,
      pendingConfigHash: null,
      stoppedReason: null,
    })),
    nextIncarnation: assign(({ context }) => ({
      incarnation: context.incarnation + 1,
      restarts: context.incarnation > 0 ? context.restarts + 1 : context.restarts,
      pid: null,
    })),
    spawnBotProcess: spawnChild('botProcess', {
      id: ({ context }) => childId(context.incarnation),
      input: ({ context }) => ({
        tenantId: context.tenantId,
        configHash: context.configHash ?? '',
        incarnation: context.incarnation,
        isolated: context.isolation !== null,
      }),
    }),
    requestStop: sendTo(({ context }) => childId(context.incarnation), { type: 'STOP' }),
    killChild: sendTo(({ context }) => childId(context.incarnation), { type: 'KILL' }),
    releaseChild: stopChild(({ context }) => childId(context.incarnation)),
    forgetProcess: assign({ pid: null }),
    recordReady: assign((_, params: { pid: number; botUsername: string; at: number }) => ({
      pid: params.pid,
      botUsername: params.botUsername,
      lastHeartbeatAt: params.at,
      pollError: null,
    })),
    recordPollError: assign(({ event }) => ({
      pollError: event.type === 'CHILD.HEARTBEAT' ? (event.pollError ?? null) : null,
    })),
    clearPollError: assign({ pollError: null }),
    recordHeartbeat: assign((_, params: { at: number }) => ({ lastHeartbeatAt: params.at })),
    setLastError: assign((_, params: { detail: string }) => ({ lastError: params.detail })),
    recordUnexpectedExit: assign(({ context }) => ({
      recentExits: [
        ...exitsWithinWindow(context.recentExits, context.lastEventAt, context.policy.crashWindowMs),
        context.lastEventAt,
      ],
      unstableRuns: context.unstableRuns + 1,
    })),
    noteConflict: assign(({ context }) => ({ conflictSince: context.conflictSince ?? context.lastEventAt })),
    scheduleBackoff: assign(({ context }) => {
      const draw = nextRandom(context.rngState);
      return {
        retryDelayMs: backoffDelay(context.backoffAttempt, context.policy, draw.value),
        backoffAttempt: Math.min(context.backoffAttempt + 1, 64),
        rngState: draw.state,
      };
    }),
    retryNow: assign({ retryDelayMs: 0 }),
    resetFailureCounters: assign({
      backoffAttempt: 0,
      recentExits: [],
      unstableRuns: 0,
      conflictSince: null,
    }),
    resetBackoff: assign({ backoffAttempt: 0, unstableRuns: 0, conflictSince: null }),
    /** After a move to a host of its own: the crash-loop rules count afresh there. */
    resetCrashCounters: assign({ recentExits: [], unstableRuns: 0 }),
    isolate: assign(({ context }, params: { reason: IsolationReason }) => ({
      isolation: { reason: params.reason, since: context.lastEventAt },
    })),
    clearIsolation: assign({ isolation: null }),
    setPendingConfig: assign((_, params: { configHash: string | null }) => ({
      pendingConfigHash: params.configHash,
    })),
    setStoppedReason: assign((_, params: { reason: StoppedReason }) => ({ stoppedReason: params.reason })),
    notifyParent: enqueueActions(({ context, self, enqueue }) => {
      if (self._parent) enqueue.sendParent({ type: 'TENANT.STOPPED', tenantId: context.tenantId });
    }),
  },
  guards: {
    hasConfig: ({ context }) => context.configHash !== null,
    /** The event brings a hash other than the one running or already queued. */
    hashDiffers: ({ context, event }) =>
      event.type === 'CONFIG.CHANGED' &&
      event.configHash !== (context.pendingConfigHash ?? context.configHash),
    /** From `stopped`: a disabled tenant starts on any config; a failed one only on a new hash. */
    mayStartWithConfig: ({ context, event }) =>
      event.type === 'CONFIG.CHANGED' &&
      context.stoppedReason !== 'shutdown' &&
      (context.stoppedReason === 'disabled' ||
        event.configHash !== (context.pendingConfigHash ?? context.configHash)),
    /** An operator restart needs a config that is not disabled, and no shutdown in progress. */
    mayRestart: ({ context }) =>
      context.configHash !== null &&
      context.stoppedReason !== 'disabled' &&
      context.stoppedReason !== 'shutdown',
    notShuttingDown: ({ context }) => context.stoppedReason !== 'shutdown',
    isShuttingDown: ({ context }) => context.stoppedReason === 'shutdown',
    startsAfterExit: ({ context }) => context.pendingConfigHash !== null,
    startsWithoutBackoff: ({ context }) => context.retryDelayMs === 0,
    isUnauthorized: ({ event }) => event.type === 'CHILD.EXIT' && event.fatal?.kind === 'unauthorized',
    isConflict: ({ event }) => event.type === 'CHILD.EXIT' && event.fatal?.kind === 'conflict',
    /** Its shared host stopped the bot for harming its neighbours (and it is not isolated yet). */
    isQuarantine: ({ context, event }) =>
      event.type === 'CHILD.EXIT' && event.fatal?.kind === 'quarantine' && context.isolation === null,

    /** A 409 more than conflictWindowMs after the first 409 of the series. */
    conflictWindowOver: ({ context, event }) =>
      event.type === 'CHILD.EXIT' &&
      event.fatal?.kind === 'conflict' &&
      context.conflictSince !== null &&
      event.at - context.conflictSince >= context.policy.conflictWindowMs,
    /**
     * This unexpected exit (at `params.at`) makes more than maxUnexpectedExits within crashWindowMs, or
     * maxUnstableRuns exits in a row without a stable run between them.
     */
    exceedsCrashLimit: ({ context }, params: { at: number }) =>
      exitsWithinWindow(context.recentExits, params.at, context.policy.crashWindowMs).length + 1 >
        context.policy.maxUnexpectedExits || context.unstableRuns + 1 >= context.policy.maxUnstableRuns,
    /**
     * The crash limit is reached (as exceedsCrashLimit) while the bot shares a host and the policy says to
     * move it to a host of its own first (`isolateOnCrashLoop`).
     */
    isolatesOnCrashLimit: ({ context }, params: { at: number }) =>
      context.policy.isolateOnCrashLoop &&
      context.isolation === null &&
      (exitsWithinWindow(context.recentExits, params.at, context.policy.crashWindowMs).length + 1 >
        context.policy.maxUnexpectedExits ||
        context.unstableRuns + 1 >= context.policy.maxUnstableRuns),
    /** The heartbeat proves polling progressed within heartbeatTimeoutMs (F18: a live process is not enough). */
    pollIsFresh: ({ context, event }) =>
      event.type === 'CHILD.HEARTBEAT' && event.at - event.lastPollAt < context.policy.heartbeatTimeoutMs,
    /** The heartbeat says getUpdates is failing (429, 5xx, network), and it was not before. */
    pollStartsFailing: ({ context, event }) =>
      event.type === 'CHILD.HEARTBEAT' && event.pollError !== undefined && context.pollError === null,
    /** The heartbeat says getUpdates is still failing. */
    pollStillFailing: ({ event }) => event.type === 'CHILD.HEARTBEAT' && event.pollError !== undefined,
    /** Polling works again after failing: fresh, no error, and the status still says degraded. */
    pollRecovered: ({ context, event }) =>
      event.type === 'CHILD.HEARTBEAT' &&
      event.pollError === undefined &&
      context.pollError !== null &&
      event.at - event.lastPollAt < context.policy.heartbeatTimeoutMs,
  },
  delays: {
    backoff: ({ context }) => context.retryDelayMs,
    startTimeout: ({ context }) => context.policy.startTimeoutMs,
    heartbeatTimeout: ({ context }) => context.policy.heartbeatTimeoutMs,
    stableReset: ({ context }) => context.policy.stableResetMs,
    stopTimeout: ({ context }) => context.policy.stopTimeoutMs,
  },
});

/** The tenant machine. Provide `botProcess`, `reportStatus` and `logEvent`; override delays through the policy. */
export const tenantMachine = tenantSetup.createMachine({
  id: 'tenant',
  context: ({ input }) => ({
    tenantId: input.tenantId,
    tenantName: input.tenantName,
    policy: input.policy ?? DEFAULT_RESTART_POLICY,
    configHash: input.configHash,
    pendingConfigHash: null,
    incarnation: 0,
    restarts: 0,
    recentExits: [],
    unstableRuns: 0,
    backoffAttempt: 0,
    retryDelayMs: 0,
    conflictSince: null,
    stoppedReason: null,
    lastError: null,
    pid: null,
    botUsername: null,
    since: input.at ?? 0,
    phaseSince: input.at ?? 0,
    lastHeartbeatAt: null,
    pollError: null,
    isolation: null,
    lastEventAt: input.at ?? 0,
    rngState: input.jitterSeed ?? seedFrom(input.tenantId),
  }),
  initial: 'idle',
  states: {
    idle: {
      entry: ['markStateStart', reportStatus('idle')],
      always: { guard: 'hasConfig', target: 'starting' },
      on: {
        'CONFIG.CHANGED': { target: 'starting', actions: [stampEvent, queueEventHash] },
        'TENANT.SHUTDOWN': { target: 'terminated', actions: stampEvent },
      },
    },
    starting: {
      entry: [
        'markStateStart',
        'applyPendingConfig',
        'nextIncarnation',
        'spawnBotProcess',
        log('starting'),
        reportStatus('starting'),
      ],
      after: { startTimeout: killOnTimeout('startTimeout', 'start-timeout', 'killed-start-timeout') },
      on: {
        ...whileChildAlive,
        'CHILD.READY': {
          target: 'running',
          actions: [stampEvent, { type: 'recordReady', params: ({ event }) => event }, log('started')],
        },
        'CHILD.EXIT': unexpectedExit,
      },
    },
    running: {
      entry: ['markStateStart', reportStatus('running')],
      after: { stableReset: { actions: [stampTimer('stableReset'), 'resetBackoff'] } },
      on: { ...whileChildAlive, 'CHILD.EXIT': unexpectedExit },
      initial: 'healthy',
      states: {
        healthy: {
          entry: 'markPhaseStart',
          after: {
            heartbeatTimeout: killOnTimeout('heartbeatTimeout', 'heartbeat-timeout', 'killed-heartbeat'),
          },
          // Degraded is a reason on running (`polling-failing`, with Telegram's answer as the detail), not
          // a state of its own: the heartbeat timer keeps counting from the last fresh poll, so a bot whose
          // polling never recovers is still killed and restarted after heartbeatTimeoutMs (F18).
          on: {
            'CHILD.HEARTBEAT': [
              {
                guard: 'pollStartsFailing',
                actions: [
                  stampEvent,
                  'recordPollError',
                  reportStatus('running', { keepSince: true }),
                  log('polling-failing'),
                ],
              },
              {
                guard: 'pollStillFailing',
                actions: [stampEvent, 'recordPollError', reportStatus('running', { keepSince: true })],
              },
              {
                guard: 'pollRecovered',
                target: 'healthy',
                reenter: true,
                actions: [
                  stampEvent,
                  { type: 'recordHeartbeat', params: ({ event }) => ({ at: event.at }) },
                  'clearPollError',
                  reportStatus('running', { keepSince: true }),
                  log('polling-recovered'),
                ],
              },
              {
                guard: 'pollIsFresh',
                target: 'healthy',
                reenter: true,
                actions: [stampEvent, { type: 'recordHeartbeat', params: ({ event }) => ({ at: event.at }) }],
              },
            ],
          },
        },
      },
    },
    restarting: {
      entry: ['markStateStart', reportStatus('restarting')],
      on: {
        'CONFIG.CHANGED': {
          guard: 'hashDiffers',
          actions: [stampEvent, queueEventHash, 'resetFailureCounters', 'retryNow', log('restarting-config')],
        },
        'TENANT.RESTART': {
          actions: [
            stampEvent,
            'resetFailureCounters',
            'clearIsolation',
            'retryNow',
            log('restarting-operator'),
          ],
        },
      },
      initial: 'backoff',
      states: {
        stopping: {
          entry: ['markPhaseStart', 'requestStop'],
          after: { stopTimeout: stopTimedOut },
          on: {
            // only a config change or an operator restart asks to stop: start right after the exit
            'CHILD.EXIT': { target: '#tenant.starting', actions: released },
            ...abandonRestart('#tenant.stopped.stopping'),
          },
        },
        killing: {
          entry: ['markPhaseStart', 'killChild'],
          on: { 'CHILD.EXIT': exitWhileRestarting, ...abandonRestart('#tenant.stopped.killing') },
        },
        backoff: {
          entry: 'markPhaseStart',
          after: { backoff: { target: '#tenant.starting', actions: stampTimer('backoff') } },
          on: {
            'CONFIG.CHANGED': {
              guard: 'hashDiffers',
              target: '#tenant.starting',
              actions: [stampEvent, queueEventHash, 'resetFailureCounters', log('restarting-config')],
            },
            'TENANT.RESTART': {
              target: '#tenant.starting',
              actions: [stampEvent, 'resetFailureCounters', 'clearIsolation', log('restarting-operator')],
            },
            ...abandonRestart('#tenant.stopped.halted'),
          },
        },
      },
    },
    stopped: {
      entry: ['markStateStart', reportStatus('stopped')],
      on: {
        'CONFIG.CHANGED': {
          guard: 'mayStartWithConfig',
          actions: [stampEvent, queueEventHash, 'resetFailureCounters'],
        },
        'TENANT.RESTART': {
          guard: 'mayRestart',
          actions: [stampEvent, queueCurrentHash, 'resetFailureCounters', 'clearIsolation'],
        },
        'CONFIG.REMOVED': {
          guard: 'notShuttingDown',
          actions: [
            stampEvent,
            clearPending,
            stopWith('disabled'),
            reportStatus('stopped'),
            log('stopping-disabled'),
          ],
        },
        'TENANT.SHUTDOWN': {
          actions: [
            stampEvent,
            clearPending,
            stopWith('shutdown'),
            reportStatus('stopped'),
            log('stopping-shutdown'),
          ],
        },
      },
      initial: 'halted',
      states: {
        stopping: {
          entry: ['markPhaseStart', 'requestStop'],
          after: { stopTimeout: stopTimedOut },
          on: { 'CHILD.EXIT': exitWhileStopping },
        },
        killing: {
          entry: ['markPhaseStart', 'killChild'],
          on: { 'CHILD.EXIT': exitWhileStopping },
        },
        halted: {
          // Report again once the child is gone (pid null): "stopped" in the panel means no process left.
          entry: reportStatus('stopped'),
          always: { guard: 'isShuttingDown', target: '#tenant.terminated' },
          on: {
            'CONFIG.CHANGED': {
              guard: 'mayStartWithConfig',
              target: '#tenant.starting',
              actions: [stampEvent, queueEventHash, 'resetFailureCounters', log('restarting-config')],
            },
            'TENANT.RESTART': {
              guard: 'mayRestart',
              target: '#tenant.starting',
              actions: [stampEvent, 'resetFailureCounters', 'clearIsolation', log('restarting-operator')],
            },
            'TENANT.SHUTDOWN': { target: '#tenant.terminated', actions: stampEvent },
          },
        },
      },
    },
    terminated: {
      type: 'final',
      entry: [log('terminated'), 'notifyParent'],
    },
  },
});
