/**
 * Transition fragments of the tenant machine (machines/tenant.ts) that several states share: the params of
 * the injected actions, the unexpected-exit rules and the stop paths. Typed against the context and events only.
 */
import {
  describeExit,
  type PollError,
  type StatusReport,
  type StoppedReason,
  type TenantContext,
  type TenantEvent,
  type TenantLogCode,
  type TenantLogParams,
  type TenantState,
  type TenantTimer,
  timerDeadline,
} from './tenant-types.ts';

type Ctx = { context: TenantContext };
type Ev = { event: TenantEvent };

/** `stamp` with the event's `at`. */
export const stampEvent = { type: 'stamp', params: ({ event }: Ev) => ({ at: event.at }) } as const;

/** `stamp` with the deadline of the timer that fired. */
export function stampTimer(timer: TenantTimer) {
  return { type: 'stamp', params: ({ context }: Ctx) => ({ at: timerDeadline(context, timer) }) } as const;
}

/**
 * The status report of `state` from the context: the stop reason on `stopped`, `polling-failing` on a
 * degraded `running`; `at` is the time of the latest event, or the state's start with `keepSince`.
 */
export function statusOf(
  context: TenantContext,
  state: TenantState,
  options: { keepSince?: boolean } = {},
): StatusReport {
  return {
    tenantId: context.tenantId,
    tenantName: context.tenantName,
    state,
    reason:
      state === 'stopped'
        ? context.stoppedReason
        : state === 'running' && context.pollError
          ? 'polling-failing'
          : null,
    detail:
      state === 'running'
        ? context.pollError && describePollError(context.pollError)
        : state === 'starting'
          ? null
          : context.lastError,
    restarts: context.restarts,
    pid: context.pid,
    botUsername: context.botUsername,
    pollFailingSince: state === 'running' ? (context.pollError?.since ?? null) : null,
    pollErrorCode: state === 'running' ? (context.pollError?.errorCode ?? null) : null,
    isolation: context.isolation?.reason ?? null,
    at: options.keepSince ? context.since : context.lastEventAt,
  };
}

/** `reportStatus` of `state` (statusOf). */
export function reportStatus(state: TenantState, options: { keepSince?: boolean } = {}) {
  return {
    type: 'reportStatus',
    params: ({ context }: Ctx): StatusReport => statusOf(context, state, options),
  } as const;
}

/** Telegram's answer to the failing getUpdates, e.g. `getUpdates 429: Too Many Requests: retry after 5`. */
export function describePollError(error: PollError): string {
  return `getUpdates ${error.errorCode ?? 'failed'}: ${error.description}`;
}

/** `logEvent` with `code`; `delayMs` when a backoff was just scheduled, `detail` = lastError when asked. */
export function log(event: TenantLogCode, extra: { delay?: boolean; detail?: boolean } = {}) {
  return {
    type: 'logEvent',
    params: ({ context }: Ctx): TenantLogParams => ({
      event,
      tenantId: context.tenantId,
      tenantName: context.tenantName,
      incarnation: context.incarnation,
      at: context.lastEventAt,
      ...(extra.delay ? { delayMs: context.retryDelayMs } : {}),
      ...(extra.detail && context.lastError !== null ? { detail: context.lastError } : {}),
      ...(event === 'isolated' && context.isolation ? { reason: context.isolation.reason } : {}),
      ...(event === 'polling-failing' && context.pollError
        ? { detail: describePollError(context.pollError) }
        : {}),
      ...(event === 'unusable' && context.unusable
        ? { detail: context.unusable.problem, reason: context.unusable.reason }
        : {}),
    }),
  } as const;
}

export const setError = (detail: string) => ({ type: 'setLastError', params: { detail } }) as const;
export const exitError = {
  type: 'setLastError',
  params: ({ event }: Ev) => ({ detail: event.type === 'CHILD.EXIT' ? describeExit(event) : event.type }),
} as const;
export const stopWith = (reason: StoppedReason) =>
  ({ type: 'setStoppedReason', params: { reason } }) as const;
export const queueEventHash = {
  type: 'setPendingConfig',
  params: ({ event }: Ev) => ({ configHash: event.type === 'CONFIG.CHANGED' ? event.configHash : null }),
} as const;
export const queueCurrentHash = {
  type: 'setPendingConfig',
  params: ({ context }: Ctx) => ({ configHash: context.pendingConfigHash ?? context.configHash }),
} as const;
export const clearPending = { type: 'setPendingConfig', params: { configHash: null } } as const;

/** Crash-limit guard for an exit at the event's `at` or at a timer's deadline. */
export const crashLimitAtEvent = {
  type: 'exceedsCrashLimit',
  params: ({ event }: Ev) => ({ at: event.at }),
} as const;
export const crashLimitAtTimer = (timer: TenantTimer) =>
  ({
    type: 'exceedsCrashLimit',
    params: ({ context }: Ctx) => ({ at: timerDeadline(context, timer) }),
  }) as const;

export const released = [stampEvent, 'releaseChild', 'forgetProcess'] as const;

/**
 * CONFIG.UNUSABLE: the config can never start. Stop for its reason (a start queued is dropped) and log it
 * once, with the problem.
 */
export const becomeUnusable = [stampEvent, 'recordUnusable', 'applyUnusable', log('unusable')] as const;

/** Move the tenant to a host of its own for `reason` (crash-loop), or for the reason its host gave (quarantine). */
export const isolateFor = (reason?: 'crash-loop') =>
  ({
    type: 'isolate',
    params: ({ event }: Ev) => ({
      reason:
        reason ??
        (event.type === 'CHILD.EXIT' ? (event.fatal?.isolation ?? 'event-loop-blocked') : 'crash-loop'),
    }),
  }) as const;

