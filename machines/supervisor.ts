/**
 * The supervisor machine: the root actor. It reconciles config snapshots from the DB poller into one tenant
 * machine per tenant (spawned as `tenant-<tenantId>`, also its systemId; what each is sent — CONFIG.CHANGED,
 * CONFIG.UNUSABLE, CONFIG.REMOVED, CONFIG.RESTART_REQUESTED — is planReconcile's, machines/reconcile.ts),
 * forwards operator restarts, keeps
 * one host machine per bot host the runtime opens (`host-<hostId>`, machines/host.ts; HOST.OPEN / CLOSE /
 * KILL, forgotten on HOST.STOPPED), and at SHUTDOWN stops every tenant in parallel, waits for each
 * TENANT.STOPPED, then closes every host and waits for each HOST.STOPPED before reaching `done` (or the
 * deadline).
 *
 * Pure definition: `reconciled` and `logEvent` are injected by the runtime, and so is the tenant machine
 * itself: `supervisorMachine.provide({ actors: { tenant: tenantMachine.provide({ ... }) } })`.
 */
import { assign, enqueueActions, setup } from 'xstate';
import { type HostParentEvent, type HostTimers, hostActorId, hostMachine } from './host.ts';
import { DEFAULT_PLACEMENT_POLICY, type HostKind } from './placement.ts';
import { DEFAULT_RESTART_POLICY, type RestartPolicy } from './policy.ts';
import {
  planReconcile,
  type TenantConfig,
  type TenantEntry,
  type UnusableTenantConfig,
} from './reconcile.ts';
import { type TenantParentEvent, tenantMachine } from './tenant.ts';

export * from './reconcile.ts';

export interface SupervisorInput {
  /** Passed to every tenant machine; also gives `shutdownDeadlineMs`. Default DEFAULT_RESTART_POLICY. */
  policy?: RestartPolicy;
  /** Passed to every host machine. Default from DEFAULT_PLACEMENT_POLICY. */
  hostTimers?: HostTimers;
}

export type SupervisorEvent =
  /**
   * Every enabled config, polled or notified: the usable ones (with their restart requests) and those that can
   * never start; `at` epoch ms. Ignored while shutting down.
   */
  | { type: 'CONFIG.SNAPSHOT'; configs: TenantConfig[]; unusable?: UnusableTenantConfig[]; at: number }
  /**
   * Operator asks to restart one tenant's bot, directly. (A request stored with the config, as the web makes
   * it, comes in CONFIG.SNAPSHOT instead.)
   */
  | { type: 'TENANT.RESTART'; tenantId: string; at: number }
  /** Ctrl+C / SIGTERM. */
  | { type: 'SHUTDOWN'; at: number }
  /** Placement needs a new bot host (machines/placement.ts). Ignored while shutting down. */
  | { type: 'HOST.OPEN'; hostId: string; kind: HostKind; at: number }
  /** Retire a host that has no bot left (stopped gracefully). */
  | { type: 'HOST.CLOSE'; hostId: string; at: number }
  /** Kill a host at once: it ignored a bot's KILL, so its event loop is held. */
  | { type: 'HOST.KILL'; hostId: string; reason: string; at: number }
  | TenantParentEvent
  | HostParentEvent
  /** Sent by XState when a tenant machine throws (a bug in an injected effect). */
  | TenantErrorEvent;

export type TenantErrorEvent = { type: `xstate.error.actor.${string}`; error: unknown; actorId?: string };

const ERROR_PREFIX = 'xstate.error.actor.';
function isTenantError(event: SupervisorEvent): event is TenantErrorEvent {
  return event.type.startsWith(ERROR_PREFIX);
}

/** The message of a thrown value: an Error's message, a string as is, anything else as JSON (never `[object Object]`). */
function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    return Object.prototype.toString.call(error);
  }
}

/** logEvent `tenant-failed` / `host-failed` for a child machine's error event. */
const logFailure = {
  type: 'logEvent',
  params: ({ event }: { event: SupervisorEvent }): SupervisorLogParams => {
    const actorId = isTenantError(event) ? event.type.slice(ERROR_PREFIX.length) : '';
    const error = isTenantError(event) ? { error: describeError(event.error) } : {};
    if (actorId.startsWith('host-'))
      return { event: 'host-failed', tenantIds: [], hostIds: [actorId.slice(5)], ...error };
    return { event: 'tenant-failed', tenantIds: actorId ? [actorId.replace(/^tenant-/, '')] : [], ...error };
  },
} as const;

