/**
 * The live status of every tenant's bot: an `@xstate/store` read model fed by the tenant machines'
 * `reportStatus` action and by heartbeats. The supervisor mirrors it to the `bot_status` table (for the
 * admin panel) and serves it at `GET /status`.
 */
import { createStore } from '@xstate/store';
import type { TenantState } from '../contracts/bot.ts';

/** One tenant's bot as people see it. Times are epoch ms. */
export interface TenantStatus {
  tenantId: string;
  tenantName: string;
  state: TenantState;
  /** Why it is stopped or restarting: `invalid-token`, `token-conflict`, `crash-loop`, `disabled`, ... */
  reason: string | null;
  detail: string | null;
  since: number;
  restarts: number;
  pid: number | null;
  botUsername: string | null;
  lastHeartbeatAt: number | null;
  lastPollAt: number | null;
  /** Degraded (reason `polling-failing`): getUpdates failing since when, and Telegram's error code. */
  pollFailingSince: number | null;
  pollErrorCode: number | null;
  /** The bot runs in a bot host of its own, and why (`crash-loop`, `event-loop-blocked`, `memory`). */
  isolation: string | null;
  /** The bot host it runs in (its id; `pid` is the host's process). */
  hostId: string | null;
}

export interface StatusContext {
  tenants: Record<string, TenantStatus>;
}

export type StatusPatch = Partial<Omit<TenantStatus, 'tenantId'>> & { tenantId: string };

/** Create the store. Events: `report` (a state change), `heartbeat`, `heartbeats`, `forget` (tenant removed). */
export function createStatusStore() {
  return createStore({
    context: { tenants: {} } as StatusContext,
    on: {
      report: (context, event: { status: StatusPatch }) => {
        const previous = context.tenants[event.status.tenantId];
        const next: TenantStatus = {
          tenantName: '',
          state: 'idle',
          reason: null,
          detail: null,
          since: Date.now(),
          restarts: 0,
          pid: null,
          botUsername: null,
          lastHeartbeatAt: null,
          lastPollAt: null,
          pollFailingSince: null,
          pollErrorCode: null,
          isolation: null,
          hostId: null,
          ...previous,
          ...event.status,
        };
        return { tenants: { ...context.tenants, [next.tenantId]: next } };
      },
      heartbeat: (context, event: { tenantId: string; at: number; lastPollAt: number }) => {
        const previous = context.tenants[event.tenantId];
        if (!previous) return context;
        return {
          tenants: {
            ...context.tenants,
            [event.tenantId]: { ...previous, lastHeartbeatAt: event.at, lastPollAt: event.lastPollAt },
          },
        };
      },
      /** Many heartbeats at once (one bot host's heartbeat): one new snapshot, not one per bot. */
      heartbeats: (
        context,
        event: { beats: Array<{ tenantId: string; at: number; lastPollAt: number }> },
      ) => {
        let tenants: Record<string, TenantStatus> | undefined;
        for (const beat of event.beats) {
          const previous = (tenants ?? context.tenants)[beat.tenantId];
          if (!previous) continue;
          tenants ??= { ...context.tenants };
          tenants[beat.tenantId] = { ...previous, lastHeartbeatAt: beat.at, lastPollAt: beat.lastPollAt };
        }
        return tenants ? { tenants } : context;
      },
      forget: (context, event: { tenantId: string }) => {
        const { [event.tenantId]: _gone, ...rest } = context.tenants;
        return { tenants: rest };
      },
    },
  });
}

export type StatusStore = ReturnType<typeof createStatusStore>;

/** Count tenants by state, e.g. `{ running: 3, stopped: 1 }`. */
export function countByState(context: StatusContext): Record<TenantState, number> {
  const counts: Record<TenantState, number> = { idle: 0, starting: 0, running: 0, restarting: 0, stopped: 0 };
  for (const t of Object.values(context.tenants)) counts[t.state]++;
  return counts;
}
