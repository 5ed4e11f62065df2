/**
 * The setup of the tenant machine (machines/tenant.ts): its types, the default `botProcess` stub, the
 * injected actions (`reportStatus`, `logEvent`), the context updates, the guards that decide every rule of the
 * restart policy (machines/policy.ts) and the named delays. The state chart itself is in tenant.ts.
 */
import { assign, enqueueActions, fromCallback, raise, sendTo, setup, spawnChild, stopChild } from 'xstate';
import { backoffDelay, nextRandom } from './policy.ts';
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

/** Default `botProcess`: a stub that does nothing. The runtime provides the real child process. */
const botProcess = fromCallback<ChildCommand, BotProcessInput>(() => undefined);

/** The tenant machine's setup: `tenantSetup.createMachine(...)` builds it (tenant.ts). */
export const tenantSetup = setup({
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
      unusable: null,
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
      // The bot started: the error before it is resolved, and must not explain a later stop.
      lastError: null,
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
    /** CONFIG.UNUSABLE: remember why the config cannot start (applyUnusable then stops the tenant for it). */
    recordUnusable: assign(({ context, event }) => ({
      unusable:
        event.type === 'CONFIG.UNUSABLE'
          ? { reason: event.reason, detail: event.detail, problem: event.problem }
          : context.unusable,
    })),
    /** Stopped for the unusable config: its reason, its detail shown, nothing queued to start. */
    applyUnusable: assign(({ context }) => ({
      stoppedReason: context.unusable?.reason ?? context.stoppedReason,
      lastError: context.unusable?.detail ?? context.lastError,
      pendingConfigHash: null,
    })),
    clearUnusable: assign({ unusable: null }),
    /** A restart request answered (acted on or refused): later copies and older ones are ignored. */
    recordRestartRequest: assign(({ context, event }) => ({
      lastRestartRequestAt:
        event.type === 'CONFIG.RESTART_REQUESTED' ? event.requestedAt : context.lastRestartRequestAt,
    })),
    /** A new restart request is answered as an operator restart (TENANT.RESTART), in whatever state. */
    raiseRestart: raise(({ event }) => ({ type: 'TENANT.RESTART' as const, at: event.at })),
    notifyParent: enqueueActions(({ context, self, enqueue }) => {
      if (self._parent) enqueue.sendParent({ type: 'TENANT.STOPPED', tenantId: context.tenantId });
    }),
  },
  guards: {
    hasConfig: ({ context }) => context.configHash !== null,
    /** Spawned for a config that can never start. */
    isUnusable: ({ context }) => context.unusable !== null,
    /**
     * CONFIG.UNUSABLE changes something in `stopped`: another reason than the one shown, or a start queued
     * to cancel. Never during a shutdown.
     */
    unusableNews: ({ context, event }) =>
      event.type === 'CONFIG.UNUSABLE' &&
      context.stoppedReason !== 'shutdown' &&
      (event.reason !== context.unusable?.reason || context.pendingConfigHash !== null),
    /** The request is later than the last one answered (or the first one). */
    isNewRestartRequest: ({ context, event }) =>
      event.type === 'CONFIG.RESTART_REQUESTED' &&
      (context.lastRestartRequestAt === null || event.requestedAt > context.lastRestartRequestAt),
    /** The event brings a hash other than the one running or already queued. */
    hashDiffers: ({ context, event }) =>
      event.type === 'CONFIG.CHANGED' &&
      event.configHash !== (context.pendingConfigHash ?? context.configHash),
    /**
     * From `stopped`: a disabled tenant or one stopped for an unusable config starts on any (usable) config;
     * a failed one only on a new hash.
     */
    mayStartWithConfig: ({ context, event }) =>
      event.type === 'CONFIG.CHANGED' &&
      context.stoppedReason !== 'shutdown' &&
      (context.stoppedReason === 'disabled' ||
        context.unusable !== null ||
        event.configHash !== (context.pendingConfigHash ?? context.configHash)),
    /** An operator restart needs a usable config that is not disabled, and no shutdown in progress. */
    mayRestart: ({ context }) =>
      context.configHash !== null &&
      context.unusable === null &&
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
