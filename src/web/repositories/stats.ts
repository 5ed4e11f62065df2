/** Counts for the Prometheus gauges, read at scrape time. */
import type { Sql } from '../../db/sql.ts';

export interface PlatformCounts {
  /** Bots per supervisor state (`bot_status.state`). */
  botsByState: Record<string, number>;
  entries: number;
  draws: number;
  /** Outbox messages waiting to be sent (`pending` or `sending`). */
  outboxDepth: number;
}

export const statsRepository = {
  /** Bots by state and the table counts (two queries, run in parallel). */
  async counts(db: Sql): Promise<PlatformCounts> {
    const [states, totals] = await Promise.all([
      db.query<{ state: string; n: number }>(
        'select state, count(*)::int as n from bot_status group by state',
      ),
      db.query<{ entries: number; draws: number; outbox: number }>(
        `select (select count(*) from entries)::int as entries,
                (select count(*) from draw_proofs)::int as draws,
                (select count(*) from outbox_messages where status in ('pending', 'sending'))::int as outbox`,
      ),
    ]);
    const botsByState: Record<string, number> = {};
    for (const row of states) botsByState[row.state] = row.n;
    const t = totals[0];
    return { botsByState, entries: t?.entries ?? 0, draws: t?.draws ?? 0, outboxDepth: t?.outbox ?? 0 };
  },
};
