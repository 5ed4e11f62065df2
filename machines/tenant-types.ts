/**
 * Types and pure helpers of the tenant machine (machines/tenant.ts): its input, context, events, the
 * child-process protocol and the params of the actions the runtime injects.
 */
import type {
  IsolationReason,
  RunningReason,
  StoppedReason,
  TenantState,
  UnusableReason,
} from '../src/contracts/bot.ts';
import type { RestartPolicy } from './policy.ts';

/** The shared vocabulary (src/contracts/bot.ts): states, stop, unusable, isolation and degraded reasons. */
export type { IsolationReason, RunningReason, StoppedReason, TenantState, UnusableReason };

/** A config that can never start: why, the sentence the organiser reads, and the problem for the log. */
export interface Unusable {
  reason: UnusableReason;
  /** Shown in the panel (`bot_status.detail`). */
  detail: string;
  /** For the log line (never holds the token). */
  problem: string;
}

/** Input of the tenant machine. The bot token is never here: the runtime resolves it by `tenantId`. */
export interface TenantInput {
  tenantId: string;
  tenantName: string;
  /** Hash of the config fields whose change needs a restart; null = no config yet (waits in `idle`). */
  configHash: string | null;
  /** Defaults to DEFAULT_RESTART_POLICY; validate overrides with validateRestartPolicy first. */
  policy?: RestartPolicy;
  /** Creation time, epoch ms (stamped by the runtime); default 0. */
  at?: number;
  /** Seed of the jitter PRNG; default derived from tenantId, so tenants retrying together spread out. */
  jitterSeed?: number;
  /**
   * The operator's restart request already recorded when the machine is spawned (epoch ms), or null: it
   * counts as answered, so only a later request restarts the bot.
   */
  restartRequestedAt?: number | null;
  /** The config can never start: the machine begins `stopped` with this reason and starts no bot. */
  unusable?: Unusable | null;
}

/**
 * What the bot reports when it ends on its own: a Telegram error (F2: kind, Bot API error_code, description),
 * or `quarantine` when its shared host stopped it for harming its neighbours (`isolation` says how).
 */
export interface ChildFatal {
  kind: 'unauthorized' | 'conflict' | 'other' | 'quarantine';
  errorCode?: number;
  description?: string;
  /** With kind `quarantine`: why the bot must run in a host of its own. */
  isolation?: IsolationReason;
}

/** A tenant isolated in a host of its own: why, and since when (epoch ms). */
export interface Isolation {
  reason: IsolationReason;
  since: number;
}

/** getUpdates failing: since when (epoch ms) and Telegram's last answer. */
export interface PollError {
  since: number;
  errorCode?: number;
  description: string;
}

/** Events the child process actor (`botProcess`) sends back. `at` is epoch ms, stamped by the runtime. */
export type ChildEvent =
  | { type: 'CHILD.READY'; pid: number; botUsername: string; at: number }
  /**
   * `lastPollAt`: when the polling loop last made progress (a getUpdates call returned); `pollError`:
   * getUpdates is failing since then (429, 5xx, network), with Telegram's answer.
   */
  | { type: 'CHILD.HEARTBEAT'; lastPollAt: number; at: number; pollError?: PollError }
  | { type: 'CHILD.EXIT'; code: number | null; signal: string | null; fatal?: ChildFatal; at: number };

/** Events from the supervisor (config poller, operator, shutdown). */
export type TenantCommand =
  | { type: 'CONFIG.CHANGED'; configHash: string; at: number }
  | { type: 'CONFIG.REMOVED'; at: number }
  /** The config can never start (Unusable): the bot is stopped with that reason until a usable config. */
  | ({ type: 'CONFIG.UNUSABLE'; at: number } & Unusable)
  /**
   * The config holds an operator's restart request made at `requestedAt` (epoch ms, `restart_requested_at`):
   * answered once, as TENANT.RESTART, if it is later than the last request answered; ignored otherwise.
   */
  | { type: 'CONFIG.RESTART_REQUESTED'; requestedAt: number; at: number }
  | { type: 'TENANT.RESTART'; at: number }
  | { type: 'TENANT.SHUTDOWN'; at: number };

export type TenantEvent = ChildEvent | TenantCommand;

/**
 * Events the machine sends to the child: STOP = graceful, KILL = at once (its bot host passes them on; a
 * host that does not confirm a KILL is SIGKILLed). Both idempotent and safe at any moment, before the
 * child is ready too (F4).
 */
export type ChildCommand = { type: 'STOP' } | { type: 'KILL' };

/** Input of the `botProcess` actor; the runtime resolves the token from `tenantId`. */
export interface BotProcessInput {
  tenantId: string;
  configHash: string;
  /** Run the bot in a bot host of its own (the tenant is isolated), not in a shared one. */
  isolated: boolean;
  /** 1 for the first child of this tenant machine, +1 per start; the actor id is `child-<incarnation>`. */
  incarnation: number;
}

/** Sent to the parent (supervisor) once the tenant has fully stopped after TENANT.SHUTDOWN. */
export type TenantParentEvent = { type: 'TENANT.STOPPED'; tenantId: string };

