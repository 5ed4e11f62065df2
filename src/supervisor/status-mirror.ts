/**
 * Mirrors the status store to the `bot_status` table so the admin panel (another process, maybe
 * another machine) can show each bot's state. Writes are coalesced: a tenant whose status changed
 * several times while a write was in flight is written once more with its latest status. When the
 * database is unreachable the dirty tenants are kept and written when it answers again. A tenant dropped
 * from the store (its config disabled or deleted) still gets its last status written. With the state go
 * the bot host the bot runs in (`host_id`) and, when that host is its own, why (`isolation`).
 */
import { ISOLATION_REASONS, type IsolationReason } from '../db/entities/tenant.ts';
import type { Logger } from '../log/logger.ts';
import type { StatusStore, TenantStatus } from './status-store.ts';

/** A status that changed only by its heartbeat is written at most this often (ms). */
export const HEARTBEAT_WRITE_INTERVAL_MS = 30_000;

export interface StatusMirrorOptions {
  store: StatusStore;
  query: <T>(sql: string, params?: unknown[]) => Promise<T[]>;
  logger: Logger;
  /** Retry interval while the database is unreachable (ms), default 2000. */
  retryMs?: number;
}

const UPSERT = `
  insert into bot_status (tenant_id, state, reason, detail, pid, restarts, bot_username, since, heartbeat_at,
                          poll_failing_since, poll_error_code, isolation, host_id, updated_at)
  select ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now()
   where exists (select 1 from tenants where id = ?)
  on conflict (tenant_id) do update set
    state = excluded.state, reason = excluded.reason, detail = excluded.detail, pid = excluded.pid,
    restarts = excluded.restarts, bot_username = coalesce(excluded.bot_username, bot_status.bot_username),
    since = excluded.since, heartbeat_at = excluded.heartbeat_at,
    poll_failing_since = excluded.poll_failing_since, poll_error_code = excluded.poll_error_code,
    isolation = excluded.isolation, host_id = excluded.host_id,
    updated_at = now()`;

/**
 * The `bot_status.isolation` value of a status: one of {@link ISOLATION_REASONS}, else null (and a
 * warning), so a code the table's check constraint refuses cannot hold up every other tenant's writes.
 */
function isolationColumn(isolation: string | null, logger: Logger): IsolationReason | null {
  if (isolation === null) return null;
  if ((ISOLATION_REASONS as readonly string[]).includes(isolation)) return isolation as IsolationReason;
  logger.warn({ isolation }, 'unknown isolation reason; bot_status.isolation left empty');
  return null;
}

export interface StatusMirror {
  /** Resolves when every change seen so far has been written (or failed). */
  flush(): Promise<void>;
  stop(): void;
}

export function startStatusMirror(options: StatusMirrorOptions): StatusMirror {
  const { store, logger } = options;
  const written = new Map<string, TenantStatus>();
  /** Tenants to write, with the latest status seen (kept when the tenant leaves the store). */
  const dirty = new Map<string, TenantStatus>();
  let writing: Promise<void> | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let stopped = false;

  const write = async (status: TenantStatus) => {
    const tenantId = Number(status.tenantId);
    if (!Number.isSafeInteger(tenantId)) return; // not a database tenant (tests with synthetic ids)
    await options.query(UPSERT, [
      tenantId,
      status.state,
      status.reason,
      status.detail?.slice(0, 2000) ?? null,
      status.pid,
      status.restarts,
      status.botUsername,
      new Date(status.since),
      status.lastHeartbeatAt ? new Date(status.lastHeartbeatAt) : null,
      status.pollFailingSince ? new Date(status.pollFailingSince) : null,
      status.pollErrorCode,
      isolationColumn(status.isolation, logger),
      status.hostId,
      tenantId,
    ]);
  };

  const drain = async () => {
    while (dirty.size > 0 && !stopped) {
      const [tenantId, status] = dirty.entries().next().value as [string, TenantStatus];
      dirty.delete(tenantId);
      try {
        await write(status);
        written.set(tenantId, status);
      } catch (err) {
        if (!dirty.has(tenantId)) dirty.set(tenantId, status);
        logger.debug({ err }, 'could not write bot status; will retry');
        clearTimeout(retryTimer);
        retryTimer = setTimeout(() => {
          retryTimer = undefined;
          kick();
        }, options.retryMs ?? 2000);
        return;
      }
    }
  };

  function kick(): void {
    if (writing || stopped) return;
    writing = drain().finally(() => {
      writing = undefined;
      if (dirty.size > 0 && !retryTimer) kick();
    });
  }

  const subscription = store.subscribe((snapshot) => {
    for (const [tenantId, status] of Object.entries(snapshot.context.tenants)) {
      const last = written.get(tenantId);
      if (last === status) continue;
      // A heartbeat alone is written at most every 30 s: it changes nothing a person acts on, and
      // writing every one (50 bots × every 5 s) was most of the supervisor's idle CPU.
      if (
        last &&
        last.state === status.state &&
        last.reason === status.reason &&
        last.pid === status.pid &&
        last.restarts === status.restarts &&
        last.pollErrorCode === status.pollErrorCode &&
        last.isolation === status.isolation &&
        last.hostId === status.hostId &&
        (status.lastHeartbeatAt ?? 0) - (last.lastHeartbeatAt ?? 0) < HEARTBEAT_WRITE_INTERVAL_MS
      ) {
        continue;
      }
      dirty.set(tenantId, status);
    }
    if (retryTimer) return;
    kick();
  });

  return {
    async flush() {
      while (writing || (dirty.size > 0 && !retryTimer)) {
        kick();
        await writing;
      }
    },
    stop() {
      stopped = true;
      clearTimeout(retryTimer);
      subscription.unsubscribe();
    },
  };
}
