/**
 * Who holds the host's event loop. Every bot's work runs inside an AsyncLocalStorage context naming the
 * bot (`runAs`), so each callback of it — a handler, a timer, a continuation after an await — belongs to
 * that bot. Measuring every callback costs about 1 µs per promise continuation (async_hooks before/after
 * with promise hooks), too much to pay all the time; so it is adaptive:
 *
 * - always on, nearly free: an interval timer ({@link tickMsFor}: a quarter of `blockedMs`, at most 250 ms)
 *   measures how late it fires, which is the event-loop delay the host heartbeat reports (p99 and max).
 *   Four wake-ups a second, not the fifty of `monitorEventLoopDelay` at 20 ms: with a process per bot
 *   (`BOTS_PER_HOST=1`) a hundred idle hosts would otherwise cost a third of a core doing nothing;
 * - when the loop was held for half of `blockedMs` or more while the host used that much CPU (a tick late
 *   because the OS ran other processes is no stall of ours), the callback timing is switched on for
 *   {@link SUSPICION_WINDOW_MS}: every callback of a bot that runs `blockedMs` or longer calls `onBlocked`
 *   with that bot and the duration. The duration counts the CPU time the host used meanwhile, not the
 *   wall time alone, so a host the OS kept waiting on a busy machine does not blame its bots. A bot that blocks once is named on its next block; one that blocked
 *   for seconds on every update (the case quarantine exists for) is named within two updates.
 */
import { AsyncLocalStorage, createHook } from 'node:async_hooks';
import { performance } from 'node:perf_hooks';

/** How long callback timing stays on after a stall (ms). */
export const SUSPICION_WINDOW_MS = 30_000;

function cpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}
/**
 * The watch's timer period (ms): short enough that any callback of `blockedMs` or longer makes a tick at
 * least `blockedMs / 2` late (the stall that switches callback timing on), so at most a quarter of it;
 * 250 ms when attribution is off.
 */
export function tickMsFor(blockedMs: number): number {
  return blockedMs > 0 ? Math.max(10, Math.min(250, Math.floor(blockedMs / 4))) : 250;
}

const owner = new AsyncLocalStorage<string>();

/** Runs `work` (and everything it schedules) as the work of the bot `key`. */
export function runAs<T>(key: string, work: () => T): T {
  return owner.run(key, work);
}

/** The bot whose work is running now (its `runAs` key), if any. */
export function ownerOf(): string | undefined {
  return owner.getStore();
}

export interface LoopWatch {
  /** Event-loop delay since the last call (ms): p99 and max of the ticks' lateness; starts a new window. */
  takeDelay(): { p99Ms: number; maxMs: number };
  /** Whether callback timing is on now (a stall was seen within the suspicion window). */
  readonly timing: boolean;
  stop(): void;
}

/**
 * Starts watching.
 * @param blockedMs a callback of one bot this long or longer is reported; 0 disables attribution
 * @param onBlocked called with the bot's key and the callback's duration (ms)
 */
export function watchLoop(blockedMs: number, onBlocked: (key: string, ms: number) => void): LoopWatch {
  const tickMs = tickMsFor(blockedMs);
  /** How late each tick fired since the last takeDelay (ms). */
  let lateness: number[] = [];
  const stack: Array<[number, string | undefined]> = [];
  /** Process CPU time (µs) and wall time (ms) at the last tick: a blocking callback began after it. */
  let tickCpu = cpuMicros();
  let last = performance.now();
  const hook = createHook({
    before() {
      stack.push([performance.now(), owner.getStore()]);
    },
    after() {
      const top = stack.pop();
      if (!top || top[1] === undefined) return;
      const wallMs = performance.now() - top[0];
      if (wallMs < blockedMs) return;
      // Wall time includes time the OS ran other processes (a busy machine): count the CPU we used since
      // the last tick, which came before this callback began (cheap: read only for a long callback).
      const ms = Math.min(wallMs, (cpuMicros() - tickCpu) / 1000);
      if (ms >= blockedMs) onBlocked(top[1], ms);
    },
  });
  let timingUntil = 0;
  let timing = false;
  const tick = setInterval(() => {
    const now = performance.now();
    const cpu = cpuMicros();
    const stall = now - last - tickMs;
    const busyMs = (cpu - tickCpu) / 1000 - tickMs;
    last = now;
    tickCpu = cpu;
    if (lateness.length < 10_000) lateness.push(Math.max(0, stall));
    if (blockedMs <= 0) return;
    // A late tick is a stall of ours only if we were running meanwhile (not waiting for the OS).
    if (stall >= blockedMs / 2 && busyMs >= blockedMs / 2) {
      timingUntil = now + SUSPICION_WINDOW_MS;
      if (!timing) {
        stack.length = 0;
        hook.enable();
        timing = true;
      }
    } else if (timing && now > timingUntil) {
      hook.disable();
      timing = false;
    }
  }, tickMs);
  tick.unref();
  return {
    takeDelay() {
      const sorted = lateness.sort((a, b) => a - b);
      lateness = [];
      if (sorted.length === 0) return { p99Ms: 0, maxMs: 0 };
      const p99Ms = sorted[Math.min(sorted.length - 1, Math.ceil(0.99 * sorted.length) - 1)] ?? 0;
      return { p99Ms, maxMs: sorted[sorted.length - 1] ?? 0 };
    },
    get timing() {
      return timing;
    },
    stop() {
      clearInterval(tick);
      hook.disable();
    },
  };
}
