/**
 * The tenant machine: keeps one tenant's bot (a child process) alive under the restart policy
 * (machines/policy.ts states every rule). Pure definition: the child process is the `botProcess` actor and
 * status/logging are the `reportStatus`/`logEvent` actions, all injected by the runtime with `.provide()`;
 * actions, guards and delays are in tenant-setup.ts.
 *
 * Top-level states: `idle` (no config), `starting` (child spawned, waiting for CHILD.READY), `running`,
 * `restarting` (`stopping` → `killing` → `backoff`), `stopped` (`stopping` → `killing` → `halted`, reason in
 * context) and the final `terminated` (after TENANT.SHUTDOWN; TENANT.STOPPED goes to the parent).
 *
 * Config events come from the supervisor: CONFIG.CHANGED / CONFIG.REMOVED, CONFIG.UNUSABLE (the config can
 * never start: stopped with its reason until a usable config comes) and CONFIG.RESTART_REQUESTED (an
 * operator's request stored with the config: answered once, as TENANT.RESTART, if newer than the last one
 * answered, which the context keeps).
 *
 * F1: the child is spawned with `spawnChild` as `child-<incarnation>` on entering `starting` and lives across
 * `starting` → `running`; it is released with `stopChild` only once its CHILD.EXIT has arrived, and only then
 * can `starting` be entered again. So at most one child exists, and events of an old child cannot arrive
 * (a stopped callback actor's `sendBack` is a no-op): no incarnation check is needed in the events.
 *
 * Time comes from the events' `at`; a timer transition is stamped with its deadline (timerDeadline).
 * Jitter comes from a PRNG whose state is in the context (seeded by input), never from Math.random.
 */
import { enqueueActions } from 'xstate';
import { DEFAULT_RESTART_POLICY, seedFrom } from './policy.ts';
import { tenantSetup } from './tenant-setup.ts';
import {
  abandonRestart,
  becomeUnusable,
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
  statusOf,
  stopTimedOut,
  stopWith,
  unexpectedExit,
  whileChildAlive,
} from './tenant-transitions.ts';

export * from './tenant-types.ts';

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
    lastRestartRequestAt: input.restartRequestedAt ?? null,
    unusable: input.unusable ?? null,
  }),
  // whatever the state, a restart request newer than the last one answered is answered as TENANT.RESTART
  on: {
    'CONFIG.RESTART_REQUESTED': {
      guard: 'isNewRestartRequest',
      actions: [stampEvent, 'recordRestartRequest', 'raiseRestart'],
    },
  },
  initial: 'idle',
  states: {
    idle: {
      entry: [
        'markStateStart',
        // not when spawned for an unusable config: the panel sees `stopped` only, as no bot ever starts
        enqueueActions(({ context, enqueue }) => {
          if (context.unusable === null) enqueue({ type: 'reportStatus', params: statusOf(context, 'idle') });
        }),
      ],
      always: [
        // spawned for a config that can never start: stopped with its reason, no bot
        { guard: 'isUnusable', target: 'stopped.halted', actions: ['applyUnusable', log('unusable')] },
        { guard: 'hasConfig', target: 'starting' },
      ],
      on: {
        'CONFIG.CHANGED': { target: 'starting', actions: [stampEvent, queueEventHash] },
        'CONFIG.UNUSABLE': { target: 'stopped.halted', actions: becomeUnusable },
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
            'clearUnusable',
            stopWith('disabled'),
            reportStatus('stopped'),
            log('stopping-disabled'),
          ],
        },
        // another reason (or a start queued to cancel): shown at once, the child (if any) still stopping
        'CONFIG.UNUSABLE': { guard: 'unusableNews', actions: [...becomeUnusable, reportStatus('stopped')] },
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
