/**
 * The home of the SQL of lotteries and prizes: reading a lottery whole (with its posts), listing, inserting,
 * updating, its state changes (publish, cancel, delete, the draw's), the join's view and the keyword lookup.
 * Every read is scoped by tenant unless the caller is a process acting for all tenants (tenantId null:
 * the draw scheduler). Rows come back from two drivers (the ORM's knex pool gives timestamps as text,
 * `pg` as Date; bigint is text in both), so each value is normalised here.
 */

import { type Sql, toDate, toDateOrNull } from '../db/sql.ts';
import type {
  JoinCondition,
  Language,
  LotteryInput,
  LotteryRecord,
  LotteryStatus,
  PostRecord,
  PrizeRecord,
} from './model.ts';
import { postsOfLotteries } from './posts-store.ts';

interface LotteryRow {
  id: number;
  tenant_id: number;
  title: string;
  description: string;
  status: LotteryStatus;
  language: string;
  join_conditions: LotteryRecord['joinConditions'];
  draw_trigger: LotteryRecord['drawTrigger'];
  publish_targets: (number | string)[];
  join_keyword: string | null;
  commitment: string | null;
  entry_count: number;
  changes: LotteryRecord['changes'];
  created_at: Date | string;
  updated_at: Date | string;
  published_at: Date | string | null;
  drawn_at: Date | string | null;
  cancelled_at: Date | string | null;
}

const COLUMNS = `l.id, l.tenant_id, l.title, l.description, l.status, l.language, l.join_conditions,
  l.draw_trigger, l.publish_targets, l.join_keyword, l.commitment,
  greatest(l.entry_count, coalesce(c.entry_count, 0)) as entry_count, l.changes, l.created_at,
  l.updated_at, l.published_at, l.drawn_at, l.cancelled_at`;

/** The live count of an uncapped lottery is in `lottery_counts` (refreshed by its bot, see join.ts). */
const FROM = 'lotteries l left join lottery_counts c on c.lottery_id = l.id';

function toRecord(row: LotteryRow, prizes: PrizeRecord[], posts: PostRecord[]): LotteryRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    title: row.title,
    description: row.description,
    status: row.status,
    language: (row.language === 'en' ? 'en' : 'zh-CN') as Language,
    prizes,
    joinConditions: row.join_conditions,
    drawTrigger: row.draw_trigger,
    publishTargets: row.publish_targets.map(Number),
    joinKeyword: row.join_keyword,
    commitment: row.commitment?.trim() ?? null,
    entryCount: Number(row.entry_count),
    changes: row.changes,
    posts,
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
    publishedAt: toDateOrNull(row.published_at),
    drawnAt: toDateOrNull(row.drawn_at),
    cancelledAt: toDateOrNull(row.cancelled_at),
  };
}

async function attach(sql: Sql, rows: LotteryRow[]): Promise<LotteryRecord[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const prizes = await sql.query<{
    id: number;
    lottery_id: number;
    position: number;
    name: string;
    quantity: number;
  }>(
    `select id, lottery_id, position, name, quantity from prizes where lottery_id = any(string_to_array(?, ',')::int[]) order by lottery_id, position`,
    [ids.join(',')],
  );
  const posts = await postsOfLotteries(sql, ids);
  return rows.map((row) =>
    toRecord(
      row,
      prizes
        .filter((p) => p.lottery_id === row.id)
        .map((p) => ({ id: p.id, position: p.position, name: p.name, quantity: p.quantity })),
      posts.filter((p) => p.lotteryId === row.id).map((p) => ({ chatId: p.chatId, messageId: p.messageId })),
    ),
  );
}

/**
 * One lottery with its prizes and posts, or null. `tenantId` null reads any tenant's (scheduler).
 * `lock` takes a row lock (`for update`) for the rest of the caller's transaction.
 */
export async function findLottery(
  sql: Sql,
  tenantId: number | null,
  id: number,
  options: { lock?: boolean } = {},
): Promise<LotteryRecord | null> {
  if (!Number.isSafeInteger(id) || id < 1 || id > 2_147_483_647) return null;
  const rows = await sql.query<LotteryRow>(
    `select ${COLUMNS} from ${FROM} where l.id = ? ${tenantId === null ? '' : 'and l.tenant_id = ?'}
     ${options.lock ? 'for update of l' : ''}`,
    tenantId === null ? [id] : [id, tenantId],
  );
  return (await attach(sql, rows))[0] ?? null;
}

