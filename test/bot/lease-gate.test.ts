/**
 * The lease gate of a bot host (src/bot/lease-gate.ts): closed until the supervisor says until when its
 * bots may work, closed again once that time has passed, and whoever waits goes on at the next extension
 * (or when its bot stops).
 */
import { describe, expect, it } from 'vitest';
import { LeaseGate, mayWork } from '../../src/bot/lease-gate.ts';

const MINUTE = 60_000;

describe('LeaseGate', () => {
  it('is closed until extended, open until the time given, closed once it has passed', () => {
    const gate = new LeaseGate();
    expect(gate.open).toBe(false);
    gate.extend(Date.now() + MINUTE);
    expect(gate.open).toBe(true);
    gate.extend(Date.now() - 1);
    expect(gate.open).toBe(false);
  });

  it('lets a waiter go on at the next extension that opens it, not before', async () => {
    const gate = new LeaseGate(Date.now() - 1);
    let through = false;
    const waiting = gate.whenOpen().then(() => {
      through = true;
    });
    gate.extend(Date.now() - 1);
    await Promise.resolve();
    expect(through).toBe(false);
    gate.extend(Date.now() + MINUTE);
    await waiting;
    expect(through).toBe(true);
  });

  it('lets a waiter go when its bot stops (the signal), and an open gate never waits', async () => {
    const gate = new LeaseGate();
    const stop = new AbortController();
    const waiting = gate.whenOpen(stop.signal);
    stop.abort();
    await waiting;
    gate.extend(Date.now() + MINUTE);
    await gate.whenOpen();
  });

  it('a lost lease may not work even while the gate is open for the other bots', () => {
    const gate = new LeaseGate(Date.now() + MINUTE);
    const fence = { tenantId: 1, epoch: 2, gate, lost: false, pollOffset: null };
    expect(mayWork(fence)).toBe(true);
    fence.lost = true;
    expect(mayWork(fence)).toBe(false);
  });
});
