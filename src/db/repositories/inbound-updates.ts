/**
 * Queries on `inbound_updates` and `inbound_update_marks`: the updates Telegram POSTs to a bot's webhook,
 * stored by the web before it answers 200 (so a crash never loses one: Telegram retries an unanswered
 * update), handled in order by the node that holds the bot's lease, pruned a while after.
 *
 * Exactly-once storage: the primary key (tenant, bot, update_id) makes a redelivery a no-op; after the
 * handled rows are pruned, `inbound_update_marks.pruned_through` refuses a redelivery older than them.
 * Handling is at least once, as with getUpdates: rows are marked handled after their handlers ran, under
 * the lease epoch (a node that lost the bot's lease cannot mark them, so the new owner handles them too).
 */
import type { Sql } from '../sql.ts';

/** NOTIFY channel: updates of a tenant's bot were stored (payload: the tenant id). */
export const INBOUND_UPDATES_CHANNEL = 'inbound_updates';

/** One update as the web received it. */
export interface InboundUpdate {
  tenantId: number;
  botId: number;
  updateId: number;
  /** The update object as Telegram sent it (JSON). */
  body: Record<string, unknown>;
}

/** A stored update waiting for its bot. */
export interface PendingUpdate {
  updateId: number;
  body: Record<string, unknown>;
}

