/**
 * A bot's stored updates (webhook mode, docs/operations.md "Webhooks"): the web wrote them to
 * `inbound_updates` before answering Telegram; this reads them in `update_id` order, hands each batch to
 * the bot's handlers (side by side, as Telegraf's polling does with one getUpdates answer), and marks the
 * batch handled under the bot's lease epoch. The database refuses the mark once another node has the bot:
 * the inbox then waits for the supervisor (which stops it), and the new owner handles the batch again, as a
 * getUpdates offset that was not confirmed is fetched again (at least once, never lost).
 *
 * It wakes on `wake()` (NOTIFY `inbound_updates`, relayed by the supervisor and the host), and keeps reading
 * while there are updates. In polling mode it drains what the web stored before the bot went back to polling.
 *
 * Progress for the heartbeat ({@link UpdateInbox.progressAt}): now while it waits with nothing to do, the
 * start of the batch in hand while it works, so a bot whose handlers hang is seen as stuck, like a bot whose
 * getUpdates does not come back.
 */
import { inboundUpdateRepository } from '../db/repositories/inbound-updates.ts';
import type { Sql } from '../db/sql.ts';
import type { Logger } from '../log/logger.ts';
import { type LeaseFence, mayWork } from './lease-gate.ts';
import type { PollFailure } from './telegram.ts';

/** Updates read at once; a batch is handled side by side and marked in one statement. */
export const INBOX_BATCH = 100;

export interface UpdateInboxOptions {
  sql: Pick<Sql, 'query'>;
  tenantId: number;
  botId: number;
  /** Runs the bot's handlers for one update (Telegraf's `handleUpdate`); a rejection is logged, not fatal. */
  handle(update: Record<string, unknown>): Promise<unknown>;
  /** The bot's lease: marks are refused when it is not the live one; absent = no lease (tests). */
  fence?: LeaseFence;
  logger: Logger;
  /** Waits between reads after the database failed (ms), default 1000 doubling to 10 000. */
  retryMs?: number;
}

export class UpdateInbox {
  /** Whether the database failed the last read (the heartbeat's "degraded"), since when and why. */
  failure: PollFailure | null = null;
  private stopped = false;
  private dirty = true;
  private idle = false;
  private busySince = Date.now();
  private wakeUp: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  private readonly stopController = new AbortController();
  private handledCount = 0;

  constructor(private readonly options: UpdateInboxOptions) {}

  /** When it last made progress (epoch ms): now when idle, else when the batch in hand was read. */
  get progressAt(): number {
    return this.idle ? Date.now() : this.busySince;
  }

  /** Updates handled so far. */
  get handled(): number {
    return this.handledCount;
  }

  /** Start reading (once). */
  start(): void {
    this.loop ??= this.run();
  }

  /** New updates were stored: read again. */
  wake(): void {
    this.dirty = true;
    this.wakeUp?.();
  }

  /** Stop after the batch in hand is handled and marked; resolves then. Idempotent. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.stopController.abort();
    this.wakeUp?.();
    await this.loop;
  }

  private waitForWake(ms?: number): Promise<void> {
    if (this.dirty || this.stopped) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = ms === undefined ? undefined : setTimeout(done, ms);
      timer?.unref?.();
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = done;
    }).finally(() => {
      this.wakeUp = undefined;
    });
  }

  private async run(): Promise<void> {
    const { sql, tenantId, botId, fence, logger } = this.options;
    const bot = { tenantId, botId };
    let failures = 0;
    while (!this.stopped) {
      if (fence && !mayWork(fence)) {
        // Not ours to handle now: the gate reopens on the next renewal, or the supervisor stops the bot.
        this.idle = false;
        await fence.gate.nextExtension(this.stopController.signal);
        continue;
      }
      if (!this.dirty) {
        this.idle = true;
        await this.waitForWake();
        continue;
      }
      this.idle = false;
      this.busySince = Date.now();
      this.dirty = false;
      let batch: Awaited<ReturnType<typeof inboundUpdateRepository.pending>>;
      try {
        batch = await inboundUpdateRepository.pending(sql, bot, INBOX_BATCH);
        failures = 0;
        this.failure = null;
      } catch (err) {
        this.dirty = true;
        failures++;
        this.failure = {
          since: this.failure?.since ?? Date.now(),
          description: 'the database does not answer; stored updates wait',
        };
        const base = this.options.retryMs ?? 1000;
        const waitMs = Math.min(base * 10, base * 2 ** Math.min(failures - 1, 4));
        if (failures === 1) logger.warn({ err, event: 'inbox-read-failed' }, this.failure.description);
        this.idle = true;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, waitMs);
          this.stopController.signal.addEventListener('abort', () => {
            clearTimeout(timer);
            resolve();
          });
        });
        continue;
      }
      if (batch.length === 0) continue;
      // More may be waiting behind this batch.
      if (batch.length === INBOX_BATCH) this.dirty = true;
      await Promise.all(
        batch.map((u) =>
          this.options
            .handle(u.body)
            .catch((err: unknown) =>
              logger.error({ err, updateId: u.updateId }, 'handling a stored update failed'),
            ),
        ),
      );
      // The lease moved while the handlers ran: the new owner marks (and handles) them.
      if (fence && !mayWork(fence)) continue;
      const ids = batch.map((u) => u.updateId);
      for (let attempt = 0; ; attempt++) {
        try {
          const current = await inboundUpdateRepository.markHandled(sql, bot, ids, fence);
          if (current) this.handledCount += ids.length;
          else if (fence) {
            logger.warn(
              { event: 'lease-not-current' },
              "this bot's lease is not the live one; stored updates wait for the supervisor",
            );
            this.dirty = true;
            this.idle = false;
            await fence.gate.nextExtension(this.stopController.signal);
          }
          break;
        } catch (err) {
          // Handled but not marked: marked on the next try, or handled once more by whoever reads next.
          if (attempt >= 2 || this.stopped) {
            logger.warn({ err, event: 'inbox-mark-failed' }, 'stored updates were handled but not marked');
            this.dirty = true;
            break;
          }
          await new Promise((resolve) => setTimeout(resolve, 200 * (attempt + 1)));
        }
      }
    }
    this.idle = false;
  }
}
