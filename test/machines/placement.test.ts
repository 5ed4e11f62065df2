/**
 * The placement policy (machines/placement.ts): the choice of a host for a bot, and the validator.
 */
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_PLACEMENT_POLICY,
  type HostView,
  placeBot,
  resolvePlacementPolicy,
  validatePlacementPolicy,
} from '../../machines/placement.ts';

const shared = (hostId: string, bots: number): HostView => ({ hostId, kind: 'shared', bots, spare: false });
const dedicated = (hostId: string, bots: number, spare = false): HostView => ({
  hostId,
  kind: 'dedicated',
  bots,
  spare,
});

describe('placeBot', () => {
  const policy = { botsPerHost: 3, sharedHosts: 2 };

  it('opens shared hosts until there are sharedHosts of them', () => {
    expect(placeBot([], { isolated: false }, policy)).toEqual({ open: 'shared' });
    expect(placeBot([shared('1', 1)], { isolated: false }, policy)).toEqual({ open: 'shared' });
  });

  it('then spreads bots to the shared host with the fewest, the first of equals', () => {
    expect(placeBot([shared('1', 2), shared('2', 1)], { isolated: false }, policy)).toEqual({ use: '2' });
    expect(placeBot([shared('1', 1), shared('2', 1)], { isolated: false }, policy)).toEqual({ use: '1' });
  });

  it('never fills a host past botsPerHost: when all are full, an overflow host opens', () => {
    expect(placeBot([shared('1', 3), shared('2', 2)], { isolated: false }, policy)).toEqual({ use: '2' });
    expect(placeBot([shared('1', 3), shared('2', 3)], { isolated: false }, policy)).toEqual({
      open: 'shared',
    });
    expect(placeBot([shared('1', 3), shared('2', 3), shared('3', 1)], { isolated: false }, policy)).toEqual({
      use: '3',
    });
  });

  it('ignores dedicated hosts for a bot that shares', () => {
    expect(
      placeBot([dedicated('9', 0, true), shared('1', 0), shared('2', 0)], { isolated: false }, policy),
    ).toEqual({ use: '1' });
  });

  it('an isolated bot takes a spare dedicated host, or opens one; never a shared host', () => {
    expect(placeBot([shared('1', 0), dedicated('4', 0, true)], { isolated: true }, policy)).toEqual({
      use: '4',
    });
    expect(placeBot([shared('1', 0), dedicated('4', 1)], { isolated: true }, policy)).toEqual({
      open: 'dedicated',
    });
  });

  it('botsPerHost 1: every bot gets a dedicated host (a process per bot)', () => {
    const perBot = { botsPerHost: 1, sharedHosts: 2 };
    expect(placeBot([], { isolated: false }, perBot)).toEqual({ open: 'dedicated' });
    expect(placeBot([dedicated('5', 0, true)], { isolated: false }, perBot)).toEqual({ use: '5' });
  });

  it('sharedHosts 0 is treated as at least one', () => {
    expect(placeBot([shared('1', 0)], { isolated: false }, { botsPerHost: 10, sharedHosts: 0 })).toEqual({
      use: '1',
    });
  });
});

describe('validatePlacementPolicy', () => {
  it('accepts the defaults and merges overrides', () => {
    expect(validatePlacementPolicy({ ...DEFAULT_PLACEMENT_POLICY })).toEqual(DEFAULT_PLACEMENT_POLICY);
    expect(resolvePlacementPolicy({ botsPerHost: 1 }).botsPerHost).toBe(1);
  });

  it('names every wrong field and what it must be', () => {
    const check = () =>
      resolvePlacementPolicy({ sharedHosts: -1, botsPerHost: 0, poolMax: 1.5, silentHostMs: 100 });
    expect(check).toThrow(/sharedHosts must be a whole number ≥ 0 \(got -1\)/);
    expect(check).toThrow(/botsPerHost must be a whole number ≥ 1 \(got 0\)/);
    expect(check).toThrow(/poolMax must be a whole number ≥ 1 \(got 1.5\)/);
    expect(check).toThrow(/silentHostMs \(100\) must be at least two heartbeats/);
  });
});