/** Params of `reportStatus`, called on entering every top-level state (and when a stop reason changes). */
export interface StatusReport {
  tenantId: string;
  tenantName: string;
  state: TenantState;
  /** Why it stopped; on `running`, `polling-failing` while getUpdates fails (the bot is degraded). */
  reason: StoppedReason | RunningReason | null;
  /** Human-readable detail: the last error ("conflict 409: ...", "heartbeat-timeout", "exit code 1"). */
  detail: string | null;
  restarts: number;
  pid: number | null;
  botUsername: string | null;
  /** On `running`: getUpdates failing since when (epoch ms) and Telegram's error code; else null. */
  pollFailingSince: number | null;
  pollErrorCode: number | null;
  /** The tenant's bot runs in a host of its own, and why; null while it shares a host. */
  isolation: IsolationReason | null;
  /** When this state began, epoch ms. */
  at: number;
}

/** Short codes of `logEvent`. */
export type TenantLogCode =
  | 'starting'
  | 'started'
  | 'restarting-config'
  | 'restarting-operator'
  | 'exited-unexpectedly'
  | 'conflict'
  | 'killed-heartbeat'
  | 'killed-start-timeout'
  | 'stop-timeout'
  | 'crash-loop'
  | 'invalid-token'
  | 'token-conflict'
  | 'stopping-disabled'
  | 'stopping-shutdown'
  | 'polling-failing'
  | 'polling-recovered'
  | 'isolated'
  | 'unusable'
  | 'terminated';

/** Params of `logEvent`. `delayMs` is the backoff before the next start, when one is scheduled. */
export interface TenantLogParams {
  event: TenantLogCode;
  tenantId: string;
  tenantName: string;
  incarnation: number;
  at: number;
  delayMs?: number;
  detail?: string;
  /** For `isolated`: why the bot is moved to a host of its own. For `unusable`: why the config cannot start. */
  reason?: IsolationReason | UnusableReason;
}

export interface TenantContext {
  tenantId: string;
  tenantName: string;
  policy: RestartPolicy;
  /** Hash of the current (or last) child's config. */
  configHash: string | null;
  /** Newest hash to start once the current child has exited; also "start again after the exit". */
  pendingConfigHash: string | null;
  /** Number of the current (or last) child; its actor id is `child-<incarnation>`. */
  incarnation: number;
  /** Children started again after the first one (for the status). */
  restarts: number;
  /** `at` of recent unexpected exits (crash-loop window). */
  recentExits: number[];
  /** Unexpected exits in a row since a run last reached `stableResetMs` (second crash-loop rule). */
  unstableRuns: number;
  /** Restarts made in the current backoff series. */
  backoffAttempt: number;
  /** Delay before the next start once the child has exited; 0 = start right after the exit. */
  retryDelayMs: number;
  /** `at` of the first 409 of the current conflict series. */
  conflictSince: number | null;
  stoppedReason: StoppedReason | null;
  lastError: string | null;
  pid: number | null;
  botUsername: string | null;
  /** When the current top-level state began. */
  since: number;
  /** When the current sub-state began (timers count from here). */
  phaseSince: number;
  /** Last fresh heartbeat (or readiness). */
  lastHeartbeatAt: number | null;
  /** The running child's getUpdates is failing (from its heartbeat); null while polling works. */
  pollError: PollError | null;
  /** The bot runs in a host of its own since then, and why; null = it shares a host. */
  isolation: Isolation | null;
  /** Time of the latest event handled: its `at`, or the deadline of the timer that fired. */
  lastEventAt: number;
  /** State of the jitter PRNG (see nextRandom). */
  rngState: number;
  /** `requestedAt` of the last operator restart request answered (or recorded at spawn); null = none yet. */
  lastRestartRequestAt: number | null;
  /** The config can never start (set by CONFIG.UNUSABLE or the input); null once a usable config starts. */
  unusable: Unusable | null;
}

/** Named delays of the tenant machine. */
export type TenantTimer = 'backoff' | 'startTimeout' | 'heartbeatTimeout' | 'stableReset' | 'stopTimeout';

/** Actor id of child number `incarnation`. */
export function childId(incarnation: number): string {
  return `child-${incarnation}`;
}

/**
 * When `timer` fires, computed from the context and the policy (the same numbers the default delays use).
 * The machine stamps timer transitions with it, since a delayed event carries no `at`.
 */
export function timerDeadline(context: TenantContext, timer: TenantTimer): number {
  const { policy } = context;
  switch (timer) {
    case 'backoff':
      return context.phaseSince + context.retryDelayMs;
    case 'startTimeout':
      return context.phaseSince + policy.startTimeoutMs;
    case 'heartbeatTimeout':
      return context.phaseSince + policy.heartbeatTimeoutMs;
    case 'stableReset':
      return context.since + policy.stableResetMs;
    case 'stopTimeout':
      return context.phaseSince + policy.stopTimeoutMs;
  }
}

/** Unexpected exits still inside the crash window at time `at`. */
export function exitsWithinWindow(recentExits: readonly number[], at: number, windowMs: number): number[] {
  return recentExits.filter((t) => at - t < windowMs);
}

/** "exit code 1", "signal SIGKILL", "unauthorized 401: Unauthorized" — for lastError and the panel. */
export function describeExit(event: Extract<ChildEvent, { type: 'CHILD.EXIT' }>): string {
  const { fatal } = event;
  if (fatal) {
    const code = fatal.errorCode === undefined ? '' : ` ${fatal.errorCode}`;
    return `${fatal.kind}${code}${fatal.description ? `: ${fatal.description}` : ''}`;
  }
  return event.signal ? `signal ${event.signal}` : `exit code ${String(event.code)}`;
}
