/**
 * The home of the `lottery_posts` table's SQL: a lottery's post in each target chat (its message id once the
 * outbox has sent it, and the entry count it shows), and the posts whose shown count is stale.
 */
import type { Sql } from '../db/sql.ts';

/** A post whose shown entry count is behind its open lottery's and that has no edit pending. */
export interface StalePost {
  id: number;
  chatId: number;
  lotteryId: number;
  /** An edit of this post is queued or being sent: it may show an older count, so look again after it. */
  editPending: boolean;
}

/** The tenant's posts of open lotteries whose shown count differs from the count, and whether an edit is queued. */
export async function stalePosts(sql: Sql, tenantId: number): Promise<StalePost[]> {
  const rows = await sql.query<{ id: number; chat_id: string; lottery_id: number; edit_pending: boolean }>(
    `select p.id, p.chat_id, p.lottery_id, q.ref_id is not null as edit_pending
       from lottery_posts p join lotteries l on l.id = p.lottery_id
       left join lottery_counts c on c.lottery_id = l.id
       left join lateral (select o.ref_id from outbox_messages o
                           where o.tenant_id = ? and o.ref_id = p.id and o.kind in ('count-edit', 'post-edit')
                             and o.status in ('pending', 'sending') limit 1) q on true
      where l.tenant_id = ? and l.status = 'open' and p.message_id is not null
        and p.shown_entry_count <> greatest(l.entry_count, coalesce(c.entry_count, 0))`,
    [tenantId, tenantId],
  );
  return rows.map((r) => ({
    id: r.id,
    chatId: Number(r.chat_id),
    lotteryId: r.lottery_id,
    editPending: r.edit_pending,
  }));
}

/** The Telegram message id of post `postId`, or null while the post has not been sent. */
export async function postMessageId(sql: Sql, postId: number): Promise<number | null> {
  const [post] = await sql.query<{ message_id: string | null }>(
    'select message_id from lottery_posts where id = ?',
    [postId],
  );
  return post?.message_id ? Number(post.message_id) : null;
}

/** Creates (or keeps) the post row of a lottery in a chat; returns its id. */
export async function upsertPost(sql: Sql, lotteryId: number, chatId: number): Promise<number> {
  const [post] = await sql.query<{ id: number }>(
    `insert into lottery_posts (lottery_id, chat_id, shown_entry_count) values (?, ?, 0)
     on conflict (lottery_id, chat_id) do update set updated_at = now() returning id`,
    [lotteryId, chatId],
  );
  return post!.id;
}

/** A lottery's posts (one per target chat), in the order they were created. */
export async function postsOf(sql: Sql, lotteryId: number): Promise<{ id: number; chatId: number }[]> {
  const rows = await sql.query<{ id: number; chat_id: string }>(
    'select id, chat_id from lottery_posts where lottery_id = ? order by id',
    [lotteryId],
  );
  return rows.map((r) => ({ id: r.id, chatId: Number(r.chat_id) }));
}

/** The posts of the given lotteries in one read, in creation order (a lottery read whole carries them). */
export async function postsOfLotteries(
  sql: Sql,
  lotteryIds: readonly number[],
): Promise<{ lotteryId: number; chatId: number; messageId: number | null }[]> {
  const rows = await sql.query<{ lottery_id: number; chat_id: string; message_id: string | null }>(
    `select lottery_id, chat_id, message_id from lottery_posts
      where lottery_id = any(string_to_array(?, ',')::int[]) order by id`,
    [lotteryIds.join(',')],
  );
  return rows.map((r) => ({
    lotteryId: r.lottery_id,
    chatId: Number(r.chat_id),
    messageId: r.message_id === null ? null : Number(r.message_id),
  }));
}

/** Records the Telegram message id of a post the outbox has sent. */
export async function recordPostSent(sql: Sql, postId: number, messageId: number): Promise<void> {
  await sql.query('update lottery_posts set message_id = ?, updated_at = now() where id = ?', [
    messageId,
    postId,
  ]);
}

/** Records the entry count a post now shows (never lowered: edits can finish out of order). */
export async function recordShownCount(sql: Sql, postId: number, shown: number): Promise<void> {
  await sql.query(
    'update lottery_posts set shown_entry_count = greatest(shown_entry_count, ?), updated_at = now() where id = ?',
    [shown, postId],
  );
}
