/**
 * Scenario tests of the tenant machine, part 3: isolation in a bot host of its own — a quarantine exit (the
 * shared host stopped the bot for blocking its event loop or for memory), a crash loop in a shared host
 * (`isolateOnCrashLoop`) from exits and from start / heartbeat timeouts, a crash loop while isolated, and
 * what clears the isolation (an operator restart) or keeps it (a config change). SimulatedClock, fake children.
 */
import { describe, expect, it } from 'vitest';
import type { RestartPolicy } from '../../machines/policy.ts';
import type { ChildFatal } from '../../machines/tenant.ts';
import { createTenantHarness, NO_JITTER, type TenantHarness } from './harness.ts';

const BLOCKED: ChildFatal = {
  kind: 'quarantine',
  isolation: 'event-loop-blocked',
  description: 'blocked the event loop for 1400 ms',
};
const MEMORY: ChildFatal = { kind: 'quarantine', isolation: 'memory', description: 'host at 1700 MiB' };

function running(h: TenantHarness = createTenantHarness()): TenantHarness {
  h.ready();
  expect(h.snapshot.value).toEqual({ running: 'healthy' });
  return h;
}

/** Keeps the child healthy for `ms`, one fresh heartbeat every 10 s. */
function healthyFor(h: TenantHarness, ms: number) {
  for (let t = 0; t < ms; t += 10_000) {
    h.advance(Math.min(10_000, ms - t));
    h.heartbeat();
  }
}

/** Crashes the live child at once, then waits out the backoff, until the tenant is isolated or stopped. */
function crashUntil(h: TenantHarness, done: () => boolean): number[] {
  const exitsAt: number[] = [];
  while (!done()) {
    exitsAt.push(h.clock.now());
    h.exit();
    if (h.top() === 'restarting' && !done()) h.advance(h.context.retryDelayMs);
  }
  return exitsAt;
}

describe('tenant machine: quarantine', () => {
  it('a quarantine exit isolates the tenant and restarts it at once in a host of its own', () => {
    const h = running();
    healthyFor(h, 20_000);
    h.exit(BLOCKED);
    expect(h.snapshot.value).toEqual({ restarting: 'backoff' });
    expect(h.context).toMatchObject({
      isolation: { reason: 'event-loop-blocked', since: 20_000 },
      retryDelayMs: 0,
      recentExits: [], // not a crash: it did nothing wrong but harm its neighbours
      unstableRuns: 0,
      lastError: 'quarantine: blocked the event loop for 1400 ms',
    });
    expect(h.logs.at(-1)).toMatchObject({
      event: 'isolated',
      reason: 'event-loop-blocked',
      detail: 'quarantine: blocked the event loop for 1400 ms',
    });
    expect(h.statuses.at(-1)).toMatchObject({ state: 'restarting', isolation: 'event-loop-blocked' });
    h.advance(0); // "at once": the zero backoff fires on the next tick, no time passes
    expect(h.snapshot.value).toBe('starting');
    expect(h.clock.now()).toBe(20_000);
    expect(h.liveChild()?.input).toEqual({ tenantId: 't1', configHash: 'A', incarnation: 2, isolated: true });
    expect(h.statuses.at(-1)).toMatchObject({ state: 'starting', isolation: 'event-loop-blocked' });
    h.ready();
    expect(h.statuses.at(-1)).toMatchObject({ state: 'running', isolation: 'event-loop-blocked' });
    expect(h.violations).toEqual([]);
  });

  it('the memory reason is kept, and a quarantine before CHILD.READY isolates too', () => {
    const h = createTenantHarness();
    h.exit(MEMORY);
    expect(h.context.isolation).toEqual({ reason: 'memory', since: 0 });
    h.advance(0);
    expect(h.liveChild()?.input.isolated).toBe(true);
  });

  it('a quarantine exit of an isolated bot is an unexpected exit like a crash (backoff, counted)', () => {
    const h = running();
    h.exit(BLOCKED);
    h.advance(0);
    h.ready();
    h.advance(5_000);
    h.exit(MEMORY);
    expect(h.snapshot.value).toEqual({ restarting: 'backoff' });
    expect(h.context).toMatchObject({
      isolation: { reason: 'event-loop-blocked', since: 0 },
      retryDelayMs: 1_000,
      recentExits: [5_000],
    });
    expect(h.logs.at(-1)?.event).toBe('exited-unexpectedly');
  });
});

