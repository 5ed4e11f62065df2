import { describe, expect, it } from 'vitest';
import { leaseSlack, planLeaseRound } from '../../machines/lease-plan.ts';

const view = (over: Partial<Parameters<typeof planLeaseRound>[0]>) => ({
  bots: 30,
  liveNodes: 3,
  held: 0,
  free: 0,
  fewestHeld: 10,
  freeRounds: 0,
  stopping: false,
  ...over,
});

/**
 * Runs lease rounds over `nodes` (each holding some bots) until nothing moves, the nodes taking turns in
 * the order given; a bot given back is free for the next node's round. Returns the holdings and how many
 * leases changed owner on the way.
 */
function settle(bots: number, holdings: number[]): { holdings: number[]; moves: number; rounds: number } {
  const held = [...holdings];
  const freeRounds = held.map(() => 0);
  let moves = 0;
  for (let rounds = 1; rounds <= 50; rounds++) {
    let changed = false;
    for (let i = 0; i < held.length; i++) {
      const free = bots - held.reduce((a, b) => a + b, 0);
      const plan = planLeaseRound({
        bots,
        liveNodes: held.length,
        held: held[i]!,
        free,
        fewestHeld: Math.min(...held),
        freeRounds: freeRounds[i]!,
        stopping: false,
      });
      held[i] = held[i]! + plan.take - plan.giveBack;
      moves += plan.take;
      freeRounds[i] = free - plan.take > 0 ? freeRounds[i]! + 1 : 0;
      if (plan.take > 0 || plan.giveBack > 0) changed = true;
    }
    if (!changed) return { holdings: held, moves, rounds };
  }
  throw new Error(`no settled state after 50 rounds: ${held.join(', ')}`);
}

describe('planLeaseRound', () => {
  it('takes free leases up to the fair share, never more than are free', () => {
    expect(planLeaseRound(view({ held: 0, free: 30 }))).toEqual({ share: 10, take: 10, giveBack: 0 });
    expect(planLeaseRound(view({ held: 7, free: 30 }))).toMatchObject({ take: 3 });
    expect(planLeaseRound(view({ held: 0, free: 4 }))).toMatchObject({ take: 4 });
    expect(planLeaseRound(view({ held: 10, free: 5 }))).toMatchObject({ take: 0, giveBack: 0 });
  });

  it('gives back only above share plus slack (hysteresis), down to the share', () => {
    const share = 10;
    const slack = leaseSlack(share);
    expect(slack).toBe(1);
    expect(planLeaseRound(view({ held: share + slack }))).toMatchObject({ giveBack: 0 });
    expect(planLeaseRound(view({ held: share + slack + 1 }))).toMatchObject({ giveBack: slack + 1 });
    // A node that held everything alone gives two thirds back when two more join.
    expect(planLeaseRound(view({ held: 30 }))).toMatchObject({ giveBack: 20 });
    expect(leaseSlack(334)).toBe(34);
  });

  it('takes leases left free for two rounds up to share plus slack, so none stays without an owner', () => {
    expect(planLeaseRound(view({ held: 10, free: 3, freeRounds: 1 }))).toMatchObject({ take: 0 });
    expect(planLeaseRound(view({ held: 10, free: 3, freeRounds: 2 }))).toMatchObject({ take: 1 });
  });

  it('a stopping node takes and gives back nothing (its bots go when it releases them)', () => {
    expect(planLeaseRound(view({ stopping: true, held: 30, free: 30 }))).toEqual({
      share: 0,
      take: 0,
      giveBack: 0,
    });
  });

  it('counts a node alone as one node, even when it sees none', () => {
    expect(planLeaseRound(view({ liveNodes: 0, free: 30 }))).toMatchObject({ share: 30, take: 30 });
  });

  it('from any start, rounds settle with every bot owned and no node above share plus slack', () => {
    const starts: Array<[number, number[]]> = [
      [30, [0, 0, 0]],
      [30, [30, 0, 0]],
      [31, [31, 0]],
      [1000, [500, 500, 0]],
      [7, [0, 0, 0, 0, 0]],
      [3000, [3000, 0, 0, 0]],
      [6, [6, 0, 0, 0]],
      [5, [0, 0, 0, 0, 5]],
      [1, [1, 0, 0]],
      [0, [0, 0]],
    ];
    for (const [bots, start] of starts) {
      const { holdings } = settle(bots, start);
      const share = Math.ceil(bots / start.length);
      expect(
        holdings.reduce((a, b) => a + b, 0),
        `${bots} bots from ${start}`,
      ).toBe(bots);
      for (const h of holdings) expect(h).toBeLessThanOrEqual(share + leaseSlack(share));
    }
  });

  it('a node joining three balanced ones moves about its share, not everything', () => {
    const { moves } = settle(1200, [400, 400, 400, 0]);
    // The newcomer's share is 300; each old node gives back 100 of its 400.
    expect(moves).toBe(300);
  });

  it('counts that differ by a little between nodes move nothing', () => {
    expect(settle(31, [11, 10, 10]).moves).toBe(0);
    expect(settle(31, [12, 11, 10]).moves).toBe(0);
    expect(settle(7, [3, 2, 2]).moves).toBe(0);
  });

  it('a node far below its share gets bots from those above it, even within their slack', () => {
    // Share 3, slack 1: 4 is within the slack, but a node holding 1 is starved.
    expect(planLeaseRound(view({ bots: 9, held: 4, fewestHeld: 1 }))).toMatchObject({ giveBack: 1 });
    expect(planLeaseRound(view({ bots: 9, held: 4, fewestHeld: 2 }))).toMatchObject({ giveBack: 1 });
    expect(planLeaseRound(view({ bots: 10, held: 4, fewestHeld: 3 }))).toMatchObject({ giveBack: 0 });
    const { holdings } = settle(9, [4, 4, 1]);
    expect(holdings).toEqual([3, 3, 3]);
  });

  it('a node joining when the others hold exactly their share still gets bots (fewer bots than a full share each)', () => {
    // 6 bots on 4 nodes: a share of 2 (ceil), a floor of 1; the newcomer holds none.
    const { holdings } = settle(6, [2, 2, 2, 0]);
    expect(holdings.reduce((a, b) => a + b, 0)).toBe(6);
    expect(Math.min(...holdings)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...holdings)).toBeLessThanOrEqual(2);
  });
});
