/**
 * Scenario tests of the tenant machine, part 1: start, config changes, unexpected exits and backoff, the crash
 * loop — the restart policy's rules one by one, with a SimulatedClock (time moves only when the test advances
 * it) and fake child processes. Part 2: tenant.faults.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_RESTART_POLICY, type RestartPolicy } from '../../machines/policy.ts';
import { createTenantHarness, NO_JITTER, type TenantHarness } from './harness.ts';

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

describe('tenant machine: the error shown with a stop', () => {
  it('forgets the error of a failed run once a later run has started', () => {
    const h = running(createTenantHarness({ policy: NO_JITTER }));
    h.exit();
    expect(h.statuses.at(-1)).toMatchObject({ state: 'restarting', detail: 'exit code 1' });
    h.advance(DEFAULT_RESTART_POLICY.maxBackoffMs);
    h.ready();
    h.send({ type: 'CONFIG.REMOVED' });
    h.exitClean();
    const last = h.statuses.at(-1);
    expect(last).toMatchObject({ state: 'stopped', reason: 'disabled' });
    expect(last?.detail).toBeNull();
  });
});

describe('tenant machine: start', () => {
  it('spawns child-1 with tenantId, config hash and incarnation, then runs on CHILD.READY', () => {
    const h = createTenantHarness();
    expect(h.snapshot.value).toBe('starting');
    expect(h.children.map((c) => [c.id, c.input])).toEqual([
      ['child-1', { tenantId: 't1', configHash: 'A', incarnation: 1, isolated: false }],
    ]);
    h.advance(1_500);
    h.ready(4242);
    expect(h.snapshot.value).toEqual({ running: 'healthy' });
    expect(h.context).toMatchObject({ pid: 4242, botUsername: 'lottery_bot', since: 1_500, restarts: 0 });
    expect(h.statuses.map((s) => s.state)).toEqual(['idle', 'starting', 'running']);
    expect(h.statuses.at(-1)).toMatchObject({
      tenantId: 't1',
      pid: 4242,
      botUsername: 'lottery_bot',
      at: 1_500,
    });
    expect(h.logCodes()).toEqual(['starting', 'started']);
  });

  it('waits in idle without a config and starts on CONFIG.CHANGED', () => {
    const h = createTenantHarness({ configHash: null });
    expect(h.snapshot.value).toBe('idle');
    expect(h.children).toHaveLength(0);
    h.advance(10_000);
    h.send({ type: 'CONFIG.CHANGED', configHash: 'B' });
    expect(h.snapshot.value).toBe('starting');
    expect(h.children[0]?.input.configHash).toBe('B');
  });

  it('never puts the token in the context', () => {
    const h = running();
    expect(Object.keys(h.context)).not.toContain('token');
    expect(JSON.stringify(h.context)).not.toMatch(/token"/);
  });
});

describe('tenant machine: config change', () => {
  it('stops the old child, waits for its exit, starts the new one with no backoff', () => {
    const h = running();
    h.advance(5_000);
    h.send({ type: 'CONFIG.CHANGED', configHash: 'B' });
    expect(h.snapshot.value).toEqual({ restarting: 'stopping' });
    expect(h.children[0]?.commands).toEqual(['STOP']);
    h.advance(3_000);
    expect(h.children).toHaveLength(1); // F1: nothing new before the exit
    h.exitClean();
    expect(h.snapshot.value).toBe('starting');
    expect(h.children.map((c) => [c.id, c.input.configHash, c.released])).toEqual([
      ['child-1', 'A', true],
      ['child-2', 'B', false],
    ]);
    expect(h.context).toMatchObject({ configHash: 'B', pendingConfigHash: null, restarts: 1 });
    expect(h.logCodes()).toContain('restarting-config');
    expect(h.violations).toEqual([]);
  });

  it('remembers the newest hash while stopping and starts it after the exit', () => {
    const h = running();
    h.send({ type: 'CONFIG.CHANGED', configHash: 'B' });
    h.send({ type: 'CONFIG.CHANGED', configHash: 'C' });
    h.exitClean();
    expect(h.children[1]?.input.configHash).toBe('C');
  });

  it('ignores a CONFIG.CHANGED with the hash already running', () => {
    const h = running();
    h.send({ type: 'CONFIG.CHANGED', configHash: 'A' });
    expect(h.snapshot.value).toEqual({ running: 'healthy' });
    expect(h.children[0]?.commands).toEqual([]);
  });

  it('cancels a pending backoff and starts the new config now', () => {
    const h = running();
    h.exit();
    expect(h.snapshot.value).toEqual({ restarting: 'backoff' });
    h.send({ type: 'CONFIG.CHANGED', configHash: 'B' });
    expect(h.snapshot.value).toBe('starting');
    h.advance(120_000); // the cancelled backoff timer must not start another child
    expect(h.children.map((c) => c.input.configHash)).toEqual(['A', 'B']);
    expect(h.violations).toEqual([]);
  });

  it('while starting: stops the half-started child before starting the new config', () => {
    const h = createTenantHarness();
    h.send({ type: 'CONFIG.CHANGED', configHash: 'B' });
    expect(h.children[0]?.commands).toEqual(['STOP']);
    h.ready(); // became ready just after STOP: ignored
    expect(h.snapshot.value).toEqual({ restarting: 'stopping' });
    h.exitClean();
    expect(h.children[1]?.input.configHash).toBe('B');
  });
});

describe('tenant machine: unexpected exits and backoff', () => {
  it('restarts after 1 s, 2 s, 4 s (jitter off), and the attempt counter resets after 60 s stable', () => {
    const h = running();
    const delays: number[] = [];
    for (const expected of [1_000, 2_000, 4_000]) {
      h.exit();
      expect(h.snapshot.value).toEqual({ restarting: 'backoff' });
      delays.push(h.context.retryDelayMs);
      h.advance(expected - 1);
      expect(h.snapshot.value).toEqual({ restarting: 'backoff' });
      h.advance(1);
      expect(h.snapshot.value).toBe('starting');
    }
    expect(delays).toEqual([1_000, 2_000, 4_000]);
    expect(h.logs.filter((l) => l.event === 'exited-unexpectedly').map((l) => l.delayMs)).toEqual(delays);
    h.ready();
    healthyFor(h, 60_000);
    expect(h.context.backoffAttempt).toBe(0);
    h.exit();
    expect(h.context.retryDelayMs).toBe(1_000);
    expect(h.context.restarts).toBe(3);
  });

  it('a crash before CHILD.READY restarts with backoff too', () => {
    const h = createTenantHarness();
    h.exit({ kind: 'other', description: 'ETIMEDOUT' });
    expect(h.snapshot.value).toEqual({ restarting: 'backoff' });
    expect(h.context.lastError).toBe('other: ETIMEDOUT');
    expect(h.children[0]?.released).toBe(true);
  });

  it('caps the backoff at 60 s', () => {
    const h = createTenantHarness({ policy: { ...NO_JITTER, maxUnexpectedExits: 100 } });
    for (let i = 0; i < 9; i++) {
      h.exit();
      h.advance(h.context.retryDelayMs);
      expect(h.snapshot.value).toBe('starting');
    }
    expect(h.logs.filter((l) => l.delayMs !== undefined).map((l) => l.delayMs)).toEqual([
      1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000,
    ]);
  });

  it('jitter stays within ±20 % and is reproducible from the seed', () => {
    const delaysFor = (seed: number) => {
      const h = createTenantHarness({ policy: DEFAULT_RESTART_POLICY, jitterSeed: seed });
      const out: number[] = [];
      for (let i = 0; i < 4; i++) {
        h.exit();
        out.push(h.context.retryDelayMs);
        h.advance(h.context.retryDelayMs);
      }
      return out;
    };
    const a = delaysFor(7);
    expect(delaysFor(7)).toEqual(a);
    expect(delaysFor(8)).not.toEqual(a);
    a.forEach((d, i) => {
      expect(d).toBeGreaterThanOrEqual(1_000 * 2 ** i * 0.8);
      expect(d).toBeLessThanOrEqual(1_000 * 2 ** i * 1.2);
    });
  });

  // The crash-loop rules themselves, as with a host per bot (botsPerHost 1: isolateOnCrashLoop false); with
  // shared hosts a bot is isolated first (tenant.isolation.test.ts).
  const PER_BOT: RestartPolicy = { ...NO_JITTER, isolateOnCrashLoop: false };

  it('more than 5 unexpected exits within 60 s → stopped, reason crash-loop, no more restarts', () => {
    const h = createTenantHarness({ policy: PER_BOT });
    for (let i = 0; i < 5; i++) {
      h.exit();
      expect(h.snapshot.value).toEqual({ restarting: 'backoff' });
      h.advance(h.context.retryDelayMs);
    }
    expect(h.clock.now()).toBe(31_000); // 1 + 2 + 4 + 8 + 16 s
    h.exit(); // the 6th within 60 s
    expect(h.snapshot.value).toEqual({ stopped: 'halted' });
    expect(h.context.stoppedReason).toBe('crash-loop');
    expect(h.statuses.at(-1)).toMatchObject({ state: 'stopped', reason: 'crash-loop', restarts: 5 });
    expect(h.logCodes()).toContain('crash-loop');
    h.advance(600_000);
    expect(h.children).toHaveLength(6);
  });

  it('a bot killed some seconds after every start: stopped crash-loop at the 10th unstable exit in a row', () => {
    // each run lasts 20 s, so with the backoff (1, 2, 4 … 60 s) no 60 s window ever holds 6 exits
    const h = createTenantHarness({ policy: PER_BOT });
    const exitsAt: number[] = [];
    while (h.top() !== 'stopped') {
      h.ready();
      healthyFor(h, 20_000);
      exitsAt.push(h.clock.now());
      h.exit(); // killed from outside
      if (h.top() === 'restarting') h.advance(h.context.retryDelayMs);
    }
    expect(exitsAt).toHaveLength(10);
    const perWindow = exitsAt.map((t) => exitsAt.filter((u) => u <= t && t - u < 60_000).length);
    expect(Math.max(...perWindow)).toBeLessThanOrEqual(5); // the 60 s rule alone would never have fired
    expect(h.context.stoppedReason).toBe('crash-loop');
    expect(h.statuses.at(-1)).toMatchObject({ state: 'stopped', reason: 'crash-loop', restarts: 9 });
    h.advance(600_000);
    expect(h.children).toHaveLength(10);
  });

  it('a run that reached 60 s of stable running resets the count of unstable exits', () => {
    const h = createTenantHarness({ policy: PER_BOT });
    const cycle = (runMs: number) => {
      h.ready();
      healthyFor(h, runMs);
      h.exit();
      h.advance(h.context.retryDelayMs);
    };
    for (let i = 0; i < 9; i++) cycle(20_000);
    expect(h.context.unstableRuns).toBe(9);
    cycle(70_000); // stable: the count restarts from this exit
    expect(h.context.unstableRuns).toBe(1);
    for (let i = 0; i < 8; i++) cycle(20_000);
    expect(h.top()).toBe('starting');
  });

  it('exits spread over more than 60 s are not a crash loop', () => {
    const h = createTenantHarness();
    for (let i = 0; i < 8; i++) {
      h.exit();
      h.advance(h.context.retryDelayMs);
      h.ready();
      healthyFor(h, 30_000);
    }
    expect(h.top()).toBe('running');
  });
});
