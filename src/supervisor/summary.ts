/**
 * The supervisor's summary line ("running: 3 bots, 1 stopped | next check in 10 s"), printed once a change
 * has settled: every bot the configs ask for has reported, none is `starting` or `restarting`, and no
 * removed one is still stopping. So a person reads "running: 1 bot" after the bot is ready, not
 * "running: 0 bots (1 starting)" before. A bot stuck in a long backoff does not hold the line back for
 * more than `settleMaxMs`; without a change the line is repeated at most every `repeatMs`, at a check.
 */
import type { Logger } from '../log/logger.ts';
import { logMessages } from '../log/messages.ts';
import { countByState, type StatusStore } from './status-store.ts';

/** Longest wait for a change to settle before the summary is printed anyway (ms). */
export const SUMMARY_SETTLE_MAX_MS = 30_000;

/** A summary without a change is printed at most this often (ms), at a config check. */
export const SUMMARY_REPEAT_MS = 60_000;

export interface SummaryOptions {
  logger: Logger;
  store: StatusStore;
  /** Tenants the latest snapshot lists: active configs and unusable ones. */
  expected: () => ReadonlySet<string>;
  /** Active configs of the latest snapshot this node runs (0 = "no active bot config yet"). */
  configCount: () => number;
  /** Active configs of the latest snapshot on every node (several nodes share the database); default configCount. */
  clusterConfigCount?: () => number;
  /** Whether other live nodes share the database (else configured bots not run here are about to be). */
  othersLive?: () => boolean;
  adminUrl: string;
  checkIntervalS: number;
  settleMaxMs?: number;
  repeatMs?: number;
}

export interface Summary {
  /** A config check ended; `changed`: the set of configs or a hash changed. */
  checked(changed: boolean): void;
  /** No more lines (shutdown). */
  stop(): void;
}

/** Whether every expected bot has reported a stable state and no other one is still listed. */
export function settled(store: StatusStore, expected: ReadonlySet<string>): boolean {
  const tenants = store.getSnapshot().context.tenants;
  for (const id of expected) {
    const state = tenants[id]?.state;
    if (state !== 'running' && state !== 'stopped') return false;
  }
  for (const id of Object.keys(tenants)) if (!expected.has(id)) return false;
  return true;
}

/** Start watching the status store for the moment to print the summary. */
export function createSummary(options: SummaryOptions): Summary {
  const { logger, store } = options;
  const msg = logMessages().supervisor;
  const settleMaxMs = options.settleMaxMs ?? SUMMARY_SETTLE_MAX_MS;
  const repeatMs = options.repeatMs ?? SUMMARY_REPEAT_MS;
  let lastAt = 0;
  let due = false;
  let stopped = false;
  let fallback: NodeJS.Timeout | undefined;

  const print = () => {
    due = false;
    clearTimeout(fallback);
    fallback = undefined;
    lastAt = Date.now();
    const context = store.getSnapshot().context;
    if (options.configCount() === 0 && Object.keys(context.tenants).length === 0) {
      const elsewhere = options.clusterConfigCount?.() ?? 0;
      // Alone, a configured bot this node does not run yet is one whose lease it is taking: nothing to say.
      if (elsewhere > 0 && options.othersLive?.() === false) return;
      if (elsewhere > 0) logger.info({ event: 'summary' }, msg.noneHere(elsewhere, options.checkIntervalS));
      else logger.info({ event: 'summary' }, msg.noConfig(options.adminUrl, options.checkIntervalS));
      return;
    }
    const counts = countByState(context);
    logger.info(
      { event: 'summary', counts },
      msg.summary({
        running: counts.running,
        starting: counts.starting + counts.idle,
        restarting: counts.restarting,
        stopped: counts.stopped,
        checkIntervalS: options.checkIntervalS,
      }),
    );
  };
  const tryPrint = () => {
    if (due && !stopped && settled(store, options.expected())) print();
  };
  const subscription = store.subscribe(tryPrint);

  return {
    checked(changed) {
      if (stopped) return;
      if (!due && (changed || Date.now() - lastAt >= repeatMs)) {
        due = true;
        fallback = setTimeout(() => {
          if (due && !stopped) print();
        }, settleMaxMs);
        fallback.unref();
      }
      tryPrint();
    },
    stop() {
      stopped = true;
      clearTimeout(fallback);
      subscription.unsubscribe();
    },
  };
}
