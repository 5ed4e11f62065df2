/**
 * Queries on `supervisor_nodes` and `bot_leases`: which supervisor node owns each tenant's bot
 * (docs/operations.md, "Several nodes"). Every time is the database's clock (`now()`), so nodes whose
 * clocks differ by seconds still agree on who owns what. The design is River's leader table and Oban's
 * peers (a row with an expiry, renewed by its holder, taken over once it has expired, resigned with a
 * NOTIFY) with one addition, the fencing number of a lease (`epoch`, one more at each change of owner):
 * work that must not overlap between an old and a new owner carries it and is refused when it is stale.
 */
import type { Sql } from '../sql.ts';

/** NOTIFY channel: a node joined, is stopping, or released leases (payload: its node id). */
export const NODES_CHANNEL = 'supervisor_nodes';

/** A lease this node holds. */
export interface HeldLease {
  tenantId: number;
  epoch: number;
}

/** A lease just taken, with where the previous owner's polling had got to. */
export interface AcquiredLease extends HeldLease {
  /** The `offset` of the next getUpdates (the last handled update id + 1), null before any. */
  pollOffset: number | null;
}

export interface RenewResult {
  /** The leases still held (the others were taken over by another node after they expired). */
  kept: HeldLease[];
  /** Live nodes that are not stopping, this one included unless it is stopping. */
  liveNodes: number;
  /** The fewest live leases any of those nodes holds (0 for a node that holds none). */
  fewestHeld: number;
}

/** A supervisor node, for `/status` and the admin page. */
export interface NodeRecord {
  nodeId: string;
  name: string;
  pid: number | null;
  startedAt: Date;
  heartbeatAt: Date;
  /** Live: renewed within its lease time. */
  live: boolean;
  stopping: boolean;
  /** Bots it owns now (live leases). */
  bots: number;
}

const interval = (ms: number) => Math.max(1, Math.round(ms));

