import { describe, expect, it } from 'vitest';
import {
  DEFAULT_PLACEMENT_POLICY,
  type HostKind,
  type HostView,
  type PlacementPolicy,
  placeBot,
  resolvePlacementPolicy,
  validatePlacementPolicy,
} from '../../machines/placement.ts';

const shared = (hostId: string, bots: number): HostView => ({ hostId, kind: 'shared', bots, spare: false });
const dedicated = (hostId: string, bots: number, spare = bots === 0): HostView => ({
  hostId,
  kind: 'dedicated',
  bots,
  spare,
});

/** Places `n` bots one after the other, opening hosts as asked (`<kind>-<n>`); returns the hosts. */
function placeMany(
  n: number,
  policy: { botsPerHost: number; sharedHosts: number },
  start: HostView[] = [],
  isolated = false,
): HostView[] {
  const hosts = start.map((h) => ({ ...h }));
  for (let i = 0; i < n; i++) {
    const placement = placeBot(hosts, { isolated }, policy);
    let host: HostView | undefined;
    if ('use' in placement) host = hosts.find((h) => h.hostId === placement.use);
    else {
      host = {
        hostId: `${placement.open}-${hosts.length + 1}`,
        kind: placement.open as HostKind,
        bots: 0,
        spare: false,
      };
      hosts.push(host);
    }
    if (!host) throw new Error(`placed in an unknown host ${JSON.stringify(placement)}`);
    host.bots++;
    host.spare = false;
  }
  return hosts;
}

describe('DEFAULT_PLACEMENT_POLICY', () => {
  it('states the documented numbers, frozen and valid', () => {
    expect(DEFAULT_PLACEMENT_POLICY).toEqual({
      sharedHosts: 0,
      botsPerHost: 1000,
      spareHosts: 1,
      blockedLoopMs: 1000,
      memoryBudgetMb: 1536,
      poolMax: 8,
      hostHeartbeatMs: 2000,
      silentHostMs: 15_000,
      hostStartTimeoutMs: 30_000,
      hostStopTimeoutMs: 5000,
      killGraceMs: 3000,
    });
    expect(Object.isFrozen(DEFAULT_PLACEMENT_POLICY)).toBe(true);
    expect(validatePlacementPolicy(DEFAULT_PLACEMENT_POLICY)).toBe(DEFAULT_PLACEMENT_POLICY);
  });

  it('resolvePlacementPolicy merges overrides into the defaults', () => {
    expect(resolvePlacementPolicy({ botsPerHost: 1, sharedHosts: 4 })).toEqual({
      ...DEFAULT_PLACEMENT_POLICY,
      botsPerHost: 1,
      sharedHosts: 4,
    });
    expect(resolvePlacementPolicy()).toEqual(DEFAULT_PLACEMENT_POLICY);
  });
});

describe('validatePlacementPolicy', () => {
  it('accepts 0 for the counts that may be 0 (sharedHosts = one per core, no spare host)', () => {
    expect(resolvePlacementPolicy({ sharedHosts: 0, spareHosts: 0 }).spareHosts).toBe(0);
  });

  it.each<[Partial<PlacementPolicy>, RegExp]>([
    [{ sharedHosts: -1 }, /sharedHosts must be a whole number ≥ 0 \(got -1\)/],
    [{ spareHosts: 1.5 }, /spareHosts must be a whole number ≥ 0 \(got 1\.5\)/],
    [{ botsPerHost: 0 }, /botsPerHost must be a whole number ≥ 1 \(got 0\)/],
    [{ blockedLoopMs: Number.NaN }, /blockedLoopMs must be a whole number ≥ 1 \(got NaN\)/],
    [{ memoryBudgetMb: -5 }, /memoryBudgetMb/],
    [{ poolMax: 0 }, /poolMax/],
    [{ hostHeartbeatMs: Number.POSITIVE_INFINITY }, /hostHeartbeatMs .*got Infinity/],
    [{ hostStartTimeoutMs: 0 }, /hostStartTimeoutMs/],
    [{ hostStopTimeoutMs: 2.5 }, /hostStopTimeoutMs/],
    [{ killGraceMs: -1 }, /killGraceMs/],
    [{ botsPerHost: '10' as unknown as number }, /botsPerHost must be a whole number ≥ 1 \(got 10\)/],
    [
      { silentHostMs: 3_999, hostHeartbeatMs: 2_000 },
      /silentHostMs \(3999\) must be at least two heartbeats \(2 × hostHeartbeatMs = 4000\)/,
    ],
  ])('rejects %o', (override, message) => {
    expect(() => resolvePlacementPolicy(override)).toThrow(message);
    expect(() => resolvePlacementPolicy(override)).toThrow(/^invalid placement policy: /);
  });

  it('accepts a silence of exactly two heartbeats', () => {
    expect(resolvePlacementPolicy({ silentHostMs: 4_000, hostHeartbeatMs: 2_000 }).silentHostMs).toBe(4_000);
  });

  it('lists every problem at once', () => {
    expect(() => resolvePlacementPolicy({ sharedHosts: -1, botsPerHost: 0, killGraceMs: 0 })).toThrow(
      /sharedHosts.*; botsPerHost.*; killGraceMs/,
    );
  });
});

