/**
 * Enqueueing the lottery's posts and their edits. A post's message id is filled in when the outbox sends
 * it; edits name the post by `ref_id` and the bot process reads the message id at send time, so an edit
 * queued before its post was sent still reaches the right message.
 */
import { botConfigRepository } from '../db/repositories/bot-configs.ts';
import type { Sql } from '../db/sql.ts';
import { chatNames } from './chats-store.ts';
import type { LotteryRecord } from './model.ts';
import { enqueue, type OutboxItem } from './outbox.ts';
import { postsOf, upsertPost } from './posts-store.ts';
import { type ChatNames, postKeyboard, postText } from './render.ts';

/** The bot's username (from getMe, saved with its config), or null. */
export function botUsername(sql: Sql, tenantId: number): Promise<string | null> {
  return botConfigRepository.botUsername(sql, tenantId);
}

/** Creates the post rows of a lottery being published and queues one sendMessage per target. */
export async function enqueuePosts(sql: Sql, lottery: LotteryRecord): Promise<void> {
  const names = await chatNames(sql, lottery.tenantId);
  const username = await botUsername(sql, lottery.tenantId);
  const items: OutboxItem[] = [];
  for (const chatId of lottery.publishTargets) {
    const postId = await upsertPost(sql, lottery.id, chatId);
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
      refId: postId,
      lotteryId: lottery.id,
      dedupeKey: `post:${postId}`,
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
  for (const post of await postsOf(sql, lottery.id)) {
    items.push({
      tenantId: lottery.tenantId,
      method: 'editMessageText',
      payload: {
        chat_id: post.chatId,
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
