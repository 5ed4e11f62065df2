/**
 * The draw scheduler: draws every lottery whose time has come or whose entry count is reached, exactly
 * once, on any number of supervisor instances. Each tick (every `intervalMs`, default 1000, so a timed
 * draw starts within about a second of its time) reads the due lotteries and starts a draw for each,
 * side by side, at most {@link MAX_PARALLEL_DRAWS} at once: a slow draw (a big one, or one waiting for
 * Telegram's membership answers) holds one slot and does not hold up the others, and the next tick does
 * not wait for it. Each draw is `drawIfOpen(..., { wait: false })`: a lottery another instance (or a
 * manual draw) is drawing right now is skipped, one already drawn is no longer open, and one left
 * `drawing` by a drawer that died is resumed. A failed draw is logged and retried on a later tick. The draw
 * does not need the tenant's bot to run: its announcements wait in the outbox.
 */
import type { Logger } from '../log/logger.ts';
import { type DrawDeps, drawIfOpen } from './draw-lottery.ts';
import { dueLotteries } from './store.ts';

/**
 * Draws one scheduler runs at the same time, default of `maxParallel`. Each holds up to two database
 * connections (its claim and one phase; see draw-lottery.ts), and 4 of the process's
 * `MAX_DRAWS_PER_PROCESS` (6) draw slots leave room for manual draws from the web in `tg-lottery start`.
 * Four slow draws at once are already an unusual day.
 */
export const MAX_PARALLEL_DRAWS = 4;

export interface DrawSchedulerOptions extends DrawDeps {
  logger: Logger;
  /** Milliseconds between two looks at the due lotteries, default 1000. */
  intervalMs?: number;
  /** Draws at the same time, default {@link MAX_PARALLEL_DRAWS}. */
  maxParallel?: number;
  /** Called after each draw this instance made. */
  onDrawn?: (lotteryId: number, winners: number) => void;
}

export interface DrawScheduler {
  /**
   * Look for due lotteries now (also what each tick does) and start their draws; resolves when the
   * draws this look started have finished. Never rejects.
   */
  tick(): Promise<void>;
  /** The lotteries this instance is drawing right now, by id. */
  drawing(): number[];
  /** Stop ticking; resolves when the draws in progress have finished. */
  stop(): Promise<void>;
}

export function startDrawScheduler(options: DrawSchedulerOptions): DrawScheduler {
  const { logger } = options;
  const intervalMs = options.intervalMs ?? 1000;
  const maxParallel = options.maxParallel ?? MAX_PARALLEL_DRAWS;
  if (!Number.isSafeInteger(maxParallel) || maxParallel < 1) {
    throw new RangeError(`maxParallel must be an integer ≥ 1, got ${maxParallel}`);
  }
  let stopped = false;
  let looking: Promise<Promise<void>[]> | undefined;
  const inFlight = new Map<number, Promise<void>>();
  let failures = 0;
  let timer: NodeJS.Timeout | undefined;

  /** One draw; resolves with whether it drew (a slot freed by a real draw is refilled at once). */
  async function drawOne(id: number): Promise<boolean> {
    try {
      const outcome = await drawIfOpen(options, id, { tenantId: null, wait: false });
      if (!outcome) return false;
      const winners = outcome.proof.winners.length;
      logger.info(
        { lottery: id, tenant: outcome.lottery.tenantId, entries: outcome.proof.entryCount, winners },
        `drew lottery ${id} "${outcome.lottery.title}": ${winners} winner(s) among ${outcome.proof.entryCount} entries`,
      );
      options.onDrawn?.(id, winners);
      return true;
    } catch (err) {
      logger.error({ err, lottery: id }, `draw of lottery ${id} failed; it is retried on the next tick`);
      return false;
    }
  }

  /** Reads the due lotteries and starts draws in the free slots; resolves with the draws it started. */
  async function lookOnce(): Promise<Promise<void>[]> {
    const free = maxParallel - inFlight.size;
    if (stopped || free <= 0) return [];
    let due: number[];
    try {
      // A few more than the free slots: some may be taken by another instance and skipped at once.
      due = await dueLotteries(options.sql, free + 20, [...inFlight.keys()]);
      failures = 0;
    } catch (err) {
      if (failures++ === 0) logger.warn({ err }, 'draw scheduler: the database did not answer; retrying');
      return [];
    }
    const started: Promise<void>[] = [];
    for (const id of due) {
      if (stopped || inFlight.size >= maxParallel) break;
      if (inFlight.has(id)) continue;
      const run = drawOne(id).then((drew) => {
        inFlight.delete(id);
        if (drew && !stopped) void look();
      });
      inFlight.set(id, run);
      started.push(run);
    }
    return started;
  }

  /** One look at a time; a look asked for during another shares it. */
  function look(): Promise<Promise<void>[]> {
    looking ??= lookOnce().finally(() => {
      looking = undefined;
    });
    return looking;
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      void look().finally(schedule);
    }, intervalMs);
    timer.unref?.();
  }
  schedule();

  return {
    async tick() {
      await Promise.all(await look());
    },
    drawing: () => [...inFlight.keys()],
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await looking;
      await Promise.all(inFlight.values());
    },
  };
}