describe('placeBot: shared hosts', () => {
  const policy = { botsPerHost: 1000, sharedHosts: 3 };

  it('opens shared hosts until there are sharedHosts of them', () => {
    expect(placeBot([], { isolated: false }, policy)).toEqual({ open: 'shared' });
    expect(placeBot([shared('s1', 5), shared('s2', 0)], { isolated: false }, policy)).toEqual({
      open: 'shared',
    });
  });

  it('then spreads by load: the shared host with the fewest bots, the first one on a tie', () => {
    const hosts = [shared('s1', 4), shared('s2', 2), shared('s3', 2)];
    expect(placeBot(hosts, { isolated: false }, policy)).toEqual({ use: 's2' });
    expect(
      placeBot([shared('s1', 3), shared('s2', 3), shared('s3', 3)], { isolated: false }, policy),
    ).toEqual({
      use: 's1',
    });
  });

  it('ten bots one after the other over three hosts: 4, 3, 3', () => {
    expect(placeMany(10, policy).map((h) => [h.hostId, h.kind, h.bots])).toEqual([
      ['shared-1', 'shared', 4],
      ['shared-2', 'shared', 3],
      ['shared-3', 'shared', 3],
    ]);
  });

  it('sharedHosts 0 (not yet resolved to the cores) still means at least one shared host', () => {
    expect(placeBot([], { isolated: false }, { botsPerHost: 10, sharedHosts: 0 })).toEqual({
      open: 'shared',
    });
    expect(placeBot([shared('s1', 3)], { isolated: false }, { botsPerHost: 10, sharedHosts: 0 })).toEqual({
      use: 's1',
    });
  });

  it('never puts a shared bot in a dedicated host, spare or not', () => {
    const hosts = [dedicated('d1', 0), dedicated('d2', 1), shared('s1', 7)];
    expect(placeBot(hosts, { isolated: false }, { botsPerHost: 1000, sharedHosts: 1 })).toEqual({
      use: 's1',
    });
  });

  it('does not change the hosts it is given', () => {
    const hosts = Object.freeze([Object.freeze(shared('s1', 1))]);
    expect(placeBot(hosts, { isolated: false }, { botsPerHost: 2, sharedHosts: 1 })).toEqual({ use: 's1' });
    expect(hosts[0]?.bots).toBe(1);
  });
});

describe('placeBot: caps and overflow', () => {
  const policy = { botsPerHost: 2, sharedHosts: 2 };

  it('a full host is passed over for one with room, even with more bots', () => {
    expect(placeBot([shared('s1', 2), shared('s2', 1)], { isolated: false }, policy)).toEqual({ use: 's2' });
  });

  it('every shared host full → an overflow shared host is opened, and used next', () => {
    const hosts = [shared('s1', 2), shared('s2', 2)];
    expect(placeBot(hosts, { isolated: false }, policy)).toEqual({ open: 'shared' });
    expect(placeBot([...hosts, shared('s3', 1)], { isolated: false }, policy)).toEqual({ use: 's3' });
  });

  it('seven bots with two per host: two shared hosts, then overflow hosts, none above the cap', () => {
    const hosts = placeMany(7, policy);
    expect(hosts.map((h) => h.bots)).toEqual([2, 2, 2, 1]);
    expect(hosts.every((h) => h.kind === 'shared' && h.bots <= policy.botsPerHost)).toBe(true);
  });
});

describe('placeBot: isolated bots, dedicated hosts and spares', () => {
  const policy = { botsPerHost: 1000, sharedHosts: 2 };

  it('an isolated bot takes a spare dedicated host', () => {
    const hosts = [shared('s1', 3), dedicated('d1', 0)];
    expect(placeBot(hosts, { isolated: true }, policy)).toEqual({ use: 'd1' });
  });

  it('a dedicated host already used, or not a spare, is never shared: a new dedicated host is opened', () => {
    expect(placeBot([dedicated('d1', 1)], { isolated: true }, policy)).toEqual({ open: 'dedicated' });
    expect(placeBot([dedicated('d1', 0, false)], { isolated: true }, policy)).toEqual({ open: 'dedicated' });
    expect(placeBot([shared('s1', 0)], { isolated: true }, policy)).toEqual({ open: 'dedicated' });
  });

  it('the first spare in order when there are several', () => {
    expect(
      placeBot([dedicated('d1', 1), dedicated('d2', 0), dedicated('d3', 0)], { isolated: true }, policy),
    ).toEqual({
      use: 'd2',
    });
  });

  it('three isolated bots: one dedicated host each', () => {
    const hosts = placeMany(3, policy, [shared('s1', 5)], true);
    expect(hosts.map((h) => [h.kind, h.bots])).toEqual([
      ['shared', 5],
      ['dedicated', 1],
      ['dedicated', 1],
      ['dedicated', 1],
    ]);
  });

  it('botsPerHost 1 gives every bot a host of its own, the way the platform ran before bot hosts', () => {
    const perBot = { botsPerHost: 1, sharedHosts: 4 };
    expect(placeBot([], { isolated: false }, perBot)).toEqual({ open: 'dedicated' });
    expect(placeBot([shared('s1', 0), dedicated('d1', 0)], { isolated: false }, perBot)).toEqual({
      use: 'd1',
    });
    const hosts = placeMany(5, perBot);
    expect(hosts).toHaveLength(5);
    expect(hosts.every((h) => h.kind === 'dedicated' && h.bots === 1)).toBe(true);
  });
});
