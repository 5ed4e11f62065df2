/**
 * Scenario tests of the tenant machine's config events besides CONFIG.CHANGED / CONFIG.REMOVED: an operator's
 * restart request stored with the config (CONFIG.RESTART_REQUESTED, answered once per new request) and a
 * config that can never start (CONFIG.UNUSABLE, or `unusable` at spawn), with fake children and a
 * SimulatedClock.
 */
import { describe, expect, it } from 'vitest';
import type { TenantCommand, Unusable } from '../../machines/tenant.ts';
import { createTenantHarness, type HarnessOptions, NO_JITTER, type TenantHarness } from './harness.ts';

const NOT_A_TOKEN: Unusable = {
  reason: 'invalid-token',
  detail: 'the stored token is not a bot token; save the token again',
  problem: 'the stored token is not a bot token',
};
const TAKEN: Unusable = {
  reason: 'token-conflict',
  detail: 'this bot is configured for another tenant; give this tenant a bot of its own',
  problem: 'the same bot is configured for another tenant',
};

type Unstamped<E> = E extends unknown ? Omit<E, 'at'> : never;
const request = (requestedAt: number): Unstamped<TenantCommand> => ({
  type: 'CONFIG.RESTART_REQUESTED',
  requestedAt,
});
const unusable = (u: Unusable): Unstamped<TenantCommand> => ({ type: 'CONFIG.UNUSABLE', ...u });

/** A fresh harness brought to `running` with child-1. */
function running(options: HarnessOptions = {}): TenantHarness {
  const h = createTenantHarness(options);
  h.ready();
  expect(h.snapshot.value).toEqual({ running: 'healthy' });
  return h;
}

/** How many times the operator restart was acted on (one log line each). */
const restartsActedOn = (h: TenantHarness) => h.logCodes().filter((c) => c === 'restarting-operator').length;

describe('tenant machine: restart requests stored with the config', () => {
  it('a restart request seen twice is acted on once', () => {
    const h = running();
    h.advance(1_000);
    h.send(request(50_000));
    expect(h.snapshot.value).toEqual({ restarting: 'stopping' });
    h.exitClean();
    h.ready();
    expect(h.context.lastRestartRequestAt).toBe(50_000);
    h.advance(10_000);
    h.send(request(50_000)); // the next config read still holds the same request
    expect(h.snapshot.value).toEqual({ running: 'healthy' });
    expect(h.children.map((c) => c.id)).toEqual(['child-1', 'child-2']);
    expect(restartsActedOn(h)).toBe(1);
  });

  it('a request older than the last one acted on is ignored; a newer one restarts again', () => {
    const h = running();
    h.send(request(50_000));
    h.exitClean();
    h.ready();
    h.advance(5_000);
    h.send(request(49_999));
    expect(h.snapshot.value).toEqual({ running: 'healthy' });
    expect(h.context.lastRestartRequestAt).toBe(50_000);
    expect(h.children).toHaveLength(2);
    h.send(request(50_001));
    expect(h.snapshot.value).toEqual({ restarting: 'stopping' });
    expect(restartsActedOn(h)).toBe(2);
  });

  it('the request already stored at spawn counts as answered: only a later one restarts', () => {
    const h = running({ restartRequestedAt: 50_000 });
    h.send(request(50_000));
    expect(h.snapshot.value).toEqual({ running: 'healthy' });
    h.send(request(60_000));
    expect(h.snapshot.value).toEqual({ restarting: 'stopping' });
  });

  it('is an operator restart: from stopped (crash-loop) it starts again with the counters reset', () => {
    const h = createTenantHarness({ policy: { ...NO_JITTER, isolateOnCrashLoop: false } });
    for (let i = 0; i < 10 && h.top() !== 'stopped'; i++) {
      h.exit();
      if (h.top() === 'restarting') h.advance(h.context.retryDelayMs);
    }
    expect(h.context.stoppedReason).toBe('crash-loop');
    h.send(request(70_000));
    expect(h.snapshot.value).toBe('starting');
    expect(h.context).toMatchObject({ recentExits: [], unstableRuns: 0, stoppedReason: null });
  });

  it('a new request that cannot be acted on (the config is disabled) is answered all the same', () => {
    const h = running();
    h.send({ type: 'CONFIG.REMOVED' });
    h.exitClean();
    h.send(request(80_000));
    expect(h.snapshot.value).toEqual({ stopped: 'halted' });
    expect(h.context.lastRestartRequestAt).toBe(80_000);
    h.send({ type: 'CONFIG.CHANGED', configHash: 'A' });
    h.send(request(80_000));
    expect(h.snapshot.value).toBe('starting');
    expect(restartsActedOn(h)).toBe(0);
  });
});

