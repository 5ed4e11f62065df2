/**
 * Read models for the admin API: entries (cursor-paged, searchable), winners with their delivery
 * outcome, the tenant's chats. Cursors are opaque strings (the last entry id, base64url).
 */
import type { DeliveryStatus, EntrySource, WinnerStatus } from '../contracts/lottery.ts';
import { type Sql, toDate, toDateOrNull, withStatementTimeout } from '../db/sql.ts';

export interface EntryView {
  id: number;
  userId: number;
  firstName: string;
  lastName: string | null;
  username: string | null;
  languageCode: string | null;
  source: EntrySource;
  startedBot: boolean;
  joinedAt: Date;
}

export interface EntryPage {
  items: EntryView[];
  nextCursor: string | null;
  total: number;
}

export function encodeCursor(id: number): string {
  return Buffer.from(String(id)).toString('base64url');
}

/** The entry id in a cursor, or null when it is not one of ours. */
export function decodeCursor(cursor: string): number | null {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^\d{1,18}$/.test(text)) return null;
  const id = Number(text);
  return Number.isSafeInteger(id) ? id : null;
}

/**
 * The text an entry search matches: first name, last name and username, space-separated. The GIN
 * trigram index `entries_search_trgm` (migration SearchIndex) is on exactly this expression; change both
 * together or the search scans again.
 */
export const SEARCH_TEXT = "(first_name || ' ' || coalesce(last_name, '') || ' ' || coalesce(username, ''))";

/** Statement timeout of an entry search and of each CSV export batch, in milliseconds. */
export const SEARCH_TIMEOUT_MS = 3000;

/**
 * The SQL condition of a search: the text contains the query (case-insensitive, `@` before a username
 * ignored; `%`, `_` and `\` match themselves), or the query is the user id.
 */
