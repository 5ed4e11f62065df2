/**
 * The per-bot outbox worker (F8), in the bot process next to the Telegram adapter: the one place a
 * tenant's sends happen. It claims due rows in id order, sends them through the seam's client of the bot
 * (src/telegram/, which paces every send per bot, per group and per private chat, with the rates set
 * here; a few at once, never two into one chat, each chat in order) and records each outcome
 * (src/lottery/outbox.ts, effects.ts):
 *
 * - success, or 400 "message is not modified" on an edit (F17) → `sent`, effects applied;
 * - 429 → this row waits `retry_after` (persisted, so a restart keeps waiting) and so does every later
 *   row into its chat; the rest of the bot only slows down for at most {@link FLOOD_BREATHER_MS} (the
 *   seam's flood gate: should the limit have been the bot's, the next send into another chat gets its own
 *   429 and waits too). A flood wait of the whole bot longer than {@link FLOOD_BREATHER_MS} (a 429 on a
 *   call with no chat) is not waited out in memory: the seam answers 429 without sending, and the row waits
 *   persisted like any 429;
 * - network error, timeout, an answer that is not the Bot API's, or 5xx (the seam never retries a send:
 *   it may have been delivered) → this row and its chat wait with backoff (1 s doubling to 60 s); failed
 *   after 20 attempts;
 * - any other 4xx (403 blocked, 400 chat not found, …) → `failed` for good, effects applied (F7).
 *
 * Order is kept only where Telegram needs it, within one chat: sends into other chats go on while one
 * chat waits (issue: three 429s and twenty 500s held 60 winner messages back for six minutes).
 *
 * It wakes on `wake()` (the supervisor relays NOTIFY `outbox_pending`; the bot's own enqueues call it),
 * on the next row's `not_before`, and otherwise polls every `pollMs`. `stop()` finishes the send in
 * flight and records it before resolving; rows claimed but not yet sent go back to pending.
 *
 * With a lease fence (several supervisor nodes, src/bot/lease-gate.ts) it claims with the lease's epoch,
 * records each outcome only while the row is still claimed by it (src/lottery/outbox.ts), and sends
 * nothing while its host's lease gate is closed: a node whose supervisor stopped renewing does not send
 * what the bot's next owner is about to send.
 */
import { leaseRepository } from '../db/repositories/leases.ts';
import type { Sql } from '../db/sql.ts';
import type { Logger } from '../log/logger.ts';
import { applyFailed, applySent, isNotModified } from '../lottery/effects.ts';
import {
  claim,
  complete,
  fail,
  nextDue,
  type OutboxRow,
  recoverInterrupted,
  retryLater,
  unclaim,
} from '../lottery/outbox.ts';
import { postMessageId } from '../lottery/posts-store.ts';
import { type BotApi, DEFAULT_BREATHER_MS } from '../telegram/index.ts';
import { type LeaseFence, mayWork } from './lease-gate.ts';

/**
 * A failed send as the seam reports it: TelegramApiError (code, description, parameters) or
 * TelegramNoAnswerError (no code; its message is the safe reason).
 */
export interface SendError {
  code?: number;
  description?: string;
  message?: string;
  parameters?: { retry_after?: number };
}

/** What the worker needs of the bot's Bot API client (src/telegram/client.ts). */
export type OutboxApi = Pick<BotApi, 'call' | 'delayFor' | 'setLimits'>;

export interface OutboxWorkerOptions {
  sql: Sql;
  tenantId: number;
  /** The bot's client of the seam (`adapter.api`): sends, paces, shares flood waits. */
  api: OutboxApi;
  /**
   * The bot's pacing (ipc.ts `sendsPerSecond`, `sendsPerChatPerMinute`), set on the client for every
   * sender of this token; absent: the client's (Telegram's 30/s and 20/min per group).
   */
  pacing?: { sendsPerSecond: number; sendsPerChatPerMinute: number };
  logger: Logger;
  /** Fallback poll when no wake-up comes (ms), default 5000. */
  pollMs?: number;
  /** Rows claimed per round, default 50. */
  batch?: number;
  /** Sends in flight at once (each into a different chat), default 4. */
  concurrency?: number;
  /** Attempts before a network error becomes final, default 20. */
  maxAttempts?: number;
  /** How long recording a completed send is retried while the database does not answer (ms), default 10 000. */
  recordRetryMs?: number;
  /** The bot's lease (epoch and its host's gate); absent = unfenced (one bot without leases: tests). */
  fence?: LeaseFence;
}

const EDIT_KINDS = new Set(['post-edit', 'count-edit']);

/**
 * After a 429, how long at most every send of the bot waits besides the chat that got it (ms): the seam's
 * flood gate breather, and the longest flood wait a send waits out in memory.
 */
export const FLOOD_BREATHER_MS = DEFAULT_BREATHER_MS;

