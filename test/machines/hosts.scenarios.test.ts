/**
 * Composed scenarios of bot hosts: the real supervisor machine with real tenant machines and real host
 * machines, fake effects (hosts-system.ts: fake bots placed with the real placeBot in fake host processes),
 * SimulatedClock. A host's death restarts exactly its tenants; a bot that ends on its own touches only its
 * tenant; a quarantined bot is isolated in a dedicated host; the shutdown closes hosts only after every
 * tenant has stopped and kills a host that ignores STOP after its stop timeout.
 */
import { describe, expect, it } from 'vitest';
import type { HostTimers } from '../../machines/host.ts';
import { DEFAULT_PLACEMENT_POLICY } from '../../machines/placement.ts';
import { DEFAULT_RESTART_POLICY } from '../../machines/policy.ts';
import { createHostedSystem, type HostedSystem } from './hosts-system.ts';

const policy = { ...DEFAULT_RESTART_POLICY, jitter: 0 };
const hostTimers: HostTimers = {
  silentHostMs: DEFAULT_PLACEMENT_POLICY.silentHostMs,
  hostStartTimeoutMs: DEFAULT_PLACEMENT_POLICY.hostStartTimeoutMs,
  hostStopTimeoutMs: DEFAULT_PLACEMENT_POLICY.hostStopTimeoutMs,
};

/** Four tenants spread over two shared hosts: s1 runs a and c, s2 runs b and d. */
function fourTenants(ignoresStop: string[] = []): HostedSystem {
  const s = createHostedSystem({ policy, hostTimers, sharedHosts: 2, ignoresStop });
  s.start(['a', 'b', 'c', 'd']);
  expect(s.tenantsIn('s1')).toEqual(['a', 'c']);
  expect(s.tenantsIn('s2')).toEqual(['b', 'd']);
  for (const id of ['a', 'b', 'c', 'd']) expect(s.tenant(id)?.value).toEqual({ running: 'healthy' });
  for (const id of ['s1', 's2']) expect(s.host(id)?.value).toEqual({ alive: { up: 'listening' } });
  return s;
}

const up = { alive: { up: 'listening' } };

