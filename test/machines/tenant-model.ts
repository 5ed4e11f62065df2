/**
 * The test model of the tenant machine for `xstate/graph`: which events can happen in a snapshot (with
 * concrete payloads and times), and an abstraction of snapshots that keeps everything that decides future
 * behaviour (hashes, reason, backoff attempt, crash window, unstable runs in a row, conflict age, time left on each timer,
 * whether polling is failing, whether the bot is isolated in a host of its own) and drops
 * absolute times and pure counters. Two snapshots with the same abstraction react alike to every model
 * event, so a path found on one replays identically from the other.
 *
 * Restart requests: a CONFIG.RESTART_REQUESTED is offered newer than, equal to and older than the last request
 * answered (`sinceLastRequestMs` says by how much), so the abstraction can drop when that was.
 *
 * Time: an event's `at` is the model's "now" (the snapshot's `lastEventAt`) plus a gap; only a heartbeat may
 * carry a gap (20 s), and only when it lands before every pending timer. A timer is offered only when it is
 * the earliest pending one, so every path is also a possible timeline. A 0 ms timer (the backoff after a
 * quarantine exit) is pending at now: other events may still come before it, as on the next tick in real life.
 */
import type { AnyStateNode, SnapshotFrom } from 'xstate';
import type { RestartPolicy } from '../../machines/policy.ts';
import type {
  ChildEvent,
  TenantCommand,
  TenantContext,
  tenantMachine,
  Unusable,
  UnusableReason,
} from '../../machines/tenant.ts';

export type TenantSnapshot = SnapshotFrom<typeof tenantMachine>;
/**
 * A model event: a real event, or a delayed event `xstate.after.<delay>.<state id>` (a timer firing).
 * `gapMs` (ignored by the machine) says how far after the model's now the event happens, so a replay can
 * re-stamp it on its own clock whichever snapshot of the same abstract state the graph picked;
 * `sinceLastRequestMs` likewise places a restart request relative to the last one the machine answered.
 */
export type ModelEvent =
  | ((TenantCommand | ChildEvent) & { gapMs?: number; sinceLastRequestMs?: number })
  | { type: `xstate.after.${string}` };

export interface PendingTimer {
  type: string;
  delay: string;
  deadline: number;
}

/** The model's clock: the time of the latest event or timer the snapshot has seen. */
export function modelNow(snapshot: TenantSnapshot): number {
  return snapshot.context.lastEventAt;
}

/**
 * When a named delay of a state was armed and how long it runs — written from the policy, independently of
 * the machine's helper.
 */
function timerOf(delay: string, context: TenantContext): { armedAt: number; durationMs: number } {
  const p: RestartPolicy = context.policy;
  const table: Record<string, { armedAt: number; durationMs: number }> = {
    backoff: { armedAt: context.phaseSince, durationMs: context.retryDelayMs },
    startTimeout: { armedAt: context.phaseSince, durationMs: p.startTimeoutMs },
    heartbeatTimeout: { armedAt: context.phaseSince, durationMs: p.heartbeatTimeoutMs },
    stableReset: { armedAt: context.since, durationMs: p.stableResetMs },
    stopTimeout: { armedAt: context.phaseSince, durationMs: p.stopTimeoutMs },
  };
  const timer = table[delay];
  if (timer === undefined) throw new Error(`the test model does not know the delay "${delay}"`);
  return timer;
}

function nodesOf(snapshot: TenantSnapshot): AnyStateNode[] {
  return (snapshot as unknown as { _nodes: AnyStateNode[] })._nodes;
}

/**
 * Timers armed in the active states that have not fired yet, read from the machine's `after` definitions.
 * A timer whose deadline is now is pending only if it runs 0 ms (the backoff after a quarantine exit: it
 * fires on the next tick); any other timer at its deadline has fired already (stableReset stays in its state).
 */
export function pendingTimers(snapshot: TenantSnapshot): PendingTimer[] {
  if (snapshot.status !== 'active') return [];
  const now = modelNow(snapshot);
  const timers: PendingTimer[] = [];
  for (const node of nodesOf(snapshot)) {
    // guarded alternatives of one delay share its event: one timer per event type
    for (const t of new Map(node.after.map((t) => [t.eventType, t])).values()) {
      const delay = String(t.delay);
      const { armedAt, durationMs } = timerOf(delay, snapshot.context);
      const deadline = armedAt + durationMs;
      if (deadline > now || (durationMs === 0 && deadline === now))
        timers.push({ type: t.eventType, delay, deadline });
    }
  }
  return timers.sort((a, b) => a.deadline - b.deadline);
}

