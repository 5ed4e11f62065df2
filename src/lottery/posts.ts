/**
 * Enqueueing the lottery's posts and their edits. A post's message id is filled in when the outbox sends
 * it; edits name the post by `ref_id` and the bot process reads the message id at send time, so an edit
 * queued before its post was sent still reaches the right message.
 */
import { botConfigRepository } from '../db/repositories/bot-configs.ts';
import type { Sql } from '../db/sql.ts';
import type { LotteryRecord } from './model.ts';
import { enqueue, type OutboxItem } from './outbox.ts';
import { type ChatNames, postKeyboard, postText } from './render.ts';

/** Titles of the tenant's chats by id (for "member of <chat>" lines). */
export async function chatNames(sql: Sql, tenantId: number): Promise<Map<number, string>> {
  const rows = await sql.query<{ chat_id: string; title: string | null; username: string | null }>(
    'select chat_id, title, username from chats where tenant_id = ?',
    [tenantId],
  );
  return new Map(
    rows.map((r) => [Number(r.chat_id), r.username ? `@${r.username}` : (r.title ?? String(r.chat_id))]),
  );
}

/** The bot's username (from getMe, saved with its config), or null. */
export function botUsername(sql: Sql, tenantId: number): Promise<string | null> {
  return botConfigRepository.botUsername(sql, tenantId);
}

interface PostRow {
  id: number;
  chat_id: string;
}

async function postRows(sql: Sql, lotteryId: number): Promise<PostRow[]> {
  return sql.query<PostRow>('select id, chat_id from lottery_posts where lottery_id = ? order by id', [
    lotteryId,
  ]);
}

/** Creates the post rows of a lottery being published and queues one sendMessage per target. */
export async function enqueuePosts(sql: Sql, lottery: LotteryRecord): Promise<void> {
  const names = await chatNames(sql, lottery.tenantId);
  const username = await botUsername(sql, lottery.tenantId);
  const items: OutboxItem[] = [];
  for (const chatId of lottery.publishTargets) {
    const [post] = await sql.query<{ id: number }>(
      `insert into lottery_posts (lottery_id, chat_id, shown_entry_count) values (?, ?, 0)
       on conflict (lottery_id, chat_id) do update set updated_at = now() returning id`,
      [lottery.id, chatId],
    );
    items.push({
      tenantId: lottery.tenantId,
      method: 'sendMessage',
      payload: {
        chat_id: chatId,
        text: postText(lottery, names),
        parse_mode: 'HTML',
        link_preview_options: { is_disabled: true },
        reply_markup: postKeyboard(lottery, username),
      },
      kind: 'post',
      refId: post!.id,
      lotteryId: lottery.id,
      dedupeKey: `post:${post!.id}`,
    });
  }
  await enqueue(sql, items);
}

/**
 * Queues an edit of every post of `lottery` to its current text: `open` keeps the Join button (entry
 * count or change notes), `finished`/`cancelled` drop it. `key` makes the edit idempotent.
 */
export async function enqueuePostEdits(
  sql: Sql,
  lottery: LotteryRecord,
  state: 'open' | 'finished' | 'cancelled',
  key: string,
  names?: ChatNames,
): Promise<void> {
  const chatNamesMap = names ?? (await chatNames(sql, lottery.tenantId));
  const username = state === 'open' ? await botUsername(sql, lottery.tenantId) : null;
  const items: OutboxItem[] = [];
  for (const post of await postRows(sql, lottery.id)) {
    items.push({
      tenantId: lottery.tenantId,
      method: 'editMessageText',
      payload: {
        chat_id: Number(post.chat_id),
        text: postText(lottery, chatNamesMap, state),
        parse_mode: 'HTML',
        link_preview_options: { is_disabled: true },
        ...(state === 'open' ? { reply_markup: postKeyboard(lottery, username) } : {}),
      },
      kind: 'post-edit',
      refId: post.id,
      lotteryId: lottery.id,
      dedupeKey: `edit:${post.id}:${key}`,
      meta: { entryCount: lottery.entryCount },
    });
  }
  await enqueue(sql, items);
}