export class OutboxWorker {
  private stopping = false;
  private wakeUp: (() => void) | undefined;
  private woken = false;
  private loop: Promise<void> | undefined;
  /** Aborted by `stop()`: ends a wait for the lease gate. */
  private readonly stopController = new AbortController();
  /** Sends made since start (for logs and tests). */
  sent = 0;

  constructor(private readonly options: OutboxWorkerOptions) {
    if (options.pacing) {
      options.api.setLimits({
        perSecond: options.pacing.sendsPerSecond,
        perGroupPerMinute: options.pacing.sendsPerChatPerMinute,
      });
    }
  }

  /** Starts the loop (rows a dead process left `sending` are retried first). */
  start(): void {
    this.loop ??= this.run().catch((err: unknown) => {
      this.options.logger.error({ err }, 'the outbox worker stopped on an error');
    });
  }

  /** Something new may be due: look now. */
  wake(): void {
    this.woken = true;
    this.wakeUp?.();
  }

  /** Finishes the send in flight, releases claimed rows, and resolves when the loop has ended. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.stopController.abort();
    this.wakeUp?.();
    await this.loop;
  }

  private sleep(ms: number): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, Math.max(0, ms));
      timer.unref?.();
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = () => {
        this.wakeUp = undefined;
        done();
      };
    });
  }

  private async run(): Promise<void> {
    const { sql, tenantId, logger } = this.options;
    const recovered = await recoverInterrupted(sql, tenantId).catch(() => 0);
    if (recovered > 0) logger.warn(`outbox: ${recovered} send(s) interrupted by a restart will be retried`);
    let failures = 0;
    const fence = this.options.fence;
    const epoch = fence?.epoch ?? null;
    while (!this.stopping) {
      if (fence && !mayWork(fence)) {
        await (fence.lost
          ? fence.gate.nextExtension(this.stopController.signal)
          : fence.gate.whenOpen(this.stopController.signal));
        continue;
      }
      this.woken = false;
      let rows: OutboxRow[];
      try {
        rows = await claim(sql, tenantId, this.options.batch ?? 50, epoch);
        failures = 0;
      } catch (err) {
        failures++;
        logger.warn({ err }, 'outbox: the database did not answer; retrying');
        await this.sleep(Math.min(30_000, 500 * 2 ** Math.min(failures, 6)));
        continue;
      }
      if (rows.length === 0) {
        if (fence && !(await leaseRepository.isCurrent(sql, fence).catch(() => true))) {
          // The lease is not (yet, or no longer) the live one: nothing may be claimed until the
          // supervisor renews it, or stops this bot because another node has it.
          await fence.gate.nextExtension(this.stopController.signal);
          continue;
        }
        if (this.woken) continue;
        const due = await nextDue(sql, tenantId).catch(() => null);
        const pollMs = this.options.pollMs ?? 5000;
        const wait = due ? Math.min(pollMs, Math.max(10, due.getTime() - Date.now())) : pollMs;
        await this.sleep(wait);
        continue;
      }
      const pauseMs = await this.sendBatch(rows);
      if (pauseMs !== null) await this.sleep(pauseMs);
    }
  }

  /**
   * Sends a claimed batch: up to `concurrency` sends in flight, never two into the same chat at once,
   * each chat in id order, every send paced by the seam. A chat whose send must wait (429, retry) sends
   * nothing more in this batch; its rows are given back at the end and `claim` holds them behind the
   * waiting one.
   * Resolves with a pause for the whole worker when a send could not be recorded, or null.
   */
  private async sendBatch(rows: OutboxRow[]): Promise<number | null> {
    const queue = [...rows];
    const busy = new Set<unknown>();
    const held = new Set<unknown>();
    const inFlight = new Set<Promise<void>>();
    const concurrency = this.options.concurrency ?? 4;
    let pause: number | null = null;
    while (queue.length > 0 || inFlight.size > 0) {
      const gateClosed = this.options.fence !== undefined && !mayWork(this.options.fence);
      const index = this.stopping || pause !== null || gateClosed ? -1 : this.nextIndex(queue, busy, held);
      if (index < 0 || inFlight.size >= concurrency) {
        if (inFlight.size === 0) break;
        await Promise.race(inFlight);
        continue;
      }
      const row = queue.splice(index, 1)[0]!;
      const chatId = row.payload.chat_id;
      busy.add(chatId);
      const sending: Promise<void> = this.send(row)
        .then((waits) => {
          if (waits !== null) held.add(chatId);
        })
        .catch((err: unknown) => {
          // The outcome could not be recorded (database down): the row stays `sending` and is retried
          // when the worker restarts; stop this batch.
          this.options.logger.error({ err }, 'outbox: could not record a send');
          pause = Math.max(pause ?? 0, 1000);
        })
        .finally(() => {
          busy.delete(chatId);
          inFlight.delete(sending);
        });
      inFlight.add(sending);
    }
    if (queue.length > 0) await this.release(queue);
    return pause;
  }