export function searchClause(query: string | undefined): { sql: string; params: unknown[] } {
  const q = query?.trim();
  if (!q) return { sql: '', params: [] };
  const bare = q.startsWith('@') ? q.slice(1) : q;
  const like = `%${bare.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
  const asId = /^\d{1,16}$/.test(bare) ? Number(bare) : null;
  return {
    sql: ` and (${SEARCH_TEXT} ilike ?${asId !== null ? ' or tg_user_id = ?' : ''})`,
    params: asId !== null ? [like, asId] : [like],
  };
}

type EntryRow = {
  id: string;
  tg_user_id: string;
  first_name: string;
  last_name: string | null;
  username: string | null;
  language_code: string | null;
  source: EntryView['source'];
  started_bot: boolean;
  created_at: Date | string;
};

const toEntry = (r: EntryRow): EntryView => ({
  id: Number(r.id),
  userId: Number(r.tg_user_id),
  firstName: r.first_name,
  lastName: r.last_name,
  username: r.username,
  languageCode: r.language_code,
  source: r.source,
  startedBot: r.started_bot,
  joinedAt: toDate(r.created_at),
});

/**
 * One page of a lottery's entries in join order. `limit` 1–200. A search (`query`) runs under a
 * statement timeout of `timeoutMs` (default {@link SEARCH_TIMEOUT_MS}).
 * @throws the database's query_canceled error (SQLSTATE 57014) when the search takes longer
 */
export async function listEntries(
  sql: Sql,
  lotteryId: number,
  options: { query?: string; cursor?: string; limit?: number; timeoutMs?: number },
): Promise<EntryPage> {
  const limit = Math.min(200, Math.max(1, options.limit ?? 50));
  const after = options.cursor ? (decodeCursor(options.cursor) ?? 0) : 0;
  const search = searchClause(options.query);
  const read = async (db: Sql) => {
    const rows = await db.query<EntryRow>(
      `select id, tg_user_id, first_name, last_name, username, language_code, source, started_bot, created_at
         from entries where lottery_id = ? and id > ? ${search.sql} order by id limit ?`,
      [lotteryId, after, ...search.params, limit + 1],
    );
    const [count] = await db.query<{ n: string }>(
      `select count(*) as n from entries where lottery_id = ? ${search.sql}`,
      [lotteryId, ...search.params],
    );
    return { rows, count };
  };
  const { rows, count } = search.sql
    ? await withStatementTimeout(sql, options.timeoutMs ?? SEARCH_TIMEOUT_MS, read)
    : await read(sql);
  const items = rows.slice(0, limit).map(toEntry);
  return {
    items,
    nextCursor: rows.length > limit ? encodeCursor(items[items.length - 1]!.id) : null,
    total: Number(count?.n ?? 0),
  };
}

/**
 * Every entry of a lottery in join order, in batches (for the CSV export). Each batch is one short
 * statement under a timeout of `timeoutMs` (default {@link SEARCH_TIMEOUT_MS}), so no connection is held
 * between batches nor for long within one.
 */
export async function* allEntries(
  sql: Sql,
  lotteryId: number,
  batch = 1000,
  timeoutMs = SEARCH_TIMEOUT_MS,
): AsyncGenerator<EntryView[]> {
  let after = 0;
  for (;;) {
    const from = after;
    const rows = await withStatementTimeout(sql, timeoutMs, (db) =>
      db.query<EntryRow>(
        `select id, tg_user_id, first_name, last_name, username, language_code, source, started_bot, created_at
           from entries where lottery_id = ? and id > ? order by id limit ?`,
        [lotteryId, from, batch],
      ),
    );
    if (rows.length === 0) return;
    const items = rows.map(toEntry);
    yield items;
    after = items[items.length - 1]!.id;
    if (rows.length < batch) return;
  }
}

export interface WinnerView {
  id: number;
  position: number;
  prize: { id: number; name: string };
  user: { id: number; firstName: string; lastName: string | null; username: string | null };
  status: WinnerStatus;
  replacedReason: string | null;
  delivery: { status: DeliveryStatus; error: string | null; deliveredAt: Date | null };
}

/** A lottery's winners by position (replaced ones included). */
export async function listWinners(sql: Sql, lotteryId: number): Promise<WinnerView[]> {
  const rows = await sql.query<{
    id: string;
    position: number;
    prize_id: number;
    prize_name: string;
    tg_user_id: string;
    first_name: string;
    last_name: string | null;
    username: string | null;
    status: WinnerStatus;
    replaced_reason: string | null;
    delivery_status: DeliveryStatus;
    delivery_error: string | null;
    delivered_at: Date | string | null;
  }>(
    `select w.id, w.position, p.id as prize_id, p.name as prize_name, e.tg_user_id, e.first_name, e.last_name,
            e.username, w.status, w.replaced_reason, w.delivery_status, w.delivery_error, w.delivered_at
       from winners w join entries e on e.id = w.entry_id join prizes p on p.id = w.prize_id
      where w.lottery_id = ? order by w.position, w.status, w.id`,
    [lotteryId],
  );
  return rows.map((r) => ({
    id: Number(r.id),
    position: r.position,
    prize: { id: r.prize_id, name: r.prize_name },
    user: { id: Number(r.tg_user_id), firstName: r.first_name, lastName: r.last_name, username: r.username },
    status: r.status,
    replacedReason: r.replaced_reason,
    delivery: {
      status: r.delivery_status,
      error: r.delivery_error,
      deliveredAt: toDateOrNull(r.delivered_at),
    },
  }));
}

export interface ChatView {
  chatId: number;
  type: string;
  title: string | null;
  username: string | null;
  botStatus: string;
  isAdmin: boolean;
  checkFailedAt: Date | null;
  checkError: string | null;
  updatedAt: Date;
}

/** The chats the tenant's bot is or was in, admin chats first. */
export async function listChats(sql: Sql, tenantId: number): Promise<ChatView[]> {
  const rows = await sql.query<{
    chat_id: string;
    type: string;
    title: string | null;
    username: string | null;
    bot_status: string;
    check_failed_at: Date | string | null;
    check_error: string | null;
    updated_at: Date | string;
  }>(
    `select chat_id, type, title, username, bot_status, check_failed_at, check_error, updated_at
       from chats where tenant_id = ? and type <> 'private'
      order by (bot_status in ('creator', 'administrator')) desc, title nulls last, chat_id`,
    [tenantId],
  );
  return rows.map((r) => ({
    chatId: Number(r.chat_id),
    type: r.type,
    title: r.title,
    username: r.username,
    botStatus: r.bot_status,
    isAdmin: r.bot_status === 'creator' || r.bot_status === 'administrator',
    checkFailedAt: toDateOrNull(r.check_failed_at),
    checkError: r.check_error,
    updatedAt: toDate(r.updated_at),
  }));
}
