/**
 * The home of the SQL of `entries` and of `lottery_counts` (the live count of uncapped lotteries): the join's
 * one-statement insert under the lottery's row lock, the "already joined" check, the started-bot flag, the
 * count refresh, and the draw's reads of the entries.
 */
import type { EntrySource } from '../contracts/lottery.ts';
import type { Sql } from '../db/sql.ts';
import type { Entrant } from './conditions.ts';

/**
 * An uncapped lottery: joins share the lottery row (`for share`), so they run side by side and a draw
 * (`for update`) still waits for them and shuts them out; the entry count is refreshed by the bot's post
 * updater (refreshEntryCount), not by each join.
 */
const INSERT_ENTRY_SHARED = `
  with lot as (
    select id from lotteries where id = ? and tenant_id = ? and status = 'open' for share
  ), ins as (
    insert into entries (lottery_id, tg_user_id, first_name, last_name, username, language_code, is_bot,
                         started_bot, source)
    select lot.id, ?, ?, ?, ?, ?, ?,
           exists (select 1 from bot_users b where b.tenant_id = ? and b.tg_user_id = ?
                     and b.started_at is not null and b.blocked_at is null),
           ?
      from lot
    on conflict (lottery_id, tg_user_id) do nothing
    returning id, started_bot
  )
  select (select count(*) from lot)::int as open,
         (select id from ins) as entry_id,
         (select started_bot from ins) as started_bot,
         null::int as entry_count`;

/** A capped lottery: each join takes the row lock and counts itself, so the N-th entry is the last. */
const INSERT_ENTRY = `
  with lot as (
    select id, draw_at_entries, entry_count from lotteries
     where id = ? and tenant_id = ? and status = 'open' for update
  ), ins as (
    insert into entries (lottery_id, tg_user_id, first_name, last_name, username, language_code, is_bot,
                         started_bot, source)
    select lot.id, ?, ?, ?, ?, ?, ?,
           exists (select 1 from bot_users b where b.tenant_id = ? and b.tg_user_id = ?
                     and b.started_at is not null and b.blocked_at is null),
           ?
      from lot where lot.draw_at_entries is null or lot.entry_count < lot.draw_at_entries
    on conflict (lottery_id, tg_user_id) do nothing
    returning id, lottery_id, started_bot
  ), upd as (
    update lotteries l set entry_count = l.entry_count + 1, updated_at = now()
      from ins where l.id = ins.lottery_id
    returning l.entry_count
  )
  select (select count(*) from lot)::int as open,
         (select id from ins) as entry_id,
         (select started_bot from ins) as started_bot,
         (select entry_count from upd) as entry_count`;

/** What the join's statement did: whether the lottery was open, and the entry when one was written. */
export interface InsertedEntry {
  /** The lottery was open for this tenant when the statement ran (under its row lock). */
  open: boolean;
  /** The new entry's id; null when none was written (already joined, full, or not open). */
  entryId: number | null;
  /** The count after this entry when the lottery counts one by one (an entry cap); else null. */
  entryCount: number | null;
  startedBot: boolean;
}

/**
 * Writes one entry in one statement under the lottery's row lock: `for update` and counted at once when the
 * lottery has an entry cap, else `for share` (joins run side by side; the count is refreshed later).
 */
export async function insertEntry(
  sql: Sql,
  entry: { lotteryId: number; tenantId: number; entrant: Entrant; source: EntrySource; capped: boolean },
): Promise<InsertedEntry> {
  const { entrant } = entry;
  const [row] = await sql.query<{
    open: number;
    entry_id: string | null;
    started_bot: boolean | null;
    entry_count: number | null;
  }>(entry.capped ? INSERT_ENTRY : INSERT_ENTRY_SHARED, [
    entry.lotteryId,
    entry.tenantId,
    entrant.userId,
    entrant.firstName.slice(0, 256),
    entrant.lastName?.slice(0, 256) ?? null,
    entrant.username?.slice(0, 64) ?? null,
    entrant.languageCode?.slice(0, 16) ?? null,
    entrant.isBot,
    entry.tenantId,
    entrant.userId,
    entry.source,
  ]);
  return {
    open: (row?.open ?? 0) > 0,
    entryId: row?.entry_id == null ? null : Number(row.entry_id),
    entryCount: row?.entry_count == null ? null : Number(row.entry_count),
    startedBot: row?.started_bot === true,
  };
}

/** Whether the user has an entry in the lottery. */
export async function hasEntry(sql: Sql, lotteryId: number, userId: number): Promise<boolean> {
  const rows = await sql.query('select 1 from entries where lottery_id = ? and tg_user_id = ?', [
    lotteryId,
    userId,
  ]);
  return rows.length > 0;
}

/** Marks the user's entries in the tenant's lotteries as able to receive the winner's message (F7). */
export async function markStartedBot(sql: Sql, tenantId: number, userId: number): Promise<void> {
  await sql.query(
    `update entries e set started_bot = true from lotteries l
      where e.lottery_id = l.id and l.tenant_id = ? and e.tg_user_id = ? and not e.started_bot`,
    [tenantId, userId],
  );
}

/**
 * Refreshes the live entry count of a tenant's open uncapped lotteries (their joins are not counted one by
 * one) into `lottery_counts`, never touching the lottery row the joins share. Returns how many changed.
 */
export async function refreshEntryCounts(sql: Sql, tenantId: number): Promise<number> {
  const rows = await sql.query<{ lottery_id: number }>(
    `insert into lottery_counts (lottery_id, entry_count, updated_at)
     select o.id, (select count(*) from entries e where e.lottery_id = o.id)::int, now()
       from lotteries o where o.tenant_id = ? and o.status = 'open' and o.draw_at_entries is null
     on conflict (lottery_id) do update set entry_count = excluded.entry_count, updated_at = now()
       where lottery_counts.entry_count <> excluded.entry_count
     returning lottery_id`,
    [tenantId],
  );
  return rows.length;
}

/** The user ids of a lottery's entries, in entry order. */
export async function entryUserIds(sql: Sql, lotteryId: number): Promise<number[]> {
  const rows = await sql.query<{ tg_user_id: string }>(
    'select tg_user_id from entries where lottery_id = ?',
    [lotteryId],
  );
  return rows.map((r) => Number(r.tg_user_id));
}

export interface EntryPerson {
  entryId: number;
  userId: number;
  firstName: string;
  lastName: string | null;
  username: string | null;
  languageCode: string | null;
}

/**
 * The entries of the given users in one lottery, by user id. One statement whatever the number of users
 * (they travel as one text parameter, joined to the entries, so 200,000 winners are one hash join).
 */
export async function entriesOf(
  sql: Sql,
  lotteryId: number,
  userIds: readonly number[],
): Promise<Map<number, EntryPerson>> {
  if (userIds.length === 0) return new Map();
  const rows = await sql.query<{
    id: string;
    tg_user_id: string;
    first_name: string;
    last_name: string | null;
    username: string | null;
    language_code: string | null;
  }>(
    `select e.id, e.tg_user_id, e.first_name, e.last_name, e.username, e.language_code
       from entries e join unnest(string_to_array(?, ',')::bigint[]) as u(user_id) on e.tg_user_id = u.user_id
      where e.lottery_id = ?`,
    [userIds.join(','), lotteryId],
  );
  return new Map(
    rows.map((r) => [
      Number(r.tg_user_id),
      {
        entryId: Number(r.id),
        userId: Number(r.tg_user_id),
        firstName: r.first_name,
        lastName: r.last_name,
        username: r.username,
        languageCode: r.language_code,
      },
    ]),
  );
}
