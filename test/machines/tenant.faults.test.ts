/**
 * Scenario tests of the tenant machine, part 2: Telegram fatal errors (F1, F3), heartbeat / start / stop
 * timeouts (F6, F18), the stopped state, operator restarts and shutdown. SimulatedClock, fake children.
 */
import { describe, expect, it } from 'vitest';
import { createTenantHarness, type TenantHarness } from './harness.ts';

/** Brings a fresh harness to `running` with child-1. */
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

describe('tenant machine: Telegram fatal errors', () => {
  it('401 → stopped invalid-token, no restart until the config hash changes', () => {
    const h = running();
    h.exit({ kind: 'unauthorized', errorCode: 401, description: 'Unauthorized' });
    expect(h.snapshot.value).toEqual({ stopped: 'halted' });
    expect(h.context).toMatchObject({
      stoppedReason: 'invalid-token',
      lastError: 'unauthorized 401: Unauthorized',
    });
    expect(h.statuses.at(-1)).toMatchObject({ state: 'stopped', reason: 'invalid-token' });
    h.advance(3_600_000);
    h.send({ type: 'CONFIG.CHANGED', configHash: 'A' }); // same hash: still invalid
    expect(h.children).toHaveLength(1);
    h.send({ type: 'CONFIG.CHANGED', configHash: 'B' });
    expect(h.snapshot.value).toBe('starting');
    expect(h.children[1]?.input.configHash).toBe('B');
    expect(h.context.stoppedReason).toBeNull();
  });

  it('409 repeatedly → retried with backoff for 90 s since the first conflict, then token-conflict', () => {
    const h = running();
    const conflict = {
      kind: 'conflict' as const,
      errorCode: 409,
      description: 'Conflict: terminated by other getUpdates request',
    };
    const exitsAt: number[] = [];
    while (h.top() !== 'stopped') {
      exitsAt.push(h.clock.now());
      h.exit(conflict);
      if (h.top() === 'restarting') h.advance(h.context.retryDelayMs);
    }
    expect(exitsAt).toEqual([0, 1_000, 3_000, 7_000, 15_000, 31_000, 63_000, 123_000]);
    expect(h.context.stoppedReason).toBe('token-conflict'); // not crash-loop, although 7 exits came within 63 s
    expect(h.statuses.at(-1)).toMatchObject({ state: 'stopped', reason: 'token-conflict' });
    expect(h.logCodes().filter((c) => c === 'conflict')).toHaveLength(7);
  });

  it('a conflict series ends after 60 s of stable running', () => {
    const h = running();
    h.exit({ kind: 'conflict', errorCode: 409 });
    h.advance(1_000);
    h.ready();
    healthyFor(h, 100_000);
    h.exit({ kind: 'conflict', errorCode: 409 });
    expect(h.snapshot.value).toEqual({ restarting: 'backoff' });
    expect(h.context.conflictSince).toBe(101_000);
  });
});