export interface SupervisorContext {
  policy: RestartPolicy;
  hostTimers: HostTimers;
  tenants: Record<string, TenantEntry>;
  /** Live bot hosts (their machines are children `host-<hostId>`). */
  hosts: Record<string, { kind: HostKind }>;
  /** Tenants whose TENANT.STOPPED is still awaited during shutdown. */
  awaiting: string[];
  /** When SHUTDOWN arrived (epoch ms); null while supervising. Stamps the HOST.CLOSE sent to every host. */
  shutdownAt: number | null;
  /** Counts of the latest CONFIG.SNAPSHOT (the params of `reconciled`). */
  lastReconcile: ReconcileReport | null;
}

/** Params of `reconciled`, called for every CONFIG.SNAPSHOT: log "running: <n> bots" when something changed. */
export interface ReconcileReport {
  /** New tenants and re-enabled ones. */
  added: number;
  /** Active tenants whose config hash changed. */
  changed: number;
  /** Active tenants missing from the snapshot. */
  removed: number;
  /** Tenants told their config can never start (new ones included). */
  unusable: number;
  /** Tenants with an enabled config after this snapshot. */
  running: number;
  at: number;
}

/**
 * Params of the supervisor's `logEvent`. `tenantIds`: the tenants concerned — still awaited for the shutdown
 * events, the failed one for `tenant-failed` (its machine threw: a bug; it is respawned by the next snapshot).
 */
export interface SupervisorLogParams {
  event: 'shutting-down' | 'shutdown-complete' | 'shutdown-deadline' | 'tenant-failed' | 'host-failed';
  tenantIds: string[];
  /** Hosts concerned: still running at the shutdown deadline, or the failed one. */
  hostIds?: string[];
  error?: string;
}

/** Actor id (and systemId) of a tenant's machine. */
export function tenantActorId(tenantId: string): string {
  return `tenant-${tenantId}`;
}

