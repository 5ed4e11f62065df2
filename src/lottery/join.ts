/**
 * Joining a lottery (one Telegram user, one entry; idempotent: F5, F17). The rules, in order: the
 * lottery exists for this tenant and is open; the user has not joined yet (a repeated press answers
 * "already" without asking Telegram anything); every join condition holds (conditions.ts; a membership
 * that cannot be verified refuses the entry, tells the user to retry, and flags the chat for the
 * organiser, F11); the entry cap of an "at N entries" trigger is not reached. The entry and the count
 * are written by one statement under the lottery's row lock, so the N-th entry is the last one and a
 * draw in progress (which holds that lock) is never joined into.
 */
import type { EntrySource } from '../contracts/lottery.ts';
import type { Sql } from '../db/sql.ts';
import { checkConditions, type Entrant, type MembershipCheck } from './conditions.ts';
import type { JoinCondition, Language } from './model.ts';

export type JoinSource = EntrySource;

export type JoinOutcome =
  | {
      kind: 'joined';
      entryId: number;
      /** The lottery's entry count after this entry, when it is counted at once (an entry cap); else null. */
      entryCount: number | null;
      startedBot: boolean;
      lottery: JoinLottery;
    }
  | { kind: 'already'; lottery: JoinLottery }
  | { kind: 'not-found' }
  | { kind: 'closed'; lottery: JoinLottery }
  | { kind: 'full'; lottery: JoinLottery }
  | { kind: 'not-bot' | 'has-username'; lottery: JoinLottery }
  | { kind: 'not-member' | 'cannot-verify'; chatId: number; lottery: JoinLottery };

/** What joining needs to know of a lottery. */
export interface JoinLottery {
  id: number;
  tenantId: number;
  title: string;
  language: Language;
  status: string;
  joinConditions: JoinCondition[];
  joinKeyword: string | null;
  publishTargets: number[];
  /** An "at N entries" trigger caps the entries: joins are counted one by one under the row lock. */
  capped: boolean;
}

/** Reads what joining needs of a tenant's lottery, or null. */
export async function loadJoinLottery(
  sql: Sql,
  tenantId: number,
  lotteryId: number,
): Promise<JoinLottery | null> {
  const [row] = await sql.query<{
    id: number;
    tenant_id: number;
    title: string;
    language: string;
    status: string;
    join_conditions: JoinCondition[];
    join_keyword: string | null;
    publish_targets: (number | string)[];
    draw_at_entries: number | null;
  }>(
    `select id, tenant_id, title, language, status, join_conditions, join_keyword, publish_targets, draw_at_entries
       from lotteries where id = ? and tenant_id = ?`,
    [lotteryId, tenantId],
  );
  if (!row) return null;
  return {
    id: row.id,
    tenantId: row.tenant_id,
    title: row.title,
    language: row.language === 'en' ? 'en' : 'zh-CN',
    status: row.status,
    joinConditions: row.join_conditions,
    joinKeyword: row.join_keyword,
    publishTargets: row.publish_targets.map(Number),
    capped: row.draw_at_entries !== null,
  };
}

export interface JoinRequest {
  tenantId: number;
  lotteryId: number;
  entrant: Entrant;
  source: JoinSource;
  checkMembership: MembershipCheck;
  /** The lottery, when the caller has it (a cache); read otherwise. */
  lottery?: JoinLottery | null;
  /**
   * Told when the join moves on: `checking` before the membership conditions ask Telegram, `writing`
   * just before the entry's statement is sent (from then on a failure leaves the outcome unknown: the
   * entry may be committed without our hearing of it).
   */
  progress?: (phase: JoinPhase) => void;
}

/** Where a join is: reading the database, asking Telegram (membership), or writing the entry. */
export type JoinPhase = 'reading' | 'checking' | 'writing';

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