describe('tenant machine: heartbeat, start and stop timeouts', () => {
  it('no heartbeat for 30 s → KILL, restart only after the exit, counted as an unexpected exit', () => {
    const h = running();
    healthyFor(h, 120_000);
    h.advance(29_999);
    expect(h.children[0]?.commands).toEqual([]);
    h.advance(1);
    expect(h.snapshot.value).toEqual({ restarting: 'killing' });
    expect(h.children[0]?.commands).toEqual(['KILL']);
    expect(h.context).toMatchObject({ lastError: 'heartbeat-timeout', recentExits: [150_000] });
    expect(h.logs.at(-1)).toMatchObject({
      event: 'killed-heartbeat',
      detail: 'heartbeat-timeout',
      delayMs: 1_000,
    });
    expect(h.statuses.at(-1)).toMatchObject({ state: 'restarting', detail: 'heartbeat-timeout' });
    h.advance(10_000);
    expect(h.children).toHaveLength(1);
    h.exitClean();
    expect(h.snapshot.value).toEqual({ restarting: 'backoff' });
    h.advance(1_000);
    expect(h.snapshot.value).toBe('starting');
    expect(h.violations).toEqual([]);
  });

  it('heartbeats whose last poll is stale do not count (F18)', () => {
    const h = running();
    for (let i = 0; i < 3; i++) {
      h.advance(10_000);
      h.childSays({ type: 'CHILD.HEARTBEAT', lastPollAt: h.clock.now() - 31_000 });
    }
    expect(h.snapshot.value).toEqual({ restarting: 'killing' });
  });

  it("429 on polling → degraded (reason polling-failing, Telegram's answer) at the first such heartbeat", () => {
    const h = running();
    const since = h.context.since;
    h.advance(5_000);
    const lastPoll = h.clock.now() - 1_000;
    const pollError = { since: lastPoll, errorCode: 429, description: 'Too Many Requests: retry after 5' };
    h.childSays({ type: 'CHILD.HEARTBEAT', lastPollAt: lastPoll, pollError });
    expect(h.snapshot.value).toEqual({ running: 'healthy' });
    expect(h.statuses.at(-1)).toMatchObject({
      state: 'running',
      reason: 'polling-failing',
      detail: 'getUpdates 429: Too Many Requests: retry after 5',
      pollFailingSince: lastPoll,
      pollErrorCode: 429,
      at: since,
    });
    expect(h.logCodes().filter((c) => c === 'polling-failing')).toHaveLength(1);
    // Still failing: reported again (the answer may change), logged once.
    h.advance(5_000);
    h.childSays({
      type: 'CHILD.HEARTBEAT',
      lastPollAt: lastPoll,
      pollError: { ...pollError, errorCode: 502 },
    });
    expect(h.statuses.at(-1)).toMatchObject({ reason: 'polling-failing', pollErrorCode: 502 });
    expect(h.logCodes().filter((c) => c === 'polling-failing')).toHaveLength(1);
    // A getUpdates succeeds: running again, no reason.
    h.advance(5_000);
    h.heartbeat();
    expect(h.statuses.at(-1)).toMatchObject({
      state: 'running',
      reason: null,
      detail: null,
      pollFailingSince: null,
    });
    expect(h.logCodes()).toContain('polling-recovered');
    expect(h.violations).toEqual([]);
  });

  it('polling that never recovers is still killed after the heartbeat timeout (F18)', () => {
    const h = running();
    const lastPoll = h.clock.now();
    const pollError = { since: lastPoll, errorCode: 500, description: 'Internal Server Error' };
    for (let i = 0; i < 3; i++) {
      h.advance(10_000);
      h.childSays({ type: 'CHILD.HEARTBEAT', lastPollAt: lastPoll, pollError });
    }
    expect(h.snapshot.value).toEqual({ restarting: 'killing' });
    expect(h.logCodes()).toContain('killed-heartbeat');
  });

  it('starting for over 30 s → KILL and retry with backoff', () => {
    const h = createTenantHarness();
    h.advance(29_999);
    expect(h.snapshot.value).toBe('starting');
    h.advance(1);
    expect(h.snapshot.value).toEqual({ restarting: 'killing' });
    expect(h.children[0]?.commands).toEqual(['KILL']);
    expect(h.logCodes()).toContain('killed-start-timeout');
    h.exitClean();
    h.advance(1_000);
    expect(h.snapshot.value).toBe('starting');
    expect(h.children).toHaveLength(2);
  });

  it('stop: STOP, then KILL after 5 s, then wait for the exit event', () => {
    const h = running();
    h.send({ type: 'CONFIG.REMOVED' });
    expect(h.snapshot.value).toEqual({ stopped: 'stopping' });
    expect(h.statuses.at(-1)).toMatchObject({ state: 'stopped', reason: 'disabled' });
    h.advance(4_999);
    expect(h.children[0]?.commands).toEqual(['STOP']);
    h.advance(1);
    expect(h.children[0]?.commands).toEqual(['STOP', 'KILL']);
    expect(h.snapshot.value).toEqual({ stopped: 'killing' });
    h.advance(60_000);
    expect(h.snapshot.value).toEqual({ stopped: 'killing' });
    h.exitClean();
    expect(h.snapshot.value).toEqual({ stopped: 'halted' });
    expect(h.children[0]?.released).toBe(true);
  });

  it('a stop timeout during a config restart also kills, then starts the new config', () => {
    const h = running();
    h.send({ type: 'CONFIG.CHANGED', configHash: 'B' });
    h.advance(5_000);
    expect(h.snapshot.value).toEqual({ restarting: 'killing' });
    h.exitClean();
    expect(h.children[1]?.input.configHash).toBe('B');
  });
});

