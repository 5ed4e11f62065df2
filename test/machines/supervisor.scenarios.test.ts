/**
 * The supervisor with real tenant machines and fake bot processes (SimulatedClock): reconcile add / change /
 * remove, operator restart, a failing tenant, and a shutdown that waits for every tenant.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_RESTART_POLICY } from '../../machines/policy.ts';
import { createSupervisedSystem } from './supervisor-harness.ts';

const policy = { ...DEFAULT_RESTART_POLICY, jitter: 0 };

describe('supervisor with real tenant machines', () => {
  it('reconciles: a new tenant starts its bot; a changed hash restarts only that bot; a removed one stops', () => {
    const s = createSupervisedSystem({ policy });
    s.snapshot([]);
    expect(s.reconciled.at(-1)).toMatchObject({ added: 0, changed: 0, removed: 0, running: 0 });
    s.snapshot([
      ['a', 'h1'],
      ['b', 'h1'],
    ]);
    expect(s.reconciled.at(-1)).toMatchObject({ added: 2, changed: 0, removed: 0, running: 2 });
    s.clock.increment(10);
    expect(s.lastStatus('a')?.state).toBe('running');
    expect(s.lastStatus('b')?.state).toBe('running');
    expect(s.actor.system.get('tenant-a')).toBeDefined();

    s.snapshot([
      ['a', 'h2'],
      ['b', 'h1'],
    ]);
    expect(s.reconciled.at(-1)).toMatchObject({ added: 0, changed: 1, removed: 0, running: 2 });
    const [a1, b1] = s.bots;
    expect(a1?.commands).toEqual(['STOP']);
    expect(b1?.commands).toEqual([]);
    s.clock.increment(1_000); // a1 exits, then a2 starts with h2
    expect(s.liveBots('a').map((b) => b.input)).toEqual([
      { tenantId: 'a', configHash: 'h2', incarnation: 2, isolated: false },
    ]);
    expect(a1?.released).toBe(true);

    s.snapshot([['a', 'h2']]);
    expect(s.reconciled.at(-1)).toMatchObject({ added: 0, changed: 0, removed: 1, running: 1 });
    s.clock.increment(1_000);
    expect(s.lastStatus('b')).toMatchObject({ state: 'stopped', reason: 'disabled' });
    expect(s.liveBots('b')).toEqual([]);

    s.snapshot([['a', 'h2']]); // nothing changed
    expect(s.reconciled.at(-1)).toMatchObject({ added: 0, changed: 0, removed: 0, running: 1 });
    s.snapshot([
      ['a', 'h2'],
      ['b', 'h1'],
    ]); // re-enabled with the same hash: starts again
    expect(s.reconciled.at(-1)).toMatchObject({ added: 1, changed: 0, removed: 0, running: 2 });
    expect(s.liveBots('b')).toHaveLength(1);
    expect(s.bots.filter((b) => b.tenantId === 'a')).toHaveLength(2);
  });

  it('forwards an operator restart to that tenant only', () => {
    const s = createSupervisedSystem({ policy });
    s.snapshot([
      ['a', 'h1'],
      ['b', 'h1'],
    ]);
    s.clock.increment(10);
    s.actor.send({ type: 'TENANT.RESTART', tenantId: 'a', at: s.clock.now() });
    s.actor.send({ type: 'TENANT.RESTART', tenantId: 'nobody', at: s.clock.now() });
    expect(s.bots.map((b) => [b.tenantId, b.commands])).toEqual([
      ['a', ['STOP']],
      ['b', []],
    ]);
    s.clock.increment(1_000);
    expect(s.liveBots('a')[0]?.input.incarnation).toBe(2);
  });

  it('shutdown: STOP to every bot at once, done only when every tenant has stopped', () => {
    const s = createSupervisedSystem({ policy, exitDelayMs: (id) => (id === 'a' ? 500 : 3_000) });
    s.snapshot([
      ['a', 'h1'],
      ['b', 'h1'],
      ['c', 'h1'],
    ]);
    s.clock.increment(10);
    s.snapshot([
      ['a', 'h1'],
      ['b', 'h1'],
    ]); // c is disabled: its machine stays, stopped
    s.clock.increment(3_000);
    s.actor.send({ type: 'SHUTDOWN', at: s.clock.now() });
    expect(s.actor.getSnapshot().value).toEqual({ shuttingDown: 'tenants' });
    expect(s.liveBots().map((b) => [b.tenantId, b.commands])).toEqual([
      ['a', ['STOP']],
      ['b', ['STOP']],
    ]);
    expect(s.actor.getSnapshot().context.awaiting).toEqual(['a', 'b']); // c reported at once
    s.snapshot([['d', 'h1']]); // ignored while shutting down
    expect(s.bots.some((b) => b.tenantId === 'd')).toBe(false);
    s.clock.increment(500);
    expect(s.actor.getSnapshot().context.awaiting).toEqual(['b']);
    s.clock.increment(2_499);
    expect(s.actor.getSnapshot().value).toEqual({ shuttingDown: 'tenants' });
    s.clock.increment(1);
    expect(s.actor.getSnapshot().status).toBe('done');
    expect(s.logs.map((l) => l.event)).toEqual(['shutting-down', 'shutdown-complete']);
    expect(s.bots.every((b) => b.released)).toBe(true);
    // Each is reported stopped (reason shutdown) when stopping begins, and again once its process is gone.
    const shutdownReports = s.statuses.filter((st) => st.reason === 'shutdown');
    expect([...new Set(shutdownReports.map((st) => st.tenantId))]).toEqual(['a', 'b']);
    for (const id of ['a', 'b']) {
      expect(shutdownReports.filter((st) => st.tenantId === id).at(-1)?.pid).toBeNull();
    }
  });

  it('shutdown: a bot that ignores STOP is killed after 5 s, then the supervisor finishes', () => {
    const s = createSupervisedSystem({ policy, exitDelayMs: () => null });
    s.snapshot([['a', 'h1']]);
    s.clock.increment(10);
    s.actor.send({ type: 'SHUTDOWN', at: s.clock.now() });
    s.clock.increment(4_999);
    expect(s.bots[0]?.commands).toEqual(['STOP']);
    s.clock.increment(1);
    expect(s.bots[0]?.commands).toEqual(['STOP', 'KILL']);
    expect(s.actor.getSnapshot().status).toBe('done');
  });

  it('shutdown with no tenant is done at once', () => {
    const s = createSupervisedSystem({ policy });
    s.actor.send({ type: 'SHUTDOWN', at: 0 });
    expect(s.actor.getSnapshot().status).toBe('done');
  });

  it('a tenant machine that fails affects no other tenant, and the next snapshot respawns it', () => {
    const s = createSupervisedSystem({ policy, failStatusFor: 'b' });
    s.snapshot([
      ['a', 'h1'],
      ['b', 'h1'],
    ]);
    s.clock.increment(10); // b's reportStatus('running') throws: b's machine fails
    expect(s.logs.at(-1)).toMatchObject({ event: 'tenant-failed', tenantIds: ['b'] });
    expect(s.liveBots('b')).toEqual([]); // its bot process was released with it (no orphan)
    expect(s.lastStatus('a')?.state).toBe('running');
    expect(s.actor.getSnapshot().status).toBe('active');
    s.snapshot([
      ['a', 'h1'],
      ['b', 'h1'],
    ]);
    expect(s.reconciled.at(-1)).toMatchObject({ added: 1, changed: 0 });
    expect(s.liveBots('b')).toHaveLength(1);
    expect(s.liveBots('a')[0]?.commands).toEqual([]);
  });
});
