/**
 * Queries on `inbound_updates` and `inbound_update_marks`: the updates Telegram POSTs to a bot's webhook,
 * stored by the web before it answers 200 (so a crash never loses one: Telegram retries an unanswered
 * update), handled in order by the node that holds the bot's lease, pruned a while after.
 *
 * Exactly-once storage: the primary key (tenant, bot, update_id) makes a redelivery a no-op; after the
 * handled rows are pruned, `inbound_update_marks.pruned_through` refuses a redelivery older than them, for
 * 24 hours (Telegram keeps an update no longer; after a week without updates a bot's next `update_id` may
 * be chosen anew, lower: it must not be refused then).
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

/** The key of a bot in {@link inboundUpdateRepository.pending}'s answer. */
export function botKey(tenantId: number, botId: number): string {
  return `${tenantId}:${botId}`;
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
             or m.pruned_at < now() - interval '24 hours'
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
   * The next updates not handled yet of each of `bots`, oldest first, in one statement (a bot host reads
   * for all its bots at once).
   * @param perBot at most this many per bot (1–1000)
   * @returns per bot (`tenantId:botId`, {@link botKey}), its updates; a bot without any is absent
   */
  async pending(
    sql: Pick<Sql, 'query'>,
    bots: ReadonlyArray<{ tenantId: number; botId: number }>,
    perBot: number,
  ): Promise<Map<string, PendingUpdate[]>> {
    const found = new Map<string, PendingUpdate[]>();
    if (bots.length === 0) return found;
    const rows = await sql.query<{
      tenant_id: number;
      bot_id: string;
      update_id: string;
      body: Record<string, unknown>;
    }>(
      `select w.tenant_id, w.bot_id, p.update_id, p.body
         from jsonb_to_recordset(?::jsonb) as w(tenant_id int, bot_id bigint)
        cross join lateral (
          select u.update_id, u.body from inbound_updates u
           where u.tenant_id = w.tenant_id and u.bot_id = w.bot_id and u.handled_at is null
           order by u.update_id limit ?) p
        order by w.tenant_id, w.bot_id, p.update_id`,
      [
        JSON.stringify(bots.map((b) => ({ tenant_id: b.tenantId, bot_id: b.botId }))),
        Math.max(1, Math.min(1000, Math.floor(perBot))),
      ],
    );
    for (const r of rows) {
      const key = botKey(Number(r.tenant_id), Number(r.bot_id));
      const list = found.get(key) ?? [];
      list.push({ updateId: Number(r.update_id), body: r.body });
      found.set(key, list);
    }
    return found;
  },

  /**
   * Mark updates of several bots handled, in one statement, each under its bot's lease: the updates of a
   * bot whose `epoch` is not the live lease of its tenant are left (another node has the bot now and
   * handles them itself). `epoch` undefined = no lease (tests, a supervisor without leases).
   * @returns the tenants whose marks were refused
   */
  async markHandled(
    sql: Pick<Sql, 'query'>,
    marks: ReadonlyArray<{
      tenantId: number;
      botId: number;
      epoch: number | undefined;
      updateIds: readonly number[];
    }>,
  ): Promise<Set<number>> {
    const flat = marks.flatMap((m) =>
      m.updateIds.map((id) => ({
        tenant_id: m.tenantId,
        bot_id: m.botId,
        epoch: m.epoch ?? null,
        update_id: id,
      })),
    );
    if (flat.length === 0) return new Set();
    const rows = await sql.query<{ tenant_id: number }>(
      `with m as (
         select * from jsonb_to_recordset(?::jsonb) as m(tenant_id int, bot_id bigint, epoch bigint, update_id bigint)
       ), refused as (
         select distinct m.tenant_id from m
          where m.epoch is not null
            and not exists (select 1 from bot_leases l
                             where l.tenant_id = m.tenant_id and l.epoch = m.epoch and l.expires_at > now())
       ), marked as (
         update inbound_updates u set handled_at = now()
           from m
          where u.tenant_id = m.tenant_id and u.bot_id = m.bot_id and u.update_id = m.update_id
            and u.handled_at is null and m.tenant_id not in (select tenant_id from refused)
         returning 1
       )
       select tenant_id from refused`,
      [JSON.stringify(flat)],
    );
    return new Set(rows.map((r) => Number(r.tenant_id)));
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
            set pruned_through = greatest(inbound_update_marks.pruned_through, excluded.pruned_through),
                pruned_at = now()
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