/** CHILD.EXIT we did not ask for (in `starting` or `running`); the child is already gone. */
export const unexpectedExit = [
  {
    // its shared host stopped it for harming its neighbours: restart at once in a host of its own
    guard: 'isQuarantine',
    target: '#tenant.restarting.backoff',
    actions: [...released, exitError, isolateFor(), 'retryNow', log('isolated', { detail: true })],
  },
  {
    guard: 'isUnauthorized',
    target: '#tenant.stopped.halted',
    actions: [...released, exitError, stopWith('invalid-token'), log('invalid-token', { detail: true })],
  },
  {
    guard: 'conflictWindowOver',
    target: '#tenant.stopped.halted',
    actions: [...released, exitError, stopWith('token-conflict'), log('token-conflict', { detail: true })],
  },
  {
    guard: 'isConflict',
    target: '#tenant.restarting.backoff',
    actions: [
      ...released,
      exitError,
      'noteConflict',
      'scheduleBackoff',
      log('conflict', { delay: true, detail: true }),
    ],
  },
  {
    guard: { ...crashLimitAtEvent, type: 'isolatesOnCrashLimit' },
    target: '#tenant.restarting.backoff',
    actions: [
      ...released,
      exitError,
      isolateFor('crash-loop'),
      'resetCrashCounters',
      'scheduleBackoff',
      log('isolated', { delay: true, detail: true }),
    ],
  },
  {
    guard: crashLimitAtEvent,
    target: '#tenant.stopped.halted',
    actions: [
      ...released,
      exitError,
      'recordUnexpectedExit',
      stopWith('crash-loop'),
      log('crash-loop', { detail: true }),
    ],
  },
  {
    target: '#tenant.restarting.backoff',
    actions: [
      ...released,
      exitError,
      'recordUnexpectedExit',
      'scheduleBackoff',
      log('exited-unexpectedly', { delay: true, detail: true }),
    ],
  },
] as const;

/** A start or heartbeat timeout: kill the child; counts as an unexpected exit at the timer's deadline. */
export function killOnTimeout(
  timer: 'startTimeout' | 'heartbeatTimeout',
  detail: string,
  code: TenantLogCode,
) {
  return [
    {
      guard: { ...crashLimitAtTimer(timer), type: 'isolatesOnCrashLimit' },
      target: '#tenant.restarting.killing',
      actions: [
        stampTimer(timer),
        setError(detail),
        isolateFor('crash-loop'),
        'resetCrashCounters',
        'scheduleBackoff',
        log('isolated', { delay: true, detail: true }),
      ],
    },
    {
      guard: crashLimitAtTimer(timer),
      target: '#tenant.stopped.killing',
      actions: [
        stampTimer(timer),
        setError(detail),
        'recordUnexpectedExit',
        stopWith('crash-loop'),
        log('crash-loop', { detail: true }),
      ],
    },
    {
      target: '#tenant.restarting.killing',
      actions: [
        stampTimer(timer),
        setError(detail),
        'recordUnexpectedExit',
        'scheduleBackoff',
        log(code, { delay: true, detail: true }),
      ],
    },
  ] as const;
}

/** Commands while a child is alive (`starting`, `running`): every stop path waits for CHILD.EXIT. */
export const whileChildAlive = {
  'CONFIG.CHANGED': {
    guard: 'hashDiffers',
    target: '#tenant.restarting.stopping',
    actions: [stampEvent, queueEventHash, 'resetFailureCounters', 'retryNow', log('restarting-config')],
  },
  'TENANT.RESTART': {
    target: '#tenant.restarting.stopping',
    actions: [stampEvent, 'resetFailureCounters', 'clearIsolation', 'retryNow', log('restarting-operator')],
  },
  'CONFIG.REMOVED': {
    target: '#tenant.stopped.stopping',
    actions: [stampEvent, stopWith('disabled'), log('stopping-disabled')],
  },
  'CONFIG.UNUSABLE': { target: '#tenant.stopped.stopping', actions: becomeUnusable },
  'TENANT.SHUTDOWN': {
    target: '#tenant.stopped.stopping',
    actions: [stampEvent, stopWith('shutdown'), log('stopping-shutdown')],
  },
} as const;

/** A graceful stop that outlived stopTimeoutMs: SIGKILL, then keep waiting for the exit. */
export const stopTimedOut = {
  target: 'killing',
  actions: [stampTimer('stopTimeout'), log('stop-timeout')],
} as const;

/** CHILD.EXIT after KILL while restarting: start now (config change, operator) or after the backoff (timeouts). */
export const exitWhileRestarting = [
  { guard: 'startsWithoutBackoff', target: '#tenant.starting', actions: released },
  { target: 'backoff', actions: released },
] as const;

/** CHILD.EXIT after STOP/KILL while stopping: start the queued config, or halt (→ terminated on shutdown). */
export const exitWhileStopping = [
  { guard: 'startsAfterExit', target: '#tenant.starting', actions: released },
  { target: 'halted', actions: released },
] as const;

/** Leaves a restart in progress for a stop: `disabled` (CONFIG.REMOVED), an unusable config, or `shutdown`. */
export function abandonRestart(target: string) {
  return {
    'CONFIG.REMOVED': {
      target,
      actions: [stampEvent, clearPending, stopWith('disabled'), log('stopping-disabled')],
    },
    'CONFIG.UNUSABLE': { target, actions: becomeUnusable },
    'TENANT.SHUTDOWN': {
      target,
      actions: [stampEvent, clearPending, stopWith('shutdown'), log('stopping-shutdown')],
    },
  } as const;
}