/** Joins `entrant` to a lottery; never throws for the user's own situation (only for database errors). */
export async function joinLottery(sql: Sql, request: JoinRequest): Promise<JoinOutcome> {
  const { tenantId, lotteryId, entrant } = request;
  const lottery = request.lottery ?? (await loadJoinLottery(sql, tenantId, lotteryId));
  if (!lottery || lottery.tenantId !== tenantId) return { kind: 'not-found' };
  if (lottery.status !== 'open') return { kind: 'closed', lottery };
  // A repeated press must not cost Telegram calls: with a membership condition, look for the entry first.
  // Without one the insert below tells "already" by itself.
  if (lottery.joinConditions.some((c) => c.kind === 'member')) {
    const existing = await sql.query('select 1 from entries where lottery_id = ? and tg_user_id = ?', [
      lotteryId,
      entrant.userId,
    ]);
    if (existing.length > 0) return { kind: 'already', lottery };
  }

  request.progress?.('checking');
  const conditions = await checkConditions(lottery.joinConditions, entrant, request.checkMembership);
  request.progress?.('reading');
  if (!conditions.ok) {
    if (conditions.failed !== 'member') return { kind: conditions.failed, lottery };
    if (conditions.membership === 'unknown') {
      await flagChat(sql, tenantId, conditions.chatId, 'a membership check could not be made');
      return { kind: 'cannot-verify', chatId: conditions.chatId, lottery };
    }
    return { kind: 'not-member', chatId: conditions.chatId, lottery };
  }

  request.progress?.('writing');
  const [row] = await sql.query<{
    open: number;
    entry_id: string | null;
    started_bot: boolean | null;
    entry_count: number | null;
  }>(lottery.capped ? INSERT_ENTRY : INSERT_ENTRY_SHARED, [
    lotteryId,
    tenantId,
    entrant.userId,
    entrant.firstName.slice(0, 256),
    entrant.lastName?.slice(0, 256) ?? null,
    entrant.username?.slice(0, 64) ?? null,
    entrant.languageCode?.slice(0, 16) ?? null,
    entrant.isBot,
    tenantId,
    entrant.userId,
    request.source,
  ]);
  if (row?.entry_id != null) {
    return {
      kind: 'joined',
      entryId: Number(row.entry_id),
      entryCount: row.entry_count === null ? null : Number(row.entry_count),
      startedBot: row.started_bot === true,
      lottery,
    };
  }
  if (!row || row.open === 0) return { kind: 'closed', lottery };
  const again = await sql.query('select 1 from entries where lottery_id = ? and tg_user_id = ?', [
    lotteryId,
    entrant.userId,
  ]);
  return again.length > 0 ? { kind: 'already', lottery } : { kind: 'full', lottery };
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

/** Marks a chat whose membership check failed (shown to the organiser with the chats). */
export async function flagChat(sql: Sql, tenantId: number, chatId: number, error: string): Promise<void> {
  await sql.query(
    'update chats set check_failed_at = now(), check_error = ? where tenant_id = ? and chat_id = ?',
    [error, tenantId, chatId],
  );
}

/** Records that a user started the bot in private chat (so it may message them, F7). */
export async function recordStarted(
  sql: Sql,
  tenantId: number,
  userId: number,
  languageCode: string | null,
): Promise<void> {
  await sql.query(
    `insert into bot_users (tenant_id, tg_user_id, started_at, language_code) values (?, ?, now(), ?)
     on conflict (tenant_id, tg_user_id) do update
       set started_at = now(), blocked_at = null, language_code = excluded.language_code, updated_at = now()`,
    [tenantId, userId, languageCode?.slice(0, 16) ?? null],
  );
  await sql.query(
    `update entries e set started_bot = true from lotteries l
      where e.lottery_id = l.id and l.tenant_id = ? and e.tg_user_id = ? and not e.started_bot`,
    [tenantId, userId],
  );
}

/** Whether a user started the tenant's bot and has not blocked it since (so it may message them, F7). */
export async function hasStartedBot(sql: Sql, tenantId: number, userId: number): Promise<boolean> {
  const rows = await sql.query(
    'select 1 from bot_users where tenant_id = ? and tg_user_id = ? and started_at is not null and blocked_at is null',
    [tenantId, userId],
  );
  return rows.length > 0;
}

/** Records that a user blocked the bot (`my_chat_member` in private chat with status `kicked`). */
export async function recordBlocked(sql: Sql, tenantId: number, userId: number): Promise<void> {
  await sql.query(
    `insert into bot_users (tenant_id, tg_user_id, blocked_at) values (?, ?, now())
     on conflict (tenant_id, tg_user_id) do update set blocked_at = now(), updated_at = now()`,
    [tenantId, userId],
  );
}