/** A tenant's lotteries of the given ids, in one read (with their prizes and posts); missing ids are left out. */
export async function findLotteries(
  sql: Sql,
  tenantId: number,
  ids: readonly number[],
): Promise<LotteryRecord[]> {
  const wanted = [...new Set(ids)].filter((id) => Number.isSafeInteger(id) && id >= 1 && id <= 2_147_483_647);
  if (wanted.length === 0) return [];
  const rows = await sql.query<LotteryRow>(
    `select ${COLUMNS} from ${FROM}
      where l.tenant_id = ? and l.id = any(string_to_array(?, ',')::int[]) order by l.id`,
    [tenantId, wanted.join(',')],
  );
  return attach(sql, rows);
}

/** A tenant's lotteries, newest first, optionally of one status. */
export async function listLotteries(
  sql: Sql,
  tenantId: number,
  status?: LotteryStatus,
): Promise<LotteryRecord[]> {
  const rows = await sql.query<LotteryRow>(
    `select ${COLUMNS} from ${FROM} where l.tenant_id = ? ${status ? 'and l.status = ?' : ''}
     order by l.id desc limit 500`,
    status ? [tenantId, status] : [tenantId],
  );
  return attach(sql, rows);
}

function triggerColumns(input: Pick<LotteryInput, 'drawTrigger'>): [string | null, number | null] {
  const t = input.drawTrigger;
  return [t.kind === 'time' ? new Date(t.at).toISOString() : null, t.kind === 'entries' ? t.count : null];
}

/**
 * The values of a lottery's editable columns, in the order insert and update name them: title, description,
 * language, join_conditions, draw_trigger, draw_at, draw_at_entries, publish_targets, join_keyword.
 */
function inputValues(input: LotteryInput): unknown[] {
  const [drawAt, drawAtEntries] = triggerColumns(input);
  return [
    input.title,
    input.description,
    input.language,
    JSON.stringify(input.joinConditions),
    JSON.stringify(input.drawTrigger),
    drawAt,
    drawAtEntries,
    JSON.stringify(input.publishTargets),
    input.joinKeyword,
  ];
}

/** Inserts a draft with its prizes; returns its id. */
export async function insertLottery(sql: Sql, tenantId: number, input: LotteryInput): Promise<number> {
  const [row] = await sql.query<{ id: number }>(
    `insert into lotteries (tenant_id, title, description, language, join_conditions, draw_trigger, draw_at,
       draw_at_entries, publish_targets, join_keyword)
     values (?, ?, ?, ?, ?::jsonb, ?::jsonb, ?, ?, ?::jsonb, ?) returning id`,
    [tenantId, ...inputValues(input)],
  );
  const id = row!.id;
  await replacePrizes(sql, id, input.prizes, []);
  return id;
}

/**
 * Writes every field of `input` over lottery `id`, appends `changes`, and saves the prizes: prizes with
 * an `id` among `existing` are updated in place, the others inserted, existing ones not named deleted.
 */
export async function updateLottery(
  sql: Sql,
  id: number,
  input: LotteryInput,
  existing: PrizeRecord[],
  changes: LotteryRecord['changes'],
): Promise<void> {
  await sql.query(
    `update lotteries set title = ?, description = ?, language = ?, join_conditions = ?::jsonb,
       draw_trigger = ?::jsonb, draw_at = ?, draw_at_entries = ?, publish_targets = ?::jsonb, join_keyword = ?,
       changes = changes || ?::jsonb, updated_at = now()
     where id = ?`,
    [...inputValues(input), JSON.stringify(changes), id],
  );
  await replacePrizes(sql, id, input.prizes, existing);
}

async function replacePrizes(
  sql: Sql,
  lotteryId: number,
  prizes: LotteryInput['prizes'],
  existing: PrizeRecord[],
): Promise<void> {
  const keep = new Set(prizes.flatMap((p) => (p.id !== undefined ? [p.id] : [])));
  const removed = existing.filter((p) => !keep.has(p.id)).map((p) => p.id);
  if (removed.length > 0)
    await sql.query("delete from prizes where id = any(string_to_array(?, ',')::int[])", [removed.join(',')]);
  // Positions are unique per lottery: move the kept ones out of the way first.
  await sql.query('update prizes set position = -position - 1000 where lottery_id = ?', [lotteryId]);
  for (const [index, prize] of prizes.entries()) {
    if (prize.id !== undefined && existing.some((p) => p.id === prize.id)) {
      await sql.query(
        'update prizes set position = ?, name = ?, quantity = ? where id = ? and lottery_id = ?',
        [index + 1, prize.name, prize.quantity, prize.id, lotteryId],
      );
    } else {
      await sql.query('insert into prizes (lottery_id, position, name, quantity) values (?, ?, ?, ?)', [
        lotteryId,
        index + 1,
        prize.name,
        prize.quantity,
      ]);
    }
  }
}