export const leaseRepository = {
  /**
   * Renew this node's row and the leases it holds, in one statement. A lease is renewed while its row
   * still names this node and the same epoch, even if it expired meanwhile: nobody took it over, so no
   * other node ran that bot. Also forgets nodes dead for more than a day.
   * @param ttlMs lease time from now (database clock)
   */
  async renew(
    sql: Pick<Sql, 'query'>,
    node: { nodeId: string; name: string; pid: number },
    held: readonly HeldLease[],
    ttlMs: number,
  ): Promise<RenewResult> {
    const [row] = await sql.query<{ kept: HeldLease[] | null; live: string; fewest: string | null }>(
      `with me as (
         insert into supervisor_nodes (node_id, name, pid, expires_at)
         values (?, ?, ?, now() + ? * interval '1 millisecond')
         on conflict (node_id) do update set heartbeat_at = now(), expires_at = excluded.expires_at
         returning stopping),
       kept as (
         update bot_leases l set expires_at = now() + ? * interval '1 millisecond'
           from jsonb_to_recordset(?::jsonb) as h(tenant_id integer, epoch bigint)
          where l.tenant_id = h.tenant_id and l.epoch = h.epoch and l.node_id = ?
         returning l.tenant_id, l.epoch),
       forgotten as (
         delete from supervisor_nodes where expires_at < now() - interval '1 day' and node_id <> ?)
       select (select json_agg(json_build_object('tenantId', tenant_id, 'epoch', epoch)) from kept) as kept,
              (select count(*) from supervisor_nodes o
                where o.node_id <> ? and o.expires_at > now() and not o.stopping)
              + (select count(*) from me where not stopping) as live,
              (select min((select count(*) from bot_leases l where l.node_id = o.node_id and l.expires_at > now()))
                 from supervisor_nodes o where o.expires_at > now() and not o.stopping) as fewest`,
      [
        node.nodeId,
        node.name,
        node.pid,
        interval(ttlMs),
        interval(ttlMs),
        JSON.stringify(held.map((l) => ({ tenant_id: l.tenantId, epoch: l.epoch }))),
        node.nodeId,
        node.nodeId,
        node.nodeId,
      ],
    );
    return {
      kept: (row?.kept ?? []).map((l) => ({ tenantId: Number(l.tenantId), epoch: Number(l.epoch) })),
      liveNodes: Number(row?.live ?? 1),
      fewestHeld: Number(row?.fewest ?? 0),
    };
  },

  /** Of `tenantIds`, those whose lease nobody holds now (never taken, released or expired). */
  async freeOf(sql: Pick<Sql, 'query'>, tenantIds: readonly number[]): Promise<number[]> {
    if (tenantIds.length === 0) return [];
    const rows = await sql.query<{ tenant_id: number }>(
      `select w.tenant_id from unnest(?::int[]) as w(tenant_id)
         left join bot_leases l on l.tenant_id = w.tenant_id
        where l.tenant_id is null or l.expires_at <= now()`,
      [`{${tenantIds.join(',')}}`],
    );
    return rows.map((r) => Number(r.tenant_id));
  },

  /**
   * Take the leases of `tenantIds` that are free (each with an epoch one more than the last owner's);
   * a lease another node took meanwhile, or holds, is left. Tenants deleted meanwhile are skipped.
   * @returns the leases taken
   */
  async acquire(
    sql: Pick<Sql, 'query'>,
    nodeId: string,
    tenantIds: readonly number[],
    ttlMs: number,
  ): Promise<AcquiredLease[]> {
    if (tenantIds.length === 0) return [];
    const rows = await sql.query<{ tenant_id: number; epoch: string; poll_offset: string | null }>(
      `insert into bot_leases (tenant_id, node_id, epoch, expires_at)
       select t.id, ?, 1, now() + ? * interval '1 millisecond' from tenants t where t.id = any(?::int[])
       on conflict (tenant_id) do update
          set node_id = excluded.node_id, epoch = bot_leases.epoch + 1, acquired_at = now(),
              expires_at = excluded.expires_at
        where bot_leases.expires_at <= now()
       returning tenant_id, epoch, poll_offset`,
      [nodeId, interval(ttlMs), `{${tenantIds.join(',')}}`],
    );
    return rows.map((r) => ({
      tenantId: Number(r.tenant_id),
      epoch: Number(r.epoch),
      pollOffset: r.poll_offset === null ? null : Number(r.poll_offset),
    }));
  },

  /**
   * Give leases back (their bots have stopped), so another node may take them at once; NOTIFY
   * {@link NODES_CHANNEL} tells the others. Only leases this node still holds with that epoch.
   */
  async release(sql: Pick<Sql, 'query'>, nodeId: string, leases: readonly HeldLease[]): Promise<number> {
    if (leases.length === 0) return 0;
    const [row] = await sql.query<{ released: string }>(
      `with released as (
         update bot_leases l set expires_at = now()
           from jsonb_to_recordset(?::jsonb) as h(tenant_id integer, epoch bigint)
          where l.tenant_id = h.tenant_id and l.epoch = h.epoch and l.node_id = ? and l.expires_at > now()
         returning l.tenant_id)
       select x.released, pg_notify(?, ?)
         from (select count(*) as released from released) x where x.released > 0`,
      [
        JSON.stringify(leases.map((l) => ({ tenant_id: l.tenantId, epoch: l.epoch }))),
        nodeId,
        NODES_CHANNEL,
        nodeId,
      ],
    );
    return Number(row?.released ?? 0);
  },

  /** Tell the other nodes this one has joined (they make room for it). */
  async announce(sql: Pick<Sql, 'query'>, nodeId: string): Promise<void> {
    await sql.query('select pg_notify(?, ?)', [NODES_CHANNEL, nodeId]);
  },

  /** This node is shutting down: the others stop counting it (and are told). */
  async markStopping(sql: Pick<Sql, 'query'>, nodeId: string): Promise<void> {
    await sql.query(
      `with stopped as (update supervisor_nodes set stopping = true where node_id = ? returning node_id)
       select pg_notify(?, ?) from stopped`,
      [nodeId, NODES_CHANNEL, nodeId],
    );
  },

  /** This node has stopped: its row goes (its leases were released before). */
  async leave(sql: Pick<Sql, 'query'>, nodeId: string): Promise<void> {
    await sql.query(
      `with gone as (delete from supervisor_nodes where node_id = ? returning node_id)
       select pg_notify(?, ?) from gone`,
      [nodeId, NODES_CHANNEL, nodeId],
    );
  },

  /**
   * Record where a bot's polling has got to, fenced by its lease: refused (false) when the lease has
   * another epoch now or has expired, so a node that lost the bot never confirms updates for it.
   * @param offset the next getUpdates offset (Bot API getUpdates: the last update id + 1)
   */
  async recordPollOffset(sql: Pick<Sql, 'query'>, lease: HeldLease, offset: number): Promise<boolean> {
    const rows = await sql.query(
      `update bot_leases set poll_offset = ?
        where tenant_id = ? and epoch = ? and expires_at > now() returning tenant_id`,
      [offset, lease.tenantId, lease.epoch],
    );
    return rows.length === 1;
  },

  /** Whether this lease is still the live one (the fence, asked when a fenced statement did nothing). */
  async isCurrent(sql: Pick<Sql, 'query'>, lease: HeldLease): Promise<boolean> {
    const rows = await sql.query(
      'select 1 from bot_leases where tenant_id = ? and epoch = ? and expires_at > now()',
      [lease.tenantId, lease.epoch],
    );
    return rows.length === 1;
  },

  /** Every node seen in the last day, newest first, with the bots each owns now. */
  async nodes(sql: Pick<Sql, 'query'>): Promise<NodeRecord[]> {
    const rows = await sql.query<{
      node_id: string;
      name: string;
      pid: number | null;
      started_at: Date | string;
      heartbeat_at: Date | string;
      live: boolean;
      stopping: boolean;
      bots: string;
    }>(
      `select n.node_id, n.name, n.pid, n.started_at, n.heartbeat_at, n.expires_at > now() as live, n.stopping,
              (select count(*) from bot_leases l where l.node_id = n.node_id and l.expires_at > now()) as bots
         from supervisor_nodes n order by n.started_at desc, n.node_id`,
    );
    return rows.map((r) => ({
      nodeId: r.node_id,
      name: r.name,
      pid: r.pid,
      startedAt: new Date(r.started_at),
      heartbeatAt: new Date(r.heartbeat_at),
      live: r.live,
      stopping: r.stopping,
      bots: Number(r.bots),
    }));
  },
};
