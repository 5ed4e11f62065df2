/**
 * Mirrors the status store to the `bot_status` table so the admin panel (another process, maybe
 * another machine) can show each bot's state. Writes are coalesced: a tenant whose status changed
 * several times while a write was in flight is written once more with its latest status, and the dirty
 * tenants are written together, up to {@link STATUS_BATCH} in one statement (a thousand bots' heartbeats
 * are a few statements, not a thousand). A status the table refuses (SQLSTATE 22/23) is left out with a
 * warning, without holding up the others. When the
 * database is unreachable the dirty tenants are kept and written when it answers again. A tenant dropped
 * from the store (its config disabled or deleted) still gets its last status written. With the state go
 * the bot host the bot runs in (`host_id`) and, when that host is its own, why (`isolation`). With several
 * supervisor nodes, a node never writes over the status of a bot another node holds the lease of.
 */

import { ISOLATION_REASONS, type IsolationReason } from '../contracts/bot.ts';
import type { Sql } from '../db/sql.ts';
import type { Logger } from '../log/logger.ts';
import type { StatusStore, TenantStatus } from './status-store.ts';

/** A status that changed only by its heartbeat is written at most this often (ms). */
export const HEARTBEAT_WRITE_INTERVAL_MS = 30_000;

export interface StatusMirrorOptions {
  store: StatusStore;
  /** The platform's pool (the owner role). */
  sql: Pick<Sql, 'query'>;
  logger: Logger;
  /** Retry interval while the database is unreachable (ms), default 2000. */
  retryMs?: number;
  /**
   * This supervisor node (several nodes, src/supervisor/leases.ts): a status is not written over a bot
   * that another node holds a live lease of. Absent: every status is written.
   */
  nodeId?: string;
}

/** The most statuses written by one statement. */
export const STATUS_BATCH = 500;

/**
 * Upserts the statuses of one jsonb array (one bind parameter, whatever the number of rows); a tenant
 * deleted meanwhile is skipped.
 */
const UPSERT = `
  insert into bot_status (tenant_id, state, reason, detail, pid, restarts, bot_username, since, heartbeat_at,
                          poll_failing_since, poll_error_code, isolation, host_id, updated_at)
  select u.tenant_id, u.state, u.reason, u.detail, u.pid, u.restarts, u.bot_username, u.since, u.heartbeat_at,
         u.poll_failing_since, u.poll_error_code, u.isolation, u.host_id, now()
    from jsonb_to_recordset(?::jsonb) as u(tenant_id integer, state text, reason text, detail text, pid integer,
           restarts integer, bot_username text, since timestamptz, heartbeat_at timestamptz,
           poll_failing_since timestamptz, poll_error_code integer, isolation text, host_id text)
   where exists (select 1 from tenants t where t.id = u.tenant_id)
     and not exists (select 1 from bot_leases l
                      where l.tenant_id = u.tenant_id and l.node_id <> ?::text and l.expires_at > now())
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

/**
 * Whether a failed write was refused for its data (SQLSTATE class 22, data exception, or 23, integrity
 * constraint violation), not for the connection: only then are the rows retried one by one.
 */
function isRowError(err: unknown): boolean {
  const e = err as { code?: unknown; sqlState?: unknown };
  return [e.code, e.sqlState].some((c) => typeof c === 'string' && /^2[23][0-9A-Z]{3}$/.test(c));
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

  const row = (status: TenantStatus) => ({
    tenant_id: Number(status.tenantId),
    state: status.state,
    reason: status.reason,
    detail: status.detail?.slice(0, 2000) ?? null,
    pid: status.pid,
    restarts: status.restarts,
    bot_username: status.botUsername,
    since: new Date(status.since).toISOString(),
    heartbeat_at: status.lastHeartbeatAt ? new Date(status.lastHeartbeatAt).toISOString() : null,
    poll_failing_since: status.pollFailingSince ? new Date(status.pollFailingSince).toISOString() : null,
    poll_error_code: status.pollErrorCode,
    isolation: isolationColumn(status.isolation, logger),
    host_id: status.hostId,
  });
  const write = async (statuses: TenantStatus[]) => {
    // Not database tenants (tests with synthetic ids) are left out.
    const rows = statuses.filter((s) => Number.isSafeInteger(Number(s.tenantId))).map(row);
    if (rows.length > 0) await options.sql.query(UPSERT, [JSON.stringify(rows), options.nodeId ?? null]);
  };

  /** The database is unreachable: keep what is not written yet and try again in a while. */
  const retryLater = (rest: Array<[string, TenantStatus]>, err: unknown) => {
    for (const [tenantId, status] of rest) if (!dirty.has(tenantId)) dirty.set(tenantId, status);
    logger.debug({ err }, 'could not write bot status; will retry');
    clearTimeout(retryTimer);
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      kick();
    }, options.retryMs ?? 2000);
  };
  /** The table refused this status for its data: written again it would be refused again (until it changes). */
  const refused = (status: TenantStatus, err: unknown) => {
    written.set(status.tenantId, status);
    logger.warn({ err, tenant: status.tenantId }, 'the bot_status table refused a status; it is left out');
  };

  const drain = async () => {
    while (dirty.size > 0 && !stopped) {
      const batch = [...dirty].slice(0, STATUS_BATCH);
      for (const [tenantId] of batch) dirty.delete(tenantId);
      try {
        await write(batch.map(([, status]) => status));
        for (const [tenantId, status] of batch) written.set(tenantId, status);
        continue;
      } catch (err) {
        if (!isRowError(err)) return retryLater(batch, err);
        if (batch.length === 1) {
          refused(batch[0]![1], err);
          continue;
        }
      }
      // One refused row must not hold up the others: write them one by one.
      for (const [index, [tenantId, status]] of batch.entries()) {
        try {
          await write([status]);
          written.set(tenantId, status);
        } catch (err) {
          if (!isRowError(err)) return retryLater(batch.slice(index), err);
          refused(status, err);
        }
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
