/**
 * The stored updates of a bot host's bots (webhook mode, docs/operations.md "Webhooks"): the web wrote
 * them to `inbound_updates` before answering Telegram; the pump reads them for every bot with something
 * waiting in one statement, hands each bot its batch (oldest first, at most {@link PUMP_BATCH}, fewer when
 * many bots wait: {@link PUMP_ROUND_MAX} in all), and marks
 * the finished batches of all bots handled in one statement, each under its bot's lease epoch. Reads and
 * marks are grouped per host, not per bot: a thousand bots with an update each cost two statements, not
 * two thousand.
 *
 * Per bot, one batch at a time, in `update_id` order. A batch is marked once its handlers have run and
 * the presses they left running are answered (the bot's `deliver` resolves then), so a crash before the
 * mark leaves the batch for the next reader: handled at least once, never lost. The database refuses the
 * mark of a bot whose lease another node has taken: that node handles the batch itself.
 *
 * A bot is read when woken (NOTIFY `inbound_updates`, relayed by the supervisor), when it is added (what
 * waits from before), when its last batch was full, and every {@link PUMP_SWEEP_MS} (a missed NOTIFY).
 * A bot whose host's lease gate is closed, or whose lease was lost, is not read until the gate reopens
 * ({@link UpdatePump.reopened}).
 *
 * Progress for the heartbeat: now while a bot has nothing to do, else since when it has had something,
 * so a bot whose handlers hang is seen as stuck, like a bot whose getUpdates does not come back.
 */
import { type LeaseFence, mayWork } from '../bot/lease-gate.ts';
import type { PollFailure } from '../bot/telegram.ts';
import { botKey, inboundUpdateRepository, type PendingUpdate } from '../db/repositories/inbound-updates.ts';
import type { Sql } from '../db/sql.ts';
import type { Logger } from '../log/logger.ts';

/** Most updates handed to one bot at once (handled side by side, as one getUpdates answer is). */
export const PUMP_BATCH = 100;
/**
 * Most updates read in one round for all bots together: with many bots waiting, each gets a share (at
 * least one), so one round never starts tens of thousands of handlers in one turn of the event loop.
 */
export const PUMP_ROUND_MAX = 2000;
/** Every bot is read this often, should a NOTIFY have been missed (ms). */
export const PUMP_SWEEP_MS = 30_000;

/** A bot fed by the pump. */
export interface PumpedBot {
  tenantId: number;
  botId: number;
  /** Its lease (epoch and host gate); absent = no lease (tests). */
  fence?: LeaseFence;
  /** Hands a batch to the bot; resolves when handled and its presses answered. Never rejects. */
  deliver(updates: PendingUpdate[]): Promise<void>;
  logger: Logger;
}

/** What the runner sees of its bot in the pump. */
export interface PumpHandle {
  /** Epoch ms of its last progress (see the module comment). */
  progressAt(): number;
  /** The database fails the reads since then (the heartbeat's "degraded"), or null. */
  failure(): PollFailure | null;
  /** Leave the pump; resolves once the batch in hand is handled and marked. */
  remove(): Promise<void>;
  /** Leave at once (the batch in hand is not marked: the next reader handles it). */
  drop(): void;
}

interface State {
  bot: PumpedBot;
  /** Something may wait: read it at the next round. */
  dirty: boolean;
  /** A batch is being handled or marked. */
  batch: Promise<void> | undefined;
  /** Since when it has had something to do. */
  busySince: number;
  removed: boolean;
  /** Dropped (its bot was killed): the batch in hand is not marked. */
  dropped: boolean;
  /** Its mark was refused (lease not current): not read until the next lease extension. */
  waitExtension: boolean;
}

export interface UpdatePumpOptions {
  sql: Pick<Sql, 'query'>;
  logger: Logger;
  /** First wait after a failed read (ms), doubling to ten times it; default 200. */
  retryMs?: number;
  /** Most updates per round for all bots, default {@link PUMP_ROUND_MAX}. */
  roundMax?: number;
}

export class UpdatePump {
  private readonly states = new Map<string, State>();
  private scheduled = false;
  private reading = false;
  private failures = 0;
  private failure: PollFailure | null = null;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly sweep: NodeJS.Timeout;
  private readonly marks: Array<{
    state: State;
    ids: number[];
    done: (refused: boolean | 'failed') => void;
  }> = [];
  private marking = false;
  private marksScheduled = false;

  constructor(private readonly options: UpdatePumpOptions) {
    this.sweep = setInterval(() => this.wakeAll(), PUMP_SWEEP_MS);
    this.sweep.unref();
  }

  /** Feed `bot` from now on (what waits from before is read at once). @param key unique per runner */
  add(key: string, bot: PumpedBot): PumpHandle {
    const state: State = {
      bot,
      dirty: true,
      batch: undefined,
      busySince: Date.now(),
      removed: false,
      dropped: false,
      waitExtension: false,
    };
    this.states.set(key, state);
    this.schedule();
    const leave = () => {
      state.removed = true;
      if (this.states.get(key) === state) this.states.delete(key);
    };
    return {
      progressAt: () => (!state.dirty && !state.batch ? Date.now() : state.busySince),
      failure: () => this.failure,
      remove: async () => {
        leave();
        await state.batch;
      },
      drop: () => {
        state.dropped = true;
        leave();
      },
    };
  }

