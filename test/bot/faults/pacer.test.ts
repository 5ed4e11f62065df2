/**
 * F8, the pacer alone with a fake clock: sends are spaced bot-wide (`perSecond`) and, in groups and
 * channels, per chat (`perChatPerMinute`); private chats share only the bot-wide budget; a 429's
 * `retry_after` holds every send; idle time builds no burst.
 */
import { describe, expect, it } from 'vitest';
import { Pacer } from '../../../src/bot/pacer.ts';

function fakePacer(perSecond: number, perChatPerMinute: number) {
  let now = 1_000_000;
  const sleeps: number[] = [];
  const pacer = new Pacer({
    perSecond,
    perChatPerMinute,
    now: () => now,
    sleep: async (ms) => {
      sleeps.push(ms);
      now += ms;
    },
  });
  const start = now;
  return {
    pacer,
    sleeps,
    /** Milliseconds since the pacer was made. */
    at: () => now - start,
    advance: (ms: number) => {
      now += ms;
    },
    /** Takes a send into each chat in turn; returns when each was allowed (ms since start). */
    async takeAll(chats: number[]): Promise<number[]> {
      const times: number[] = [];
      for (const chat of chats) {
        await pacer.take(chat);
        times.push(now - start);
      }
      return times;
    },
  };
}

describe('Pacer (F8)', () => {
  it('spaces every send of the bot by 1/perSecond', async () => {
    const p = fakePacer(10, 60);
    expect(await p.takeAll([101, 102, 103, 101, 104])).toEqual([0, 100, 200, 300, 400]);
    expect(p.sleeps).toEqual([100, 100, 100, 100]);
  });

  it('also spaces sends into one group or channel by 1/perChatPerMinute', async () => {
    const p = fakePacer(10, 60); // one send per second per chat
    const times = await p.takeAll([-100, -200, -100, 7, -200, -100]);
    // -100 at 0, -200 at 100 (bot-wide only), -100 again at 1000, the DM right after, -200 at 1100+…
    expect(times).toEqual([0, 100, 1000, 1100, 1200, 2000]);
  });

  it('gives private chats only the bot-wide spacing', async () => {
    const p = fakePacer(20, 1);
    expect(await p.takeAll([7, 7, 7, 7])).toEqual([0, 50, 100, 150]);
    expect(p.pacer.delayFor(7)).toBe(50);
    expect(p.pacer.delayFor(-1)).toBe(50);
  });

  it('waits out a pause (429 retry_after) for every chat', async () => {
    const p = fakePacer(10, 6000);
    await p.takeAll([7]);
    p.pacer.pause(3000);
    expect(p.pacer.delayFor(8)).toBe(3000);
    expect(p.pacer.delayFor(-5)).toBe(3000);
    expect(await p.takeAll([8, -5])).toEqual([3000, 3100]);
    // A shorter pause never shortens a longer wait already booked.
    p.pacer.pause(3000);
    p.pacer.pause(10);
    expect(p.pacer.delayFor(7)).toBe(3000);
  });

  it('builds no burst from idle time', async () => {
    const p = fakePacer(10, 60);
    await p.takeAll([7]);
    p.advance(60_000);
    const base = p.at();
    const times = await p.takeAll([7, 8, 9]);
    expect(times.map((t) => t - base)).toEqual([0, 100, 200]);
  });

  it('delayFor only looks; take books', async () => {
    const p = fakePacer(1, 1);
    expect(p.pacer.delayFor(-1)).toBe(0);
    expect(p.pacer.delayFor(-1)).toBe(0);
    await p.pacer.take(-1);
    expect(p.pacer.delayFor(7)).toBe(1000);
    expect(p.pacer.delayFor(-1)).toBe(60_000);
  });
});