export function hasLiveChild(snapshot: TenantSnapshot): boolean {
  return Object.keys(snapshot.children).length > 0;
}

export interface ModelOptions {
  /** Config hashes the supervisor may send. */
  hashes: readonly string[];
  /** Child exits offered while a child is alive. */
  exits: ReadonlyArray<Omit<Extract<ChildEvent, { type: 'CHILD.EXIT' }>, 'type' | 'at'>>;
  /** Offer heartbeats (fresh, stale, and fresh after a 20 s gap). */
  heartbeats: boolean;
  /** Offer TENANT.RESTART / CONFIG.REMOVED / TENANT.SHUTDOWN. */
  operator: boolean;
  /** Offer CONFIG.UNUSABLE with these reasons. */
  unusable?: readonly UnusableReason[];
  /** Offer CONFIG.RESTART_REQUESTED: newer than the last one answered, the same one, an older one. */
  restartRequests?: boolean;
}

/** What the supervisor says of each unusable config (the runtime's sentences are not the machine's business). */
export const UNUSABLE: Record<UnusableReason, Unusable> = {
  'token-unreadable': {
    reason: 'token-unreadable',
    detail: 'the stored token cannot be decrypted; save the token again',
    problem: 'unable to authenticate data',
  },
  'invalid-token': {
    reason: 'invalid-token',
    detail: 'the stored token is not a bot token; save the token again',
    problem: 'the stored token is not a bot token',
  },
  'token-conflict': {
    reason: 'token-conflict',
    detail: 'this bot is configured for another tenant',
    problem: 'the same bot is configured for another tenant',
  },
};

/** Where the requests offered lie relative to the last one answered (ms): newer, the same, older. */
export const REQUEST_OFFSETS = [1_000, 0, -1_000] as const;

/** The last restart request answered at spawn in the models (any time works: requests are offered relative to it). */
export const SPAWN_REQUEST_AT = 5_000;

/** The gap of the time-advancing heartbeat: ¾ of the heartbeat timeout, so it lands before it. */
export function heartbeatGap(policy: RestartPolicy): number {
  return Math.floor((policy.heartbeatTimeoutMs * 3) / 4);
}

export const EXIT_CRASH = { code: 1, signal: null } as const;
export const EXIT_CLEAN = { code: 0, signal: null } as const;
export const EXIT_OTHER = {
  code: 2,
  signal: null,
  fatal: { kind: 'other', description: 'ETIMEDOUT' },
} as const;
export const EXIT_401 = {
  code: 3,
  signal: null,
  fatal: { kind: 'unauthorized', errorCode: 401, description: 'Unauthorized' },
} as const;
export const EXIT_409 = {
  code: 4,
  signal: null,
  fatal: {
    kind: 'conflict',
    errorCode: 409,
    description: 'Conflict: terminated by other getUpdates request',
  },
} as const;

/** Its shared host stopped the bot for blocking the event loop (the reason only shows in reports). */
export const EXIT_QUARANTINE = {
  code: 5,
  signal: null,
  fatal: {
    kind: 'quarantine',
    isolation: 'event-loop-blocked',
    description: 'blocked the event loop for 1400 ms',
  },
} as const;

/** A heartbeat's report of a failing getUpdates. */
export const POLL_429 = { since: 0, errorCode: 429, description: 'Too Many Requests: retry after 5' };

export const FULL_MODEL: ModelOptions = {
  hashes: ['A', 'B'],
  exits: [EXIT_CLEAN, EXIT_CRASH, EXIT_OTHER, EXIT_401, EXIT_409, EXIT_QUARANTINE],
  heartbeats: true,
  operator: true,
  restartRequests: true,
};

/**
 * The config events' model: configs that can never start (one reason shared with a 401, one not), restart
 * requests, operator commands, crashes and 401s, with timers but no heartbeats (they are the main model's),
 * so the graph stays small.
 */