describe('bot hosts, composed', () => {
  it('a host dies (SIGKILL): exactly its tenants restart, in another host; the other host’s tenants get no event', () => {
    const s = fourTenants();
    const [b, d] = [s.bot('b'), s.bot('d')];
    const t = s.clock.now();
    s.die('s1');
    expect(s.tenant('a')?.value).toEqual({ restarting: 'backoff' });
    expect(s.tenant('c')?.value).toEqual({ restarting: 'backoff' });
    expect(s.tenant('a')?.context.lastError).toBe('signal SIGKILL');
    expect(s.host('s1')).toBeUndefined(); // HOST.STOPPED: its machine is gone
    expect(s.hosts.get('s1')?.released).toBe(true);
    s.advance(1_000); // the first backoff
    expect(s.tenant('a')?.value).toBe('starting');
    s.advance(100);
    for (const id of ['a', 'c']) {
      expect(s.statesOf(id, t)).toEqual(['restarting', 'starting', 'running']);
      expect(s.tenant(id)?.context).toMatchObject({ restarts: 1, isolation: null });
    }
    // s2 had its share (sharedHosts 2): a new shared host takes both, s2 is untouched
    expect(s.tenantsIn('s3')).toEqual(['a', 'c']);
    expect(s.tenantsIn('s2')).toEqual(['b', 'd']);
    for (const id of ['b', 'd']) {
      expect(s.eventsTo(id, t)).toEqual([]);
      expect(s.tenant(id)?.value).toEqual({ running: 'healthy' });
    }
    expect([s.bot('b'), s.bot('d')]).toEqual([b, d]);
    expect([b?.commands, d?.commands]).toEqual([[], []]);
    expect(s.host('s2')?.value).toEqual(up);
  });

  it('a bot that ends on its own (401, 409, crash) in a live host: only its tenant reacts, the host stays up', () => {
    const s = fourTenants();
    const t = s.clock.now();
    s.bot('a').exit({
      code: 3,
      signal: null,
      fatal: { kind: 'unauthorized', errorCode: 401, description: 'Unauthorized' },
    });
    expect(s.tenant('a')?.value).toEqual({ stopped: 'halted' });
    expect(s.tenant('a')?.context.stoppedReason).toBe('invalid-token');
    s.bot('c').exit({ code: 4, signal: null, fatal: { kind: 'conflict', errorCode: 409 } });
    expect(s.tenant('c')?.value).toEqual({ restarting: 'backoff' });
    s.bot('b').exit({ code: 1, signal: null });
    expect(s.tenant('b')?.value).toEqual({ restarting: 'backoff' });
    expect(s.eventsTo('d', t)).toEqual([]);
    for (const id of ['s1', 's2']) {
      expect(s.host(id)?.value).toEqual(up);
      expect(s.hosts.get(id)?.commands).toEqual([]);
    }
    s.advance(1_100); // c and b start again, in the live hosts
    expect(s.tenant('c')?.value).toEqual({ running: 'healthy' });
    expect(s.tenant('b')?.value).toEqual({ running: 'healthy' });
    expect(s.tenantsIn('s1')).toEqual(['b', 'c']);
    expect(s.tenantsIn('s2')).toEqual(['d']);
    expect(s.host('s3')).toBeUndefined(); // no host was needed
    expect(s.eventsTo('d', t)).toEqual([]);
  });

  it('quarantine: the tenant is isolated, starts at once in the spare dedicated host, its neighbours untouched', () => {
    const s = createHostedSystem({ policy, hostTimers, sharedHosts: 1 });
    const spare = s.openHost('dedicated'); // d1, kept started and idle
    s.start(['a', 'b']);
    expect(s.tenantsIn('s2')).toEqual(['a', 'b']);
    const t = s.clock.now();
    s.quarantine('a', 'event-loop-blocked');
    expect(s.tenant('a')?.value).toEqual({ restarting: 'backoff' });
    expect(s.tenant('a')?.context.isolation).toEqual({ reason: 'event-loop-blocked', since: t });
    s.clock.increment(0); // restarted at once: no time passes
    expect(s.tenant('a')?.value).toBe('starting');
    expect(s.bot('a').input).toEqual({ tenantId: 'a', configHash: 'h1', incarnation: 2, isolated: true });
    expect(s.bot('a').hostId).toBe(spare.hostId);
    s.advance(100);
    expect(
      s.statuses.filter((st) => st.tenantId === 'a' && st.at >= t).map((st) => [st.state, st.isolation]),
    ).toEqual([
      ['restarting', 'event-loop-blocked'],
      ['starting', 'event-loop-blocked'],
      ['running', 'event-loop-blocked'],
    ]);
    expect(s.eventsTo('b', t)).toEqual([]);
    expect(s.host('s2')?.value).toEqual(up);
    // it crashes in its own host: the dedicated host is closed after it, the restart opens a new one
    s.bot('a').exit({ code: 1, signal: null });
    expect(s.hosts.get('d1')?.commands).toEqual(['STOP']);
    s.advance(1_100);
    expect(s.host('d1')).toBeUndefined();
    expect(s.bot('a').input.isolated).toBe(true);
    expect(s.hosts.get(s.bot('a').hostId)?.kind).toBe('dedicated');
    expect(s.bot('a').hostId).not.toBe('d1');
  });

  it('shutdown with a host that ignores STOP: hosts closed after every tenant stopped, that one killed after 5 s', () => {
    const s = fourTenants(['s2']);
    const t = s.clock.now();
    s.actor.send({ type: 'SHUTDOWN', at: t });
    expect(s.bots.filter((b) => !b.released).map((b) => b.commands)).toEqual([
      ['STOP'],
      ['STOP'],
      ['STOP'],
      ['STOP'],
    ]);
    s.advance(19);
    expect(s.actor.getSnapshot().value).toEqual({ shuttingDown: 'tenants' });
    expect([...s.hosts.values()].map((h) => h.commands)).toEqual([[], []]); // no host closed yet
    s.advance(1); // the bots exit, every tenant has stopped: every host is closed
    expect(s.actor.getSnapshot().value).toEqual({ shuttingDown: 'hosts' });
    expect(s.hosts.get('s1')?.commands).toEqual(['STOP']);
    expect(s.hosts.get('s2')?.commands).toEqual(['STOP']);
    s.advance(50);
    expect(s.host('s1')).toBeUndefined(); // exited when asked
    expect(s.host('s2')?.value).toEqual({ alive: 'stopping' });
    s.advance(5_000 - 50 - 1);
    expect(s.actor.getSnapshot().status).toBe('active');
    expect(s.hosts.get('s2')?.commands).toEqual(['STOP']);
    s.advance(1); // its stop timeout: SIGKILL, exit, HOST.STOPPED
    expect(s.hosts.get('s2')?.commands).toEqual(['STOP', 'KILL']);
    expect(s.actor.getSnapshot().status).toBe('done');
    expect(s.clock.now() - t).toBe(20 + hostTimers.hostStopTimeoutMs);
    expect(s.supervisorLogs.map((l) => l.event)).toEqual(['shutting-down', 'shutdown-complete']);
    expect(s.bots.every((b) => b.released)).toBe(true);
    expect([...s.hosts.values()].every((h) => h.released)).toBe(true);
    const s2 = s.hostReports.filter((r) => r.hostId === 's2').map((r) => r.state);
    expect(s2).toEqual(['starting', 'up', 'stopping', 'killing', 'exited']);
  });

  it('a frozen host (no heartbeat for 15 s) is killed, and its tenants restart', () => {
    const s = fourTenants();
    const t = s.clock.now();
    for (let i = 0; i < 8; i++) {
      s.advance(2_000);
      s.beatHosts(['s1']);
    }
    expect(s.host('s1')).toBeUndefined();
    expect(s.hostReports.filter((r) => r.hostId === 's1').at(-2)).toMatchObject({
      state: 'killing',
      detail: 'silent for 15 s',
    });
    expect(s.hosts.get('s1')?.commands).toEqual(['KILL']);
    for (const id of ['a', 'c']) expect(s.statesOf(id, t)).toEqual(['restarting', 'starting', 'running']);
    for (const id of ['b', 'd']) expect(s.eventsTo(id, t)).toEqual([]);
    expect(s.host('s2')?.value).toEqual(up);
  });

  it('HOST.KILL (the host ignored a bot’s KILL): the host is killed at once, its tenants restart', () => {
    const s = fourTenants();
    const t = s.clock.now();
    s.actor.send({ type: 'HOST.KILL', hostId: 's2', reason: 'ignored KILL of a bot for 3 s', at: t });
    expect(s.hosts.get('s2')?.commands).toEqual(['KILL']);
    expect(s.host('s2')).toBeUndefined();
    for (const id of ['b', 'd']) expect(s.tenant(id)?.value).toEqual({ restarting: 'backoff' });
    for (const id of ['a', 'c']) expect(s.eventsTo(id, t)).toEqual([]);
  });
});
