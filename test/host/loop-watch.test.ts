/**
 * The bot host's loop watch: its timer period, the event-loop delay it reports (the lateness of its ticks),
 * and the attribution of a blocking callback to the bot whose work it was, switched on by a stall.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type LoopWatch, runAs, tickMsFor, watchLoop } from '../../src/host/loop-watch.ts';
import { waitUntil } from '../helpers/wait.ts';

/**
 * Holds the event loop for `ms` of wall time and until this process has used `ms` of CPU time, however
 * busy the machine (the watch counts CPU time, not time the OS ran other processes).
 */
function spin(ms: number): void {
  const start = process.cpuUsage();
  const until = performance.now() + ms;
  for (;;) {
    const used = process.cpuUsage(start);
    if (performance.now() >= until && (used.user + used.system) / 1000 >= ms) return;
  }
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

let watch: LoopWatch | undefined;
afterEach(() => watch?.stop());

describe('the loop watch', () => {
  it('ticks at a quarter of the blocking threshold, at most 250 ms, and 250 ms with attribution off', () => {
    expect(tickMsFor(1000)).toBe(250);
    expect(tickMsFor(2000)).toBe(250);
    expect(tickMsFor(200)).toBe(50);
    expect(tickMsFor(20)).toBe(10);
    expect(tickMsFor(0)).toBe(250);
  });

  it('reports a held loop as the delay of the tick that was due meanwhile, then starts a new window', async () => {
    watch = watchLoop(0, () => {});
    watch.takeDelay();
    // Whenever the hold starts, a tick falls due within 250 ms and fires only after it: at least 350 ms late.
    spin(600);
    let delay = { p99Ms: 0, maxMs: 0 };
    await waitUntil(async () => {
      delay = watch!.takeDelay();
      return delay.maxMs > 0;
    }, 'the late tick');
    expect(delay.maxMs).toBeGreaterThanOrEqual(350);
    expect(delay.p99Ms).toBeLessThanOrEqual(delay.maxMs);
  });

  it('names the bot whose callback held the loop, once a stall has switched timing on', async () => {
    const blocked: Array<[string, number]> = [];
    watch = watchLoop(200, (key, ms) => blocked.push([key, ms]));
    expect(watch.timing).toBe(false);
    // A stall of ours (the CPU busy) makes the next tick late by half the threshold or more: timing on.
    spin(400);
    await waitUntil(async () => watch!.timing, 'callback timing to switch on');
    expect(blocked).toEqual([]);
    // Now a callback of bot "a" that holds the loop for 300 ms is reported with its duration.
    await new Promise<void>((resolve) => {
      runAs('a', () =>
        setImmediate(() => {
          spin(300);
          resolve();
        }),
      );
    });
    await nextTurn();
    expect(blocked.map(([key]) => key)).toEqual(['a']);
    expect(blocked[0]![1]).toBeGreaterThanOrEqual(200);
    // Work of no bot, however long, names nobody.
    await new Promise<void>((resolve) =>
      setImmediate(() => {
        spin(300);
        resolve();
      }),
    );
    await nextTurn();
    expect(blocked).toHaveLength(1);
  });
});