describe('tenant machine: stopped, operator restart, shutdown', () => {
  it('disabled → re-enabled with the same hash starts again; TENANT.RESTART does not start a disabled tenant', () => {
    const h = running();
    h.send({ type: 'CONFIG.REMOVED' });
    h.exitClean();
    h.send({ type: 'TENANT.RESTART' });
    expect(h.snapshot.value).toEqual({ stopped: 'halted' });
    h.send({ type: 'CONFIG.CHANGED', configHash: 'A' });
    expect(h.snapshot.value).toBe('starting');
  });

  it('TENANT.RESTART from stopped (crash-loop) starts again with counters reset and the isolation cleared', () => {
    const h = createTenantHarness();
    while (h.top() !== 'stopped') {
      h.exit();
      if (h.top() === 'restarting') h.advance(h.context.retryDelayMs);
    }
    // it crash-looped in a shared host (isolated), then again in its own host (stopped)
    expect(h.context.stoppedReason).toBe('crash-loop');
    expect(h.context.isolation?.reason).toBe('crash-loop');
    h.send({ type: 'TENANT.RESTART' });
    expect(h.snapshot.value).toBe('starting');
    expect(h.context).toMatchObject({
      stoppedReason: null,
      backoffAttempt: 0,
      recentExits: [],
      unstableRuns: 0,
      isolation: null,
    });
    expect(h.liveChild()?.input.isolated).toBe(false);
    expect(h.statuses.at(-1)).toMatchObject({ state: 'starting', isolation: null });
    h.exit();
    expect(h.context.retryDelayMs).toBe(1_000);
  });

  it('TENANT.RESTART while running restarts now, after the exit', () => {
    const h = running();
    h.send({ type: 'TENANT.RESTART' });
    expect(h.snapshot.value).toEqual({ restarting: 'stopping' });
    h.exitClean();
    expect(h.snapshot.value).toBe('starting');
  });

  it('a CONFIG.CHANGED while stopping for disable starts the new config after the exit', () => {
    const h = running();
    h.send({ type: 'CONFIG.REMOVED' });
    h.send({ type: 'CONFIG.CHANGED', configHash: 'B' });
    h.exitClean();
    expect(h.snapshot.value).toBe('starting');
    expect(h.children[1]?.input.configHash).toBe('B');
  });

  it('SHUTDOWN: STOP, wait for the exit, then the final state', () => {
    const h = running();
    h.send({ type: 'TENANT.SHUTDOWN' });
    expect(h.snapshot.value).toEqual({ stopped: 'stopping' });
    h.send({ type: 'CONFIG.CHANGED', configHash: 'B' }); // ignored while shutting down
    h.exitClean();
    expect(h.snapshot.value).toBe('terminated');
    expect(h.snapshot.status).toBe('done');
    expect(h.children).toHaveLength(1);
    expect(h.logCodes().slice(-2)).toEqual(['stopping-shutdown', 'terminated']);
  });

  it('SHUTDOWN in a stopped tenant keeps its reason', () => {
    const h = running();
    h.exit({ kind: 'unauthorized', errorCode: 401 });
    const before = h.statuses.length;
    h.send({ type: 'TENANT.SHUTDOWN' });
    expect(h.snapshot.value).toBe('terminated');
    expect(h.statuses.length).toBe(before);
  });

  it('events of a released child cannot reach the machine', () => {
    const h = running();
    const old = h.children[0];
    h.send({ type: 'CONFIG.CHANGED', configHash: 'B' });
    h.exitClean();
    old?.sendBack({ type: 'CHILD.READY', pid: 1, botUsername: 'old', at: h.clock.now() });
    old?.sendBack({ type: 'CHILD.EXIT', code: 1, signal: null, at: h.clock.now() });
    expect(h.snapshot.value).toBe('starting');
    expect(h.context.pid).toBeNull();
  });
});