/** The tenant's newest open lottery posted in `chatId` whose join keyword is `keyword`, or null. */
export async function openLotteryByKeyword(
  sql: Sql,
  tenantId: number,
  chatId: number,
  keyword: string,
): Promise<number | null> {
  const [row] = await sql.query<{ id: number }>(
    `select id from lotteries where tenant_id = ? and status = 'open' and join_keyword = ?
       and publish_targets @> ?::jsonb order by id desc limit 1`,
    [tenantId, keyword, JSON.stringify([chatId])],
  );
  return row?.id ?? null;
}

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

/** Reads what joining needs of a tenant's lottery, or null (on every press the cache misses: one row, no joins). */
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

/** Deletes a tenant's lottery (its prizes, posts and entries go with it). */
export async function deleteLotteryRow(sql: Sql, tenantId: number, id: number): Promise<void> {
  await sql.query('delete from lotteries where id = ? and tenant_id = ?', [id, tenantId]);
}

/** Opens a lottery: its encrypted seed and commitment are set once, at publishing. */
export async function markPublished(
  sql: Sql,
  id: number,
  sealed: { seedEncrypted: string; commitment: string },
): Promise<void> {
  await sql.query(
    `update lotteries set status = 'open', seed_encrypted = ?, commitment = ?, published_at = now(),
       updated_at = now() where id = ?`,
    [sealed.seedEncrypted, sealed.commitment, id],
  );
}

/** Cancels a lottery. */
export async function markCancelled(sql: Sql, id: number): Promise<void> {
  await sql.query(
    `update lotteries set status = 'cancelled', cancelled_at = now(), updated_at = now() where id = ?`,
    [id],
  );
}

/**
 * The draw's lock on an open or drawing lottery (`for update`, for the rest of the caller's transaction), with
 * its sealed seed; null when it is neither (or not the tenant's, when `tenantId` is given).
 */
export async function lockForDraw(
  sql: Sql,
  id: number,
  tenantId: number | null,
): Promise<{ status: LotteryStatus; seedEncrypted: string } | null> {
  const [row] = await sql.query<{ status: LotteryStatus; seed_encrypted: string }>(
    `select status, seed_encrypted from lotteries
      where id = ? and status in ('open', 'drawing') ${tenantId === null ? '' : 'and tenant_id = ?'}
      for update`,
    tenantId === null ? [id] : [id, tenantId],
  );
  return row ? { status: row.status, seedEncrypted: row.seed_encrypted } : null;
}

/** The draw has begun: the entries are fixed (a join now is refused). */
export async function markDrawing(sql: Sql, id: number): Promise<void> {
  await sql.query(`update lotteries set status = 'drawing', updated_at = now() where id = ?`, [id]);
}

/** A lottery's status, or null when there is none with this id. */
export async function lotteryStatus(sql: Sql, id: number): Promise<LotteryStatus | null> {
  const [row] = await sql.query<{ status: LotteryStatus }>('select status from lotteries where id = ?', [id]);
  return row?.status ?? null;
}

/** The draw is written: `drawn` with its fixed entry count; false when the lottery was no longer drawing. */
export async function markDrawn(sql: Sql, id: number, entryCount: number): Promise<boolean> {
  const rows = await sql.query(
    `update lotteries set status = 'drawn', drawn_at = now(), entry_count = ?, updated_at = now()
      where id = ? and status = 'drawing' returning id`,
    [entryCount, id],
  );
  return rows.length > 0;
}

/**
 * Lotteries to draw now, at most `limit`, leaving out `exclude` (the ones this process is drawing): open
 * ones whose time has come or whose entry count is reached, then `drawing` ones (being drawn elsewhere, or
 * left by a drawer that died; the claim tells them apart).
 */
export async function dueLotteries(sql: Sql, limit = 20, exclude: readonly number[] = []): Promise<number[]> {
  const rows = await sql.query<{ id: number }>(
    `select id from lotteries
      where (status = 'drawing'
         or (status = 'open'
             and ((draw_at is not null and draw_at <= now())
               or (draw_at_entries is not null and entry_count >= draw_at_entries))))
        and id <> all(string_to_array(?, ',')::int[])
      order by status = 'drawing', id limit ?`,
    [exclude.join(','), limit],
  );
  return rows.map((r) => r.id);
}