  /**
   * Which row of the batch goes next, or -1 when none may start now: the first row of each chat not
   * being sent to is a candidate (so each chat keeps its order), and the one whose chat may be sent to
   * soonest wins. A group waiting out its per-chat limit does not hold up the private messages behind it.
   */
  private nextIndex(queue: OutboxRow[], busy: Set<unknown>, held: Set<unknown>): number {
    const seen = new Set<unknown>();
    let best = -1;
    let bestDelay = Number.POSITIVE_INFINITY;
    for (let i = 0; i < queue.length; i++) {
      const chatId = queue[i]!.payload.chat_id;
      if (seen.has(chatId)) continue;
      seen.add(chatId);
      if (busy.has(chatId) || held.has(chatId)) continue;
      const delay = this.options.api.delayFor(chatId);
      if (delay < bestDelay) {
        best = i;
        bestDelay = delay;
        if (delay === 0) break;
      }
    }
    return best;
  }

  private async release(rows: OutboxRow[]): Promise<void> {
    await unclaim(
      this.options.sql,
      rows.map((r) => r.id),
      this.options.fence?.epoch ?? null,
    ).catch((err: unknown) => this.options.logger.warn({ err }, 'outbox: could not give back claimed rows'));
  }

  /** Sends one row; resolves with how long its chat must wait (ms) before its next send, or null. */
  private async send(row: OutboxRow): Promise<number | null> {
    const { sql, logger } = this.options;
    const epoch = this.options.fence?.epoch ?? null;
    const payload = { ...row.payload };
    if (EDIT_KINDS.has(row.kind) && payload.message_id === undefined && row.refId !== null) {
      const messageId = await postMessageId(sql, row.refId);
      if (messageId === null) {
        await fail(sql, row.id, null, 'the post was never sent, so there is nothing to edit', epoch);
        return null;
      }
      payload.message_id = messageId;
    }
    let result: unknown;
    try {
      result = await this.options.api.call(row.method, payload, { maxFloodWaitMs: FLOOD_BREATHER_MS });
    } catch (raw) {
      const err = raw as SendError;
      const code = typeof err.code === 'number' ? err.code : null;
      const description = err.description ?? err.message ?? String(raw);
      if (code !== null && isNotModified(code, description)) {
        if (await complete(sql, row.id, { not_modified: true }, epoch)) await applySent(sql, row, null);
        return null;
      }
      if (code === 429) {
        const waitMs = Math.max(1, err.parameters?.retry_after ?? 1) * 1000;
        logger.warn(
          { chatId: payload.chat_id },
          `outbox: Telegram asked to wait ${waitMs / 1000} s (429); sends into this chat wait, others go on`,
        );
        await retryLater(sql, row.id, waitMs, code, description, epoch);
        return waitMs;
      }
      const transient = code === null || code >= 500;
      const maxAttempts = this.options.maxAttempts ?? 20;
      if (transient && row.attempts < maxAttempts) {
        const waitMs = Math.min(60_000, 1000 * 2 ** Math.min(row.attempts - 1, 6));
        logger.warn(
          { method: row.method, code },
          `outbox: send failed (${description}); retrying in ${waitMs} ms`,
        );
        await retryLater(sql, row.id, waitMs, code, description, epoch);
        return waitMs;
      }
      logger.info(
        { method: row.method, kind: row.kind, code },
        `outbox: Telegram refused a send: ${description}`,
      );
      if (await fail(sql, row.id, code, description, epoch)) await applyFailed(sql, row, code, description);
      return null;
    }
    this.sent++;
    let recorded = false;
    await this.recording(async () => {
      recorded = await complete(sql, row.id, result, epoch);
    });
    if (recorded) await this.recording(() => applySent(sql, row, result));
    else
      logger.warn(
        { id: row.id },
        'outbox: a send was made after this bot moved to another node; its record is left to the new owner',
      );
    return null;
  }

  /**
   * Records what Telegram has done, retrying while the database does not answer (100 ms doubling to 1 s,
   * for up to `recordRetryMs`): a message that went out but is not marked `sent` would go out again after
   * a restart. Covers the embedded database being started again under a shutdown that signalled it too
   * (systemd's KillMode=control-group). @throws the last error when the time is up
   */
  private async recording(write: () => Promise<unknown>): Promise<void> {
    const deadline = Date.now() + (this.options.recordRetryMs ?? 10_000);
    for (let attempt = 0; ; attempt++) {
      try {
        await write();
        return;
      } catch (err) {
        if (Date.now() >= deadline) throw err;
        await new Promise((resolve) => setTimeout(resolve, Math.min(1000, 100 * 2 ** attempt)));
      }
    }
  }
}