export const inboundUpdateRepository = {
  /**
   * Store updates in one statement (one commit for the whole group) and NOTIFY each tenant once.
   * An update already stored, older than what was pruned, or for a bot that is not (or no longer) the
   * tenant's configured bot is skipped.
   * @returns how many were stored (the others were redeliveries or strays)
   */
  async store(sql: Pick<Sql, 'query'>, updates: readonly InboundUpdate[]): Promise<number> {
    if (updates.length === 0) return 0;
    const payload = JSON.stringify(
      updates.map((u) => ({ tenant_id: u.tenantId, bot_id: u.botId, update_id: u.updateId, body: u.body })),
    );
    const rows = await sql.query<{ stored: string }>(
      `with incoming as (
         select distinct on (t.tenant_id, t.bot_id, t.update_id) t.tenant_id, t.bot_id, t.update_id, t.body
           from jsonb_to_recordset(?::jsonb) as t(tenant_id int, bot_id bigint, update_id bigint, body jsonb)
           join bot_configs c on c.tenant_id = t.tenant_id and c.bot_id = t.bot_id
           left join inbound_update_marks m on m.tenant_id = t.tenant_id and m.bot_id = t.bot_id
          where m.pruned_through is null or t.update_id > m.pruned_through
       ), stored as (
         insert into inbound_updates (tenant_id, bot_id, update_id, body)
         select tenant_id, bot_id, update_id, body from incoming
         on conflict do nothing
         returning tenant_id
       ), notified as (
         select pg_notify(?, s.tenant_id::text) from (select distinct tenant_id from stored) s
       )
       select (select count(*) from stored) as stored, (select count(*) from notified) as tenants`,
      [payload, INBOUND_UPDATES_CHANNEL],
    );
    return Number(rows[0]?.stored ?? 0);
  },

  /**
   * The next updates of a bot that are not handled yet, oldest first.
   * @param limit at most this many (1–1000)
   */
  async pending(
    sql: Pick<Sql, 'query'>,
    bot: { tenantId: number; botId: number },
    limit: number,
  ): Promise<PendingUpdate[]> {
    const rows = await sql.query<{ update_id: string; body: Record<string, unknown> }>(
      `select update_id, body from inbound_updates
        where tenant_id = ? and bot_id = ? and handled_at is null
        order by update_id limit ?`,
      [bot.tenantId, bot.botId, Math.max(1, Math.min(1000, Math.floor(limit)))],
    );
    return rows.map((r) => ({ updateId: Number(r.update_id), body: r.body }));
  },

  /**
   * Mark updates handled, under the bot's lease: nothing is marked when `lease` is not the live lease of
   * the tenant (another node has the bot now and handles them itself).
   * @returns whether the lease was current (the rows are marked)
   */
  async markHandled(
    sql: Pick<Sql, 'query'>,
    bot: { tenantId: number; botId: number },
    updateIds: readonly number[],
    lease: { epoch: number } | undefined,
  ): Promise<boolean> {
    if (updateIds.length === 0) return true;
    const rows = await sql.query<{ current: boolean }>(
      `with current_lease as (
         select 1 from bot_leases where tenant_id = ? and epoch = ? and expires_at > now()
       ), marked as (
         update inbound_updates set handled_at = now()
          where tenant_id = ? and bot_id = ? and update_id = any(?::bigint[]) and handled_at is null
            and (?::boolean or exists (select 1 from current_lease))
         returning 1
       )
       select (? or exists (select 1 from current_lease)) as current, (select count(*) from marked) as marked`,
      [
        bot.tenantId,
        lease?.epoch ?? 0,
        bot.tenantId,
        bot.botId,
        `{${updateIds.join(',')}}`,
        lease === undefined,
        lease === undefined,
      ],
    );
    return rows[0]?.current === true;
  },

  /** Of `tenantIds`, those with updates waiting (a host's sweep, should a NOTIFY have been missed). */
  async tenantsWithPending(sql: Pick<Sql, 'query'>, tenantIds: readonly number[]): Promise<number[]> {
    if (tenantIds.length === 0) return [];
    const rows = await sql.query<{ tenant_id: number }>(
      `select w.tenant_id from unnest(?::int[]) as w(tenant_id)
        where exists (select 1 from inbound_updates u where u.tenant_id = w.tenant_id and u.handled_at is null)`,
      [`{${tenantIds.join(',')}}`],
    );
    return rows.map((r) => Number(r.tenant_id));
  },

  /** The highest update id of a bot forgotten so far (a redelivery at or below it is refused), or null. */
  async prunedThrough(
    sql: Pick<Sql, 'query'>,
    bot: { tenantId: number; botId: number },
  ): Promise<number | null> {
    const rows = await sql.query<{ pruned_through: string }>(
      'select pruned_through from inbound_update_marks where tenant_id = ? and bot_id = ?',
      [bot.tenantId, bot.botId],
    );
    return rows[0] ? Number(rows[0].pruned_through) : null;
  },

  /**
   * Forget handled updates received more than `handledAgeMs` ago (remembering per bot the highest id
   * forgotten, so a late redelivery is still refused), and updates never handled received more than
   * `staleAgeMs` ago (their bot has not run for that long; Telegram itself keeps updates 24 hours).
   * @returns how many rows of each kind were deleted
   */
  async prune(
    sql: Pick<Sql, 'query'>,
    handledAgeMs: number,
    staleAgeMs: number,
  ): Promise<{ handled: number; stale: number }> {
    const rows = await sql.query<{ handled: string; stale: string }>(
      `with gone as (
         delete from inbound_updates
          where received_at < now() - ? * interval '1 millisecond'
            and (handled_at is not null or received_at < now() - ? * interval '1 millisecond')
         returning tenant_id, bot_id, update_id, handled_at
       ), marks as (
         insert into inbound_update_marks (tenant_id, bot_id, pruned_through)
         select tenant_id, bot_id, max(update_id) from gone group by tenant_id, bot_id
         on conflict (tenant_id, bot_id) do update
            set pruned_through = greatest(inbound_update_marks.pruned_through, excluded.pruned_through)
         returning 1
       )
       select count(*) filter (where handled_at is not null) as handled,
              count(*) filter (where handled_at is null) as stale,
              (select count(*) from marks) as marks
         from gone`,
      [Math.max(0, Math.round(handledAgeMs)), Math.max(0, Math.round(staleAgeMs))],
    );
    return { handled: Number(rows[0]?.handled ?? 0), stale: Number(rows[0]?.stale ?? 0) };
  },
};
