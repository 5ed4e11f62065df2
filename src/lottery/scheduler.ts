/**
 * The draw scheduler: draws every lottery whose time has come or whose entry count is reached, exactly
 * once, on any number of supervisor instances. Each tick (every `intervalMs`, default 1000, so a timed
 * draw happens within about a second of its time) reads the due lotteries and draws each with
 * `drawIfOpen(..., { wait: false })`: a lottery another instance (or a manual draw) is drawing right now
 * is locked and skipped, and one already drawn is no longer open. A failed draw is rolled back and
 * retried on the next tick. The draw does not need the tenant's bot to run: its announcements wait in
 * the outbox.
 */
import type { Logger } from '../log/logger.ts';
import { type DrawDeps, drawIfOpen, dueLotteries } from './draw-lottery.ts';

export interface DrawSchedulerOptions extends DrawDeps {
  logger: Logger;
  /** Milliseconds between two looks at the due lotteries, default 1000. */
  intervalMs?: number;
  /** Called after each draw this instance made. */
  onDrawn?: (lotteryId: number, winners: number) => void;
}

export interface DrawScheduler {
  /** Look for due lotteries now (also what each tick does). Never rejects. */
  tick(): Promise<void>;
  /** Stop ticking; resolves when a draw in progress has finished. */
  stop(): Promise<void>;
}

export function startDrawScheduler(options: DrawSchedulerOptions): DrawScheduler {
  const { logger } = options;
  const intervalMs = options.intervalMs ?? 1000;
  let stopped = false;
  let running: Promise<void> | undefined;
  let failures = 0;
  let timer: NodeJS.Timeout | undefined;

  async function once(): Promise<void> {
    let due: number[];
    try {
      due = await dueLotteries(options.sql);
      failures = 0;
    } catch (err) {
      if (failures++ === 0) logger.warn({ err }, 'draw scheduler: the database did not answer; retrying');
      return;
    }
    for (const id of due) {
      if (stopped) return;
      try {
        const outcome = await drawIfOpen(options, id, { tenantId: null, wait: false });
        if (!outcome) continue;
        const winners = outcome.proof.winners.length;
        logger.info(
          { lottery: id, tenant: outcome.lottery.tenantId, entries: outcome.proof.entryCount, winners },
          `drew lottery ${id} "${outcome.lottery.title}": ${winners} winner(s) among ${outcome.proof.entryCount} entries`,
        );
        options.onDrawn?.(id, winners);
      } catch (err) {
        logger.error({ err, lottery: id }, `draw of lottery ${id} failed; it is retried on the next tick`);
      }
    }
  }

  function tick(): Promise<void> {
    running ??= once().finally(() => {
      running = undefined;
    });
    return running;
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      void tick().finally(schedule);
    }, intervalMs);
    timer.unref?.();
  }
  schedule();

  return {
    tick,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