describe('tenant machine: a config that can never start', () => {
  it('spawned unusable: stopped with its reason and detail, no bot, no idle report; a usable config runs it', () => {
    const h = createTenantHarness({ configHash: null, unusable: NOT_A_TOKEN });
    expect(h.snapshot.value).toEqual({ stopped: 'halted' });
    expect(h.children).toHaveLength(0);
    expect(h.statuses.map((s) => [s.state, s.reason, s.detail])).toEqual([
      ['stopped', 'invalid-token', NOT_A_TOKEN.detail],
      ['stopped', 'invalid-token', NOT_A_TOKEN.detail],
    ]);
    expect(h.logs).toMatchObject([
      { event: 'unusable', detail: NOT_A_TOKEN.problem, reason: 'invalid-token' },
    ]);
    // an operator restart cannot run it
    h.send({ type: 'TENANT.RESTART' });
    expect(h.snapshot.value).toEqual({ stopped: 'halted' });
    h.advance(2_000);
    h.send({ type: 'CONFIG.CHANGED', configHash: 'A' });
    expect(h.snapshot.value).toBe('starting');
    expect(h.children[0]?.input.configHash).toBe('A');
    h.ready();
    expect(h.snapshot.value).toEqual({ running: 'healthy' });
    expect(h.statuses.at(-1)).toMatchObject({ state: 'running', reason: null, detail: null });
    expect(h.context.unusable).toBeNull();
  });

  it('unusable while running stops the bot: STOP, the reason shown at once, halted once the bot has exited', () => {
    const h = running();
    h.advance(3_000);
    h.send(unusable(TAKEN));
    expect(h.snapshot.value).toEqual({ stopped: 'stopping' });
    expect(h.children[0]?.commands).toEqual(['STOP']);
    expect(h.statuses.at(-1)).toMatchObject({
      state: 'stopped',
      reason: 'token-conflict',
      detail: TAKEN.detail,
    });
    h.exitClean();
    expect(h.snapshot.value).toEqual({ stopped: 'halted' });
    expect(h.statuses.at(-1)).toMatchObject({ state: 'stopped', reason: 'token-conflict', pid: null });
    expect(h.logCodes().filter((c) => c === 'unusable')).toHaveLength(1);
    expect(h.logCodes()).not.toContain('stopping-disabled');
  });

  it('unusable → usable with the very hash it had (the other tenant gave the bot up) → running', () => {
    const h = running();
    h.send(unusable(TAKEN));
    h.exitClean();
    h.send({ type: 'CONFIG.CHANGED', configHash: 'A' });
    expect(h.snapshot.value).toBe('starting');
    h.ready();
    expect(h.snapshot.value).toEqual({ running: 'healthy' });
    expect(h.children.map((c) => [c.id, c.input.configHash])).toEqual([
      ['child-1', 'A'],
      ['child-2', 'A'],
    ]);
  });

  it('the same reason again changes nothing; another reason is shown and logged', () => {
    const h = createTenantHarness({ configHash: null, unusable: NOT_A_TOKEN });
    const reports = h.statuses.length;
    h.send(unusable(NOT_A_TOKEN));
    expect([h.statuses.length, h.logs.length]).toEqual([reports, 1]);
    h.send(unusable(TAKEN));
    expect(h.statuses.at(-1)).toMatchObject({
      state: 'stopped',
      reason: 'token-conflict',
      detail: TAKEN.detail,
    });
    expect(h.logCodes()).toEqual(['unusable', 'unusable']);
  });

  it('a usable config queued while the bot stops, then unusable again: the start is dropped', () => {
    const h = running();
    h.send(unusable(TAKEN));
    h.send({ type: 'CONFIG.CHANGED', configHash: 'B' });
    expect(h.context.pendingConfigHash).toBe('B');
    h.send(unusable(TAKEN));
    expect(h.context.pendingConfigHash).toBeNull();
    h.exitClean();
    expect(h.snapshot.value).toEqual({ stopped: 'halted' });
    expect(h.children).toHaveLength(1);
  });

  it('unusable during a restart abandons it: from the backoff to halted, from a stop to the stop', () => {
    const backoff = running();
    backoff.exit();
    expect(backoff.snapshot.value).toEqual({ restarting: 'backoff' });
    backoff.send(unusable(NOT_A_TOKEN));
    expect(backoff.snapshot.value).toEqual({ stopped: 'halted' });
    backoff.advance(60_000);
    expect(backoff.children).toHaveLength(1);

    const stopping = running();
    stopping.send({ type: 'CONFIG.CHANGED', configHash: 'B' });
    stopping.send(unusable(NOT_A_TOKEN));
    expect(stopping.snapshot.value).toEqual({ stopped: 'stopping' });
    stopping.exitClean();
    expect(stopping.snapshot.value).toEqual({ stopped: 'halted' });
    expect(stopping.context).toMatchObject({ stoppedReason: 'invalid-token', pendingConfigHash: null });
  });

  it('deleted while unusable: stopped as disabled, so the status is dropped', () => {
    const h = createTenantHarness({ configHash: null, unusable: NOT_A_TOKEN });
    h.send({ type: 'CONFIG.REMOVED' });
    expect(h.statuses.at(-1)).toMatchObject({ state: 'stopped', reason: 'disabled' });
    expect(h.context.unusable).toBeNull();
  });

  it('ignored during a shutdown', () => {
    const h = running();
    h.send({ type: 'TENANT.SHUTDOWN' });
    h.send(unusable(NOT_A_TOKEN));
    expect(h.context.stoppedReason).toBe('shutdown');
    h.exitClean();
    expect(h.snapshot.status).toBe('done');
  });
});
