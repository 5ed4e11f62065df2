/**
 * The per-tenant limiter of heavy requests: entry searches, CSV exports and building a draw proof. Each
 * holds a database connection for long (a search scans, an export streams a million rows), and the pool
 * has 10 connections shared with every page, so heavy work gets slots:
 *
 * - at most {@link DEFAULT_HEAVY_LIMITS.perTenant} (2) heavy requests of one tenant run at once;
 * - at most {@link DEFAULT_HEAVY_LIMITS.total} (4) heavy requests run at once across all tenants, so at
 *   least 6 of the 10 connections stay free for ordinary pages;
 * - a tenant's further heavy requests wait in that tenant's own queue, at most
 *   {@link DEFAULT_HEAVY_LIMITS.queuePerTenant} (20) of them; beyond that the request is answered 429 with
 *   `Retry-After` ({@link DEFAULT_HEAVY_LIMITS.retryAfterS}, 5 s) at once;
 * - a freed slot goes to the queues in turn (round robin over tenants), so one tenant's backlog waits
 *   behind itself, never in front of another tenant's first request.
 *
 * In-memory and per web process (several web processes each have their own slots).
 */
import { rateLimited } from './errors.ts';

export interface HeavyLimits {
  /** Heavy requests of one tenant running at once. */
  perTenant: number;
  /** Heavy requests running at once in this process, all tenants together. */
  total: number;
  /** Heavy requests of one tenant waiting for a slot; one more is refused with 429. */
  queuePerTenant: number;
  /** Seconds a refused client is told to wait (`Retry-After`). */
  retryAfterS: number;
}

export const DEFAULT_HEAVY_LIMITS: HeavyLimits = {
  perTenant: 2,
  total: 4,
  queuePerTenant: 20,
  retryAfterS: 5,
};

/** Gives the slot back; calling it more than once does nothing. */
export type Release = () => void;

export interface HeavyLimiter {
  /**
   * Wait for a heavy slot of `key` (a tenant id). Resolves with the release function once the request may
   * run. @throws ApiError rate_limited (429, Retry-After) when the tenant's queue is full
   */
  acquire(key: string | number): Promise<Release>;
  /** Run `work` in a slot of `key`, releasing it when `work` settles. @throws as {@link acquire} */
  run<T>(key: string | number, work: () => Promise<T>): Promise<T>;
  /** Running and waiting heavy requests (for tests and metrics). */
  stats(): { running: number; waiting: number; byKey: Record<string, { running: number; waiting: number }> };
}

/** Create a limiter with `limits` over {@link DEFAULT_HEAVY_LIMITS}. */
export function createHeavyLimiter(limits: Partial<HeavyLimits> = {}): HeavyLimiter {
  const { perTenant, total, queuePerTenant, retryAfterS } = { ...DEFAULT_HEAVY_LIMITS, ...limits };
  const running = new Map<string, number>();
  /** Waiting grants per key; the Map's order is the round-robin order of the keys. */
  const queues = new Map<string, Array<() => void>>();
  let runningTotal = 0;

  const start = (key: string): Release => {
    running.set(key, (running.get(key) ?? 0) + 1);
    runningTotal++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const n = (running.get(key) ?? 1) - 1;
      if (n === 0) running.delete(key);
      else running.set(key, n);
      runningTotal--;
      dispatch();
    };
  };

  /** Hand free slots to waiting keys in turn; a served key moves to the back of the order. */
  const dispatch = (): void => {
    let progressed = true;
    while (runningTotal < total && progressed) {
      progressed = false;
      for (const [key, queue] of queues) {
        if (runningTotal >= total) break;
        if ((running.get(key) ?? 0) >= perTenant) continue;
        const grant = queue.shift();
        queues.delete(key);
        if (queue.length > 0) queues.set(key, queue); // to the back: the next key goes first
        if (grant) {
          grant();
          progressed = true;
        }
        break;
      }
    }
  };

  const acquire = (rawKey: string | number): Promise<Release> => {
    const key = String(rawKey);
    const queue = queues.get(key);
    if (!queue && (running.get(key) ?? 0) < perTenant && runningTotal < total) {
      return Promise.resolve(start(key));
    }
    if ((queue?.length ?? 0) >= queuePerTenant) {
      return Promise.reject(
        rateLimited(
          retryAfterS * 1000,
          `Too many searches or exports at once for this account: try again in ${retryAfterS} seconds.`,
        ),
      );
    }
    return new Promise<Release>((resolve) => {
      const list = queue ?? [];
      list.push(() => resolve(start(key)));
      if (!queue) queues.set(key, list);
    });
  };

  return {
    acquire,
    async run(key, work) {
      const release = await acquire(key);
      try {
        return await work();
      } finally {
        release();
      }
    },
    stats() {
      const byKey: Record<string, { running: number; waiting: number }> = {};
      for (const [key, n] of running) byKey[key] = { running: n, waiting: 0 };
      let waiting = 0;
      for (const [key, queue] of queues) {
        waiting += queue.length;
        byKey[key] = { running: running.get(key) ?? 0, waiting: queue.length };
      }
      return { running: runningTotal, waiting, byKey };
    },
  };
}
