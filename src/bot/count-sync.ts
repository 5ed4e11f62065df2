/**
 * Keeps the entry count of each open lottery (refreshEntryCounts) and in each lottery post current without hitting Telegram's per-chat limits
 * however fast people join: joins only mark the tenant dirty; at most every `intervalMs` the posts whose
 * shown count differs from the lottery's are edited once, through the outbox (one pending edit per post
 * at a time, so a burst of 1,000 joins is one edit, not 1,000). Runs one interval after start too, to catch up
 * with joins made while the bot was down.
 */
import type { Sql } from '../db/sql.ts';
import type { Logger } from '../log/logger.ts';
import { chatNames } from '../lottery/chats-store.ts';
import { refreshEntryCounts } from '../lottery/entries-store.ts';
import { enqueue, type OutboxItem } from '../lottery/outbox.ts';
import { botUsername } from '../lottery/posts.ts';
import { stalePosts } from '../lottery/posts-store.ts';
import { postKeyboard, postText } from '../lottery/render.ts';
import { findLotteries } from '../lottery/store.ts';

export interface CountSyncOptions {
  sql: Sql;
  tenantId: number;
  intervalMs: number;
  logger: Logger;
  /** Called after edits were queued (wakes the outbox worker). */
  onQueued: () => void;
}

export class CountSync {
  private dirty = true;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;
  private lastRunAt = 0;

  constructor(private readonly options: CountSyncOptions) {}

  /** Entries changed: sync within `intervalMs`. */
  markDirty(): void {
    this.dirty = true;
    this.schedule();
  }

  /** First sync one interval after start (not at once: fifty bots starting together stay light). */
  start(): void {
    this.lastRunAt = Date.now();
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private schedule(): void {
    if (this.stopped || this.timer || !this.dirty) return;
    const wait = Math.max(0, this.lastRunAt + this.options.intervalMs - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.sync()
        .catch((err: unknown) => {
          this.dirty = true;
          this.options.logger.warn({ err }, 'could not update the entry counts of the posts');
        })
        .finally(() => {
          this.running = undefined;
          this.schedule();
        });
    }, wait);
    this.timer.unref?.();
  }

  private async sync(): Promise<void> {
    if (this.stopped) return;
    this.dirty = false;
    this.lastRunAt = Date.now();
    const { sql, tenantId } = this.options;
    await refreshEntryCounts(sql, tenantId);
    const stale = await stalePosts(sql, tenantId);
    // A post whose edit is still queued is left to it, but looked at again next interval: that edit may
    // carry an older count, and no join may come to mark the tenant dirty again.
    if (stale.some((p) => p.editPending)) this.dirty = true;
    const posts = stale.filter((p) => !p.editPending);
    if (posts.length === 0) return;
    const names = await chatNames(sql, tenantId);
    const username = await botUsername(sql, tenantId);
    // Every stale post's lottery in one read (a lottery posted to several chats is read once).
    const lotteries = new Map(
      (
        await findLotteries(
          sql,
          tenantId,
          posts.map((p) => p.lotteryId),
        )
      ).map((l) => [l.id, l]),
    );
    const items: OutboxItem[] = [];
    for (const post of posts) {
      const lottery = lotteries.get(post.lotteryId);
      if (lottery?.status !== 'open') continue;
      items.push({
        tenantId,
        method: 'editMessageText',
        payload: {
          chat_id: post.chatId,
          text: postText(lottery, names),
          parse_mode: 'HTML',
          link_preview_options: { is_disabled: true },
          reply_markup: postKeyboard(lottery, username),
        },
        kind: 'count-edit',
        refId: post.id,
        lotteryId: lottery.id,
        dedupeKey: `count:${post.id}:${lottery.entryCount}`,
        meta: { entryCount: lottery.entryCount },
      });
    }
    if ((await enqueue(sql, items)) > 0) this.options.onQueued();
  }
}