describe('tenant machine: a crash loop in a shared host isolates first', () => {
  it('the 6th exit within 60 s isolates (counters reset, backoff goes on); looping again stops it crash-loop', () => {
    const h = createTenantHarness();
    const first = crashUntil(h, () => h.context.isolation !== null);
    expect(first).toEqual([0, 1_000, 3_000, 7_000, 15_000, 31_000]);
    expect(h.snapshot.value).toEqual({ restarting: 'backoff' });
    expect(h.context).toMatchObject({
      isolation: { reason: 'crash-loop', since: 31_000 },
      recentExits: [],
      unstableRuns: 0,
      retryDelayMs: 32_000,
    });
    expect(h.logs.at(-1)).toMatchObject({
      event: 'isolated',
      reason: 'crash-loop',
      delayMs: 32_000,
      detail: 'exit code 1',
    });
    expect(h.statuses.at(-1)).toMatchObject({ state: 'restarting', reason: null, isolation: 'crash-loop' });
    h.advance(32_000);
    expect(h.liveChild()?.input).toMatchObject({ incarnation: 7, isolated: true });
    // In its own host the backoff has grown to 60 s, so the window rule cannot fire again; the 10th unstable
    // exit in a row does.
    const second = crashUntil(h, () => h.top() === 'stopped');
    expect(second).toHaveLength(10);
    expect(second[0]).toBe(63_000);
    expect(h.context.stoppedReason).toBe('crash-loop');
    expect(h.statuses.at(-1)).toMatchObject({
      state: 'stopped',
      reason: 'crash-loop',
      isolation: 'crash-loop',
    });
    expect(h.logCodes().filter((c) => c === 'isolated')).toHaveLength(1);
    expect(h.logCodes().filter((c) => c === 'crash-loop')).toHaveLength(1);
    h.advance(600_000);
    expect(h.children).toHaveLength(16);
    expect(h.violations).toEqual([]);
  });

  it('the slow rule too: killed 20 s after every start → isolated at the 10th, stopped at the 20th', () => {
    const h = createTenantHarness();
    const codes: string[] = [];
    while (h.top() !== 'stopped') {
      h.ready();
      healthyFor(h, 20_000);
      h.exit();
      codes.push(h.logs.at(-1)?.event ?? '');
      if (h.top() === 'restarting') h.advance(h.context.retryDelayMs);
    }
    expect(codes).toHaveLength(20);
    expect(codes[9]).toBe('isolated');
    expect(codes[19]).toBe('crash-loop');
    expect(codes.filter((c) => c === 'exited-unexpectedly')).toHaveLength(18);
  });

  it('start timeouts count: the 10th in a row isolates (KILL, then backoff), then the bot starts isolated', () => {
    const h = createTenantHarness();
    for (let i = 0; i < 9; i++) {
      h.advance(30_000); // never ready: killed
      expect(h.snapshot.value).toEqual({ restarting: 'killing' });
      h.exitClean();
      h.advance(h.context.retryDelayMs);
    }
    expect(h.context.isolation).toBeNull();
    h.advance(30_000);
    expect(h.snapshot.value).toEqual({ restarting: 'killing' });
    expect(h.liveChild()?.commands).toEqual(['KILL']);
    expect(h.context).toMatchObject({
      isolation: { reason: 'crash-loop' },
      unstableRuns: 0,
      recentExits: [],
    });
    expect(h.logs.at(-1)).toMatchObject({ event: 'isolated', reason: 'crash-loop', detail: 'start-timeout' });
    h.exitClean();
    expect(h.snapshot.value).toEqual({ restarting: 'backoff' });
    h.advance(h.context.retryDelayMs);
    expect(h.liveChild()?.input.isolated).toBe(true);
  });

  it('heartbeat timeouts count too, and once isolated the crash limit stops it (stopped.killing → halted)', () => {
    const policy: RestartPolicy = { ...NO_JITTER, maxUnstableRuns: 2 };
    const h = createTenantHarness({ policy });
    const silentRun = () => {
      h.ready();
      h.advance(30_000); // no heartbeat: killed
      expect(h.liveChild()?.commands.at(-1)).toBe('KILL');
      const state = h.snapshot.value;
      h.exitClean();
      if (h.top() === 'restarting') h.advance(h.context.retryDelayMs);
      return state;
    };
    expect(silentRun()).toEqual({ restarting: 'killing' });
    expect(silentRun()).toEqual({ restarting: 'killing' }); // the 2nd in a row: isolated
    expect(h.context.isolation?.reason).toBe('crash-loop');
    expect(silentRun()).toEqual({ restarting: 'killing' });
    expect(silentRun()).toEqual({ stopped: 'killing' }); // the 2nd in a row while isolated
    expect(h.snapshot.value).toEqual({ stopped: 'halted' });
    expect(h.context.stoppedReason).toBe('crash-loop');
  });

  it('with isolateOnCrashLoop false a crash loop stops at once; a quarantine still isolates', () => {
    const h = createTenantHarness({ policy: { ...NO_JITTER, isolateOnCrashLoop: false } });
    crashUntil(h, () => h.top() === 'stopped');
    expect(h.context).toMatchObject({ stoppedReason: 'crash-loop', isolation: null });
    h.send({ type: 'TENANT.RESTART' });
    h.exit(BLOCKED);
    expect(h.context.isolation?.reason).toBe('event-loop-blocked');
  });
});

