/** Counts for the Prometheus gauges, read at scrape time (cached by routes/metrics.ts); no table scan of entries. */
import type { Sql } from '../sql.ts';

export interface PlatformCounts {
  /** Bots per supervisor state (`bot_status.state`). */
  botsByState: Record<string, number>;
  /**
   * Running bots in a bot host of their own, by why (`bot_status.isolation`: `crash-loop`,
   * `event-loop-blocked`, `memory`); they are also counted as running in {@link botsByState}.
   */
  botsIsolated: Record<string, number>;
  /** Entries of every lottery, from the lotteries' live counts (a few seconds behind the joins). */
  entries: number;
  draws: number;
  /** Outbox messages waiting to be sent (`pending` or `sending`). */
  outboxDepth: number;
}

export const statsRepository = {
  /** Bots by state (and running bots by isolation) and the table counts (two queries, run in parallel). */
  async counts(db: Sql): Promise<PlatformCounts> {
    const [states, totals] = await Promise.all([
      db.query<{ state: string; isolation: string | null; n: number }>(
        'select state, isolation, count(*)::int as n from bot_status group by state, isolation',
      ),
      db.query<{ entries: number | string; draws: number; outbox: number }>(
        // Entries from each lottery's live count (lotteries.entry_count, or lottery_counts where its bot
        // keeps it), one row per lottery: a scrape never counts the entries table itself.
        `select (select coalesce(sum(greatest(l.entry_count, coalesce(c.entry_count, 0))), 0)
                   from lotteries l left join lottery_counts c on c.lottery_id = l.id)::bigint as entries,
                (select count(*) from draw_proofs)::int as draws,
                (select count(*) from outbox_messages where status in ('pending', 'sending'))::int as outbox`,
      ),
    ]);
    const botsByState: Record<string, number> = {};
    const botsIsolated: Record<string, number> = {};
    for (const row of states) {
      botsByState[row.state] = (botsByState[row.state] ?? 0) + row.n;
      if (row.state === 'running' && row.isolation !== null)
        botsIsolated[row.isolation] = (botsIsolated[row.isolation] ?? 0) + row.n;
    }
    const t = totals[0];
    return {
      botsByState,
      botsIsolated,
      entries: Number(t?.entries ?? 0),
      draws: t?.draws ?? 0,
      outboxDepth: t?.outbox ?? 0,
    };
  },
};