export const supervisorMachine = setup({
  types: {
    context: {} as SupervisorContext,
    events: {} as SupervisorEvent,
    input: {} as SupervisorInput | undefined,
  },
  actors: { tenant: tenantMachine, host: hostMachine },
  actions: {
    /** Injected: log the reconcile result. */
    reconciled: (_, _params: ReconcileReport) => {},
    /** Injected: log shutdown progress. */
    logEvent: (_, _params: SupervisorLogParams) => {},
    reconcile: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'CONFIG.SNAPSHOT') return;
      const { at } = event;
      const plan = planReconcile(context.tenants, event.configs, event.unusable);
      for (const { restartRequestedAt, ...config } of plan.spawn) {
        const id = tenantActorId(config.tenantId);
        enqueue.spawnChild('tenant', {
          id,
          systemId: id,
          input: { ...config, restartRequestedAt: restartRequestedAt ?? null, policy: context.policy, at },
        });
      }
      for (const { tenantId, tenantName, ...unusable } of plan.spawnUnusable) {
        const id = tenantActorId(tenantId);
        enqueue.spawnChild('tenant', {
          id,
          systemId: id,
          input: { tenantId, tenantName, configHash: null, unusable, policy: context.policy, at },
        });
      }
      for (const { tenantId, configHash } of plan.change) {
        enqueue.sendTo(tenantActorId(tenantId), { type: 'CONFIG.CHANGED', configHash, at });
      }
      for (const { tenantId, tenantName: _name, ...unusable } of plan.unusable) {
        enqueue.sendTo(tenantActorId(tenantId), { type: 'CONFIG.UNUSABLE', ...unusable, at });
      }
      for (const tenantId of plan.remove) {
        enqueue.sendTo(tenantActorId(tenantId), { type: 'CONFIG.REMOVED', at });
      }
      // after CONFIG.CHANGED, as the runtime always did: a restart asked with a new token restarts once
      for (const { tenantId, requestedAt } of plan.restart) {
        enqueue.sendTo(tenantActorId(tenantId), { type: 'CONFIG.RESTART_REQUESTED', requestedAt, at });
      }
      enqueue.assign({
        tenants: plan.tenants,
        lastReconcile: {
          added: plan.spawn.length + plan.reenabled,
          changed: plan.change.length - plan.reenabled,
          removed: plan.remove.length,
          unusable: plan.unusable.length + plan.spawnUnusable.length,
          running: Object.values(plan.tenants).filter((t) => t.configHash !== null).length,
          at,
        },
      });
    }),
    forwardRestart: enqueueActions(({ event, enqueue }) => {
      if (event.type !== 'TENANT.RESTART') return;
      enqueue.sendTo(tenantActorId(event.tenantId), { type: 'TENANT.RESTART', at: event.at });
    }),
    /** Sends TENANT.SHUTDOWN to every tenant machine at once and awaits each TENANT.STOPPED. */
    shutdownAll: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'SHUTDOWN') return;
      const { at } = event;
      const ids = Object.keys(context.tenants);
      for (const tenantId of ids) enqueue.sendTo(tenantActorId(tenantId), { type: 'TENANT.SHUTDOWN', at });
      enqueue.assign({ awaiting: ids, shutdownAt: at });
    }),
    /**
     * A tenant machine failed (an injected effect threw). Only that tenant is affected: its bot process and
     * its actor are released, it is forgotten so the next snapshot spawns it afresh, and it is no longer
     * awaited at shutdown.
     */
    dropFailedTenant: enqueueActions(({ context, event, self, enqueue }) => {
      if (!isTenantError(event)) return;
      const actorId = event.type.slice(ERROR_PREFIX.length);
      if (actorId.startsWith('host-')) {
        // A host machine failed: its process is released the same way, and it is forgotten.
        const hostId = actorId.slice(5);
        const failedHost = self.getSnapshot().children[actorId];
        enqueue(() => {
          const orphans = Object.values(failedHost?.getSnapshot().children ?? {}) as Array<{
            _stop?: () => void;
          }>;
          for (const orphan of orphans) orphan._stop?.();
        });
        enqueue.stopChild(actorId);
        const { [hostId]: _gone, ...hosts } = context.hosts;
        enqueue.assign({ hosts });
        return;
      }
      const tenantId = actorId.replace(/^tenant-/, '');
      const { [tenantId]: _dropped, ...tenants } = context.tenants;
      // XState does not stop the children of an actor that failed (see Actor._stopProcedure): stop its bot
      // process here, the way its parent would have (`_stop`, as actorScope.stopChild does), so no orphan
      // process survives and no second poller starts on the same token (F6, F1)
      const failed = self.getSnapshot().children[actorId];
      enqueue(() => {
        const orphans = Object.values(failed?.getSnapshot().children ?? {}) as Array<{ _stop?: () => void }>;
        for (const orphan of orphans) orphan._stop?.();
      });
      enqueue.stopChild(actorId);
      enqueue.assign({ tenants, awaiting: context.awaiting.filter((id) => id !== tenantId) });
    }),
    openHost: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'HOST.OPEN' || Object.hasOwn(context.hosts, event.hostId)) return;
      const id = hostActorId(event.hostId);
      enqueue.spawnChild('host', {
        id,
        systemId: id,
        input: { hostId: event.hostId, kind: event.kind, timers: context.hostTimers, at: event.at },
      });
      enqueue.assign({ hosts: { ...context.hosts, [event.hostId]: { kind: event.kind } } });
    }),
    forwardToHost: enqueueActions(({ context, event, enqueue }) => {
      if (event.type === 'HOST.CLOSE' && Object.hasOwn(context.hosts, event.hostId))
        enqueue.sendTo(hostActorId(event.hostId), { type: 'HOST.CLOSE', at: event.at });
      if (event.type === 'HOST.KILL' && Object.hasOwn(context.hosts, event.hostId))
        enqueue.sendTo(hostActorId(event.hostId), { type: 'HOST.KILL', reason: event.reason, at: event.at });
    }),
    /** A host's process is gone: release its machine and forget it. */
    forgetHost: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'HOST.STOPPED') return;
      enqueue.stopChild(hostActorId(event.hostId));
      const { [event.hostId]: _gone, ...hosts } = context.hosts;
      enqueue.assign({ hosts });
    }),
    /**
     * Once every tenant has stopped: ask every host to stop (each is SIGKILLed after its stop timeout). Stamped
     * with the time of the SHUTDOWN (TENANT.STOPPED carries none); the host keeps the later of that and its own.
     */
    closeAllHosts: enqueueActions(({ context, enqueue }) => {
      const at = context.shutdownAt ?? context.lastReconcile?.at ?? 0;
      for (const hostId of Object.keys(context.hosts))
        enqueue.sendTo(hostActorId(hostId), { type: 'HOST.CLOSE', at });
    }),
    markStopped: assign(({ context, event }) => ({
      awaiting:
        event.type === 'TENANT.STOPPED'
          ? context.awaiting.filter((id) => id !== event.tenantId)
          : context.awaiting,
    })),
  },
  guards: {
    isKnownTenant: ({ context, event }) =>
      event.type === 'TENANT.RESTART' && Object.hasOwn(context.tenants, event.tenantId),
    allStopped: ({ context }) => context.awaiting.length === 0,
    allHostsStopped: ({ context }) => Object.keys(context.hosts).length === 0,
  },
  delays: {
    /** Backstop: finish the shutdown even if some tenant never reports TENANT.STOPPED. */
    shutdownDeadline: ({ context }) => context.policy.shutdownDeadlineMs,
  },
}).createMachine({
  id: 'supervisor',
  context: ({ input }) => ({
    policy: input?.policy ?? DEFAULT_RESTART_POLICY,
    hostTimers: input?.hostTimers ?? {
      silentHostMs: DEFAULT_PLACEMENT_POLICY.silentHostMs,
      hostStartTimeoutMs: DEFAULT_PLACEMENT_POLICY.hostStartTimeoutMs,
      hostStopTimeoutMs: DEFAULT_PLACEMENT_POLICY.hostStopTimeoutMs,
    },
    tenants: {},
    hosts: {},
    awaiting: [],
    shutdownAt: null,
    lastReconcile: null,
  }),
  initial: 'supervising',
  states: {
    supervising: {
      on: {
        'CONFIG.SNAPSHOT': {
          actions: [
            'reconcile',
            {
              type: 'reconciled',
              params: ({ context, event }) =>
                context.lastReconcile ?? {
                  added: 0,
                  changed: 0,
                  removed: 0,
                  unusable: 0,
                  running: 0,
                  at: event.at,
                },
            },
          ],
        },
        'TENANT.RESTART': { guard: 'isKnownTenant', actions: 'forwardRestart' },
        'HOST.OPEN': { actions: 'openHost' },
        'HOST.CLOSE': { actions: 'forwardToHost' },
        'HOST.KILL': { actions: 'forwardToHost' },
        'HOST.STOPPED': { actions: 'forgetHost' },
        SHUTDOWN: {
          target: 'shuttingDown',
          actions: [
            'shutdownAll',
            {
              type: 'logEvent',
              params: ({ context }) => ({ event: 'shutting-down', tenantIds: context.awaiting }),
            },
          ],
        },
        'xstate.error.actor.*': { actions: ['dropFailedTenant', logFailure] },
      },
    },
    shuttingDown: {
      on: {
        'TENANT.STOPPED': { actions: 'markStopped' },
        // A dedicated host whose bot has stopped is closed at once (its bot's exit is its process's).
        'HOST.CLOSE': { actions: 'forwardToHost' },
        'HOST.KILL': { actions: 'forwardToHost' },
        'HOST.STOPPED': { actions: 'forgetHost' },
        'xstate.error.actor.*': { actions: ['dropFailedTenant', logFailure] },
      },
      after: {
        shutdownDeadline: {
          target: 'done',
          actions: {
            type: 'logEvent',
            params: ({ context }) => ({
              event: 'shutdown-deadline',
              tenantIds: context.awaiting,
              hostIds: Object.keys(context.hosts),
            }),
          },
        },
      },
      initial: 'tenants',
      states: {
        /** Every tenant stops its bot (in its host); hosts stay up meanwhile. */
        tenants: {
          always: { guard: 'allStopped', target: 'hosts' },
        },
        /** Then every host is asked to stop, and SIGKILLed after its stop timeout. */
        hosts: {
          entry: 'closeAllHosts',
          always: {
            guard: 'allHostsStopped',
            target: '#supervisor.done',
            actions: { type: 'logEvent', params: { event: 'shutdown-complete', tenantIds: [] } },
          },
        },
      },
    },
    done: { type: 'final' },
  },
});