describe('tenant machine: what ends an isolation', () => {
  function isolated(): TenantHarness {
    const h = running();
    h.exit(BLOCKED);
    h.advance(0);
    h.ready();
    expect(h.context.isolation).not.toBeNull();
    return h;
  }

  it('a config change keeps it: the new config starts isolated', () => {
    const h = isolated();
    h.send({ type: 'CONFIG.CHANGED', configHash: 'B' });
    h.exitClean();
    expect(h.liveChild()?.input).toMatchObject({ configHash: 'B', isolated: true });
    expect(h.context.isolation?.reason).toBe('event-loop-blocked');
  });

  it('an operator restart while running clears it: the bot goes back to a shared host', () => {
    const h = isolated();
    h.send({ type: 'TENANT.RESTART' });
    expect(h.context.isolation).toBeNull();
    h.exitClean();
    expect(h.liveChild()?.input.isolated).toBe(false);
  });

  it('an operator restart during the backoff, or while the old child is being stopped, clears it too', () => {
    const h = isolated();
    h.exit();
    expect(h.snapshot.value).toEqual({ restarting: 'backoff' });
    h.send({ type: 'TENANT.RESTART' });
    expect(h.snapshot.value).toBe('starting');
    expect(h.liveChild()?.input.isolated).toBe(false);

    const k = isolated();
    k.send({ type: 'CONFIG.CHANGED', configHash: 'B' }); // restarting.stopping, isolation kept
    k.send({ type: 'TENANT.RESTART' });
    expect(k.context.isolation).toBeNull();
    k.exitClean();
    expect(k.liveChild()?.input).toMatchObject({ configHash: 'B', isolated: false });
  });

  it('disabling keeps it for when the config comes back; a stopped tenant restarted by the operator loses it', () => {
    const h = isolated();
    h.send({ type: 'CONFIG.REMOVED' });
    h.exitClean();
    expect(h.statuses.at(-1)).toMatchObject({
      state: 'stopped',
      reason: 'disabled',
      isolation: 'event-loop-blocked',
    });
    h.send({ type: 'CONFIG.CHANGED', configHash: 'A' });
    expect(h.liveChild()?.input.isolated).toBe(true);
    h.exit({ kind: 'unauthorized', errorCode: 401 });
    expect(h.context.stoppedReason).toBe('invalid-token');
    h.send({ type: 'CONFIG.CHANGED', configHash: 'B' });
    h.send({ type: 'TENANT.RESTART' }); // starting: restart after the exit, as a shared bot
    h.exitClean();
    expect(h.liveChild()?.input).toMatchObject({ configHash: 'B', isolated: false });
  });
});
