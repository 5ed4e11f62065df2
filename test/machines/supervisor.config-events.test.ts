/**
 * The supervisor with real tenant machines and fake bot processes (SimulatedClock), fed snapshots that carry
 * configs that can never start and operator restart requests: what reaches each tenant, and the statuses its
 * machine reports (the only statuses there are). planReconcile's part alone is unit-tested here too.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_RESTART_POLICY } from '../../machines/policy.ts';
import { planReconcile, type TenantConfig, type UnusableTenantConfig } from '../../machines/supervisor.ts';
import { createSupervisedSystem } from './supervisor-harness.ts';

const policy = { ...DEFAULT_RESTART_POLICY, jitter: 0 };

const usable = (
  tenantId: string,
  configHash: string,
  restartRequestedAt: number | null = null,
): TenantConfig => ({
  tenantId,
  tenantName: `Tenant ${tenantId}`,
  configHash,
  restartRequestedAt,
});
const broken = (tenantId: string, reason: UnusableTenantConfig['reason']): UnusableTenantConfig => ({
  tenantId,
  tenantName: `Tenant ${tenantId}`,
  reason,
  detail: `detail of ${reason}`,
  problem: `problem of ${reason}`,
});

type System = ReturnType<typeof createSupervisedSystem>;
function snapshot(s: System, configs: TenantConfig[], unusable: UnusableTenantConfig[] = []) {
  s.actor.send({ type: 'CONFIG.SNAPSHOT', configs, unusable, at: s.clock.now() });
}
const statesOf = (s: System, tenantId: string) =>
  s.statuses.filter((x) => x.tenantId === tenantId).map((x) => [x.state, x.reason]);

describe('planReconcile: unusable configs and restart requests', () => {
  it('spawns an unusable tenant apart, tells a known one once per reason, removes it once gone', () => {
    const first = planReconcile({}, [usable('a', 'h1')], [broken('b', 'invalid-token')]);
    expect(first.spawn.map((c) => c.tenantId)).toEqual(['a']);
    expect(first.spawnUnusable).toEqual([broken('b', 'invalid-token')]);
    expect(first.tenants.b).toEqual({ tenantName: 'Tenant b', configHash: null, unusable: 'invalid-token' });

    const again = planReconcile(first.tenants, [usable('a', 'h1')], [broken('b', 'invalid-token')]);
    expect([again.spawnUnusable, again.unusable, again.remove]).toEqual([[], [], []]);

    const turned = planReconcile(
      again.tenants,
      [],
      [broken('a', 'token-conflict'), broken('b', 'token-unreadable')],
    );
    expect(turned.unusable.map((u) => [u.tenantId, u.reason])).toEqual([
      ['a', 'token-conflict'],
      ['b', 'token-unreadable'],
    ]);
    expect(turned.remove).toEqual([]);

    const gone = planReconcile(turned.tenants, [usable('a', 'h1')]);
    expect(gone.change.map((c) => c.tenantId)).toEqual(['a']);
    expect(gone.reenabled).toBe(1);
    expect(gone.remove).toEqual(['b']);
    expect(gone.tenants.b).toEqual({ tenantName: 'Tenant b', configHash: null });
  });

  it('a tenant in both lists counts as usable', () => {
    const plan = planReconcile({}, [usable('a', 'h1')], [broken('a', 'invalid-token')]);
    expect([plan.spawn.length, plan.spawnUnusable.length]).toEqual([1, 0]);
  });

  it('forwards a restart request once, keeps it across reads without one, never for a new tenant', () => {
    const spawned = planReconcile({}, [usable('a', 'h1', 100)]);
    expect(spawned.restart).toEqual([]);
    expect(spawned.tenants.a?.restartRequestedAt).toBe(100);
    const same = planReconcile(spawned.tenants, [usable('a', 'h1', 100)]);
    expect(same.restart).toEqual([]);
    const newer = planReconcile(same.tenants, [usable('a', 'h1', 200)]);
    expect(newer.restart).toEqual([{ tenantId: 'a', requestedAt: 200 }]);
    const none = planReconcile(newer.tenants, [usable('a', 'h1')]);
    expect([none.restart, none.tenants.a?.restartRequestedAt]).toEqual([[], 200]);
    // an older one is forwarded too: the tenant machine, which knows what it answered, ignores it
    expect(planReconcile(none.tenants, [usable('a', 'h1', 150)]).restart).toEqual([
      { tenantId: 'a', requestedAt: 150 },
    ]);
  });
});

describe('supervisor with real tenant machines: config events', () => {
  it('a config that can never start: stopped with its reason from the first report, no bot; usable → running', () => {
    const s = createSupervisedSystem({ policy });
    snapshot(s, [], [broken('a', 'invalid-token')]);
    expect(s.reconciled.at(-1)).toMatchObject({ added: 0, unusable: 1, running: 0 });
    expect(statesOf(s, 'a')).toEqual([
      ['stopped', 'invalid-token'],
      ['stopped', 'invalid-token'],
    ]);
    expect(s.lastStatus('a')?.detail).toBe('detail of invalid-token');
    snapshot(s, [], [broken('a', 'invalid-token')]); // the next read: nothing new
    expect(s.statuses.filter((x) => x.tenantId === 'a')).toHaveLength(2);
    expect(s.bots).toEqual([]);

    snapshot(s, [usable('a', 'h1')]);
    expect(s.reconciled.at(-1)).toMatchObject({ added: 1, running: 1 });
    s.clock.increment(10);
    expect(s.lastStatus('a')).toMatchObject({ state: 'running', reason: null, detail: null });
    expect(s.liveBots('a')).toHaveLength(1);
  });

  it('unusable while running stops the bot; the same token usable again starts it', () => {
    const s = createSupervisedSystem({ policy });
    snapshot(s, [usable('a', 'h1'), usable('b', 'h1')]);
    s.clock.increment(10);
    snapshot(s, [usable('b', 'h1')], [broken('a', 'token-conflict')]);
    expect(s.bots[0]?.commands).toEqual(['STOP']);
    expect(s.lastStatus('a')).toMatchObject({ state: 'stopped', reason: 'token-conflict' });
    s.clock.increment(1_000);
    expect(s.lastStatus('a')).toMatchObject({ state: 'stopped', reason: 'token-conflict', pid: null });
    expect(s.liveBots('b')).toHaveLength(1);
    snapshot(s, [usable('a', 'h1'), usable('b', 'h1')]);
    s.clock.increment(10);
    expect(s.lastStatus('a')?.state).toBe('running');
    expect(s.bots.filter((b) => b.tenantId === 'a')).toHaveLength(2);
  });

  it('deleted while unusable: stopped as disabled', () => {
    const s = createSupervisedSystem({ policy });
    snapshot(s, [], [broken('a', 'token-unreadable')]);
    snapshot(s, []);
    expect(s.lastStatus('a')).toMatchObject({ state: 'stopped', reason: 'disabled' });
  });

  it('restart requests: the one there at spawn is not acted on, a new one once, however many reads show it', () => {
    const s = createSupervisedSystem({ policy });
    snapshot(s, [usable('a', 'h1', 100)]);
    s.clock.increment(10);
    snapshot(s, [usable('a', 'h1', 100)]);
    expect(s.bots).toHaveLength(1);
    snapshot(s, [usable('a', 'h1', 200)]);
    expect(s.bots[0]?.commands).toEqual(['STOP']);
    s.clock.increment(1_000); // the bot exits, the next one starts
    s.clock.increment(10);
    for (let i = 0; i < 3; i++) snapshot(s, [usable('a', 'h1', 200)]);
    expect(s.bots.map((b) => b.released)).toEqual([true, false]);
    expect(s.lastStatus('a')).toMatchObject({ state: 'running', restarts: 1 });
  });

  it('a new token and a new request in one read restart the bot once', () => {
    const s = createSupervisedSystem({ policy });
    snapshot(s, [usable('a', 'h1', 100)]);
    s.clock.increment(10);
    snapshot(s, [usable('a', 'h2', 300)]);
    s.clock.increment(1_000);
    expect(s.bots.map((b) => [b.input.configHash, b.released])).toEqual([
      ['h1', true],
      ['h2', false],
    ]);
  });
});