export const CONFIG_MODEL: ModelOptions = {
  hashes: ['A', 'B'],
  exits: [EXIT_CRASH, EXIT_401],
  heartbeats: false,
  operator: true,
  unusable: ['invalid-token', 'token-conflict'],
  restartRequests: true,
};

/** The events that can happen in `snapshot`, with concrete payloads stamped at the model's now. */
export function modelEvents(snapshot: TenantSnapshot, options: ModelOptions = FULL_MODEL): ModelEvent[] {
  if (snapshot.status !== 'active') return [];
  const at = modelNow(snapshot);
  const timers = pendingTimers(snapshot);
  const events: ModelEvent[] = options.hashes.map((configHash) => ({
    type: 'CONFIG.CHANGED',
    configHash,
    at,
  }));
  if (options.operator) {
    events.push(
      { type: 'CONFIG.REMOVED', at },
      { type: 'TENANT.RESTART', at },
      { type: 'TENANT.SHUTDOWN', at },
    );
  }
  for (const reason of options.unusable ?? [])
    events.push({ type: 'CONFIG.UNUSABLE', ...UNUSABLE[reason], at });
  if (options.restartRequests) {
    const last = snapshot.context.lastRestartRequestAt ?? 0;
    for (const sinceLastRequestMs of REQUEST_OFFSETS)
      events.push({
        type: 'CONFIG.RESTART_REQUESTED',
        requestedAt: last + sinceLastRequestMs,
        at,
        sinceLastRequestMs,
      });
  }
  if (hasLiveChild(snapshot)) {
    events.push({ type: 'CHILD.READY', pid: 4242, botUsername: 'lottery_bot', at });
    for (const exit of options.exits) events.push({ type: 'CHILD.EXIT', ...exit, at });
    if (options.heartbeats) {
      events.push(
        { type: 'CHILD.HEARTBEAT', lastPollAt: at, at },
        { type: 'CHILD.HEARTBEAT', lastPollAt: at - snapshot.context.policy.heartbeatTimeoutMs, at },
        // getUpdates failing (Telegram answers 429): the bot is degraded until a clean heartbeat
        { type: 'CHILD.HEARTBEAT', lastPollAt: at, at, pollError: POLL_429 },
      );
      const gapMs = heartbeatGap(snapshot.context.policy);
      const later = at + gapMs;
      if (snapshot.matches('running') && (timers[0]?.deadline ?? Number.POSITIVE_INFINITY) > later) {
        events.push({ type: 'CHILD.HEARTBEAT', lastPollAt: later, at: later, gapMs });
      }
    }
  }
  // only the earliest timer can fire next; on a tie the order would be arbitrary, so offer none
  const [first, second] = timers;
  if (first && (!second || second.deadline > first.deadline)) {
    events.push({ type: first.type as `xstate.after.${string}` });
  }
  return events;
}

/** The abstraction of a snapshot used as the graph's vertex key (see the file comment). */
export function serializeTenant(snapshot: TenantSnapshot): string {
  const c = snapshot.context;
  const now = modelNow(snapshot);
  return JSON.stringify({
    value: snapshot.value,
    status: snapshot.status,
    configHash: c.configHash,
    pending: c.pendingConfigHash,
    reason: c.stoppedReason,
    attempt: Math.min(c.backoffAttempt, 6),
    retryDelayMs: snapshot.matches('restarting') ? c.retryDelayMs : null,
    exitAges: c.recentExits
      .filter((t) => now - t < c.policy.crashWindowMs)
      .map((t) => now - t)
      .sort((a, b) => a - b),
    unstableRuns: Math.min(c.unstableRuns, c.policy.maxUnstableRuns),
    conflictAge: c.conflictSince === null ? null : Math.min(now - c.conflictSince, c.policy.conflictWindowMs),
    timers: pendingTimers(snapshot).map((t) => [t.delay, t.deadline - now]),
    child: hasLiveChild(snapshot),
    degraded: c.pollError !== null,
    // whether it runs in a host of its own decides its next crash-loop (isolate or stop) and quarantine
    // (isolate or count as a crash); the reason only shows in reports
    isolated: c.isolation !== null,
    // the config cannot start, and why (a new reason is news, the same one is not)
    unusable: c.unusable?.reason ?? null,
    // whether a request was answered yet (requests are offered relative to the last one: when is dropped)
    requestAnswered: c.lastRestartRequestAt !== null,
  });
}