  /** Updates of this tenant's bot were stored. */
  wake(tenantId: number): void {
    for (const state of this.states.values()) if (state.bot.tenantId === tenantId) this.markDirty(state);
    this.schedule();
  }

  /** Read every bot (the sweep; LISTEN was restored). */
  wakeAll(): void {
    for (const state of this.states.values()) this.markDirty(state);
    this.schedule();
  }

  /** The host's lease gate reopened: bots skipped while it was closed are read again. */
  reopened(): void {
    for (const state of this.states.values()) state.waitExtension = false;
    this.schedule();
  }

  /** Stop reading (the host ends). */
  close(): void {
    clearInterval(this.sweep);
    clearTimeout(this.retryTimer);
    this.states.clear();
  }

  private markDirty(state: State): void {
    if (!state.dirty && !state.batch) state.busySince = Date.now();
    state.dirty = true;
  }

  private schedule(): void {
    if (this.scheduled || this.reading || this.retryTimer) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.round();
    });
  }

  private async round(): Promise<void> {
    const due = [...this.states.values()].filter(
      (s) => s.dirty && !s.batch && !s.waitExtension && (!s.bot.fence || mayWork(s.bot.fence)),
    );
    if (due.length === 0) return;
    this.reading = true;
    for (const s of due) s.dirty = false;
    const perBot = Math.max(
      1,
      Math.min(PUMP_BATCH, Math.floor((this.options.roundMax ?? PUMP_ROUND_MAX) / due.length)),
    );
    let found: Map<string, PendingUpdate[]>;
    try {
      found = await inboundUpdateRepository.pending(
        this.options.sql,
        due.map((s) => ({ tenantId: s.bot.tenantId, botId: s.bot.botId })),
        perBot,
      );
      this.failures = 0;
      this.failure = null;
    } catch (err) {
      for (const s of due) s.dirty = true;
      this.failures++;
      this.failure = {
        since: this.failure?.since ?? Date.now(),
        description: 'the database does not answer; stored updates wait',
      };
      if (this.failures === 1)
        this.options.logger.warn({ err, event: 'inbox-read-failed' }, this.failure.description);
      const base = this.options.retryMs ?? 200;
      const waitMs = Math.min(base * 10, base * 2 ** Math.min(this.failures - 1, 4));
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        this.schedule();
      }, waitMs);
      return;
    } finally {
      this.reading = false;
    }
    for (const s of due) {
      const batch = found.get(botKey(s.bot.tenantId, s.bot.botId));
      if (!batch || s.removed) continue;
      // More may wait behind a full batch.
      if (batch.length === perBot) s.dirty = true;
      s.batch = this.handle(s, batch).finally(() => {
        s.batch = undefined;
        if (s.dirty) this.schedule();
      });
    }
    if (due.some((s) => s.dirty && !s.batch)) this.schedule();
  }

  private async handle(state: State, batch: PendingUpdate[]): Promise<void> {
    const { bot } = state;
    await bot.deliver(batch);
    if (state.dropped) return;
    // The lease moved while the handlers ran: the new owner marks (and handles) them.
    if (bot.fence && !mayWork(bot.fence)) {
      state.dirty = true;
      return;
    }
    const outcome = await new Promise<boolean | 'failed'>((done) => {
      this.marks.push({ state, ids: batch.map((u) => u.updateId), done });
      this.scheduleMarks();
    });
    if (outcome === 'failed') {
      // Handled but not marked: read again (and handled once more) unless a later mark gets through.
      state.dirty = true;
    } else if (outcome) {
      state.dirty = true;
      bot.logger.warn(
        { event: 'lease-not-current' },
        "this bot's lease is not the live one; stored updates wait for the supervisor",
      );
      // Not read again until the supervisor renews (and stops this bot if another node has it).
      state.waitExtension = bot.fence !== undefined;
    }
  }

  /** Marks finished in the same turn of the event loop go in one statement. */
  private scheduleMarks(): void {
    if (this.marking || this.marksScheduled) return;
    this.marksScheduled = true;
    setImmediate(() => {
      this.marksScheduled = false;
      void this.flushMarks();
    });
  }

  private async flushMarks(): Promise<void> {
    if (this.marking || this.marks.length === 0) return;
    this.marking = true;
    const group = this.marks.splice(0);
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          const refused = await inboundUpdateRepository.markHandled(
            this.options.sql,
            group.map(({ state, ids }) => ({
              tenantId: state.bot.tenantId,
              botId: state.bot.botId,
              epoch: state.bot.fence?.epoch,
              updateIds: ids,
            })),
          );
          for (const m of group) m.done(refused.has(m.state.bot.tenantId));
          return;
        } catch (err) {
          if (attempt >= 2) {
            this.options.logger.warn(
              { err, event: 'inbox-mark-failed' },
              'stored updates were handled but not marked',
            );
            for (const m of group) m.done('failed');
            return;
          }
          await new Promise((resolve) => setTimeout(resolve, 200 * (attempt + 1)));
        }
      }
    } finally {
      this.marking = false;
      if (this.marks.length > 0) this.scheduleMarks();
    }
  }
}
