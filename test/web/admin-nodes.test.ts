/**
 * `GET /api/admin/nodes`: the supervisor nodes sharing the database, as the lease keeper writes them
 * (src/db/repositories/leases.ts): a renewing node is live with the bots it holds, a node shutting down is
 * stopping, a node whose renewal has lapsed is lost; nothing before any node reported. Admin only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leaseRepository } from '../../src/db/repositories/leases.ts';
import type { Sql } from '../../src/db/sql.ts';
import { makeOrganiser, sqlOf, unique, uniqueName } from '../helpers/factories/index.ts';
import { type Browser, createWebWorld, errorOf, signedUp, type WebWorld } from './helpers.ts';

let world: WebWorld;
let sql: Sql;
let admin: Browser;
/** The answer before any node renewed (the tests run shuffled, so it is taken before any of them). */
let before: { status: number; body: unknown };
beforeAll(async () => {
  world = await createWebWorld();
  sql = sqlOf(world.db);
  admin = await signedUp(world.app, 'nodes_admin');
  const res = await admin.request('GET', '/api/admin/nodes');
  before = { status: res.statusCode, body: res.json() };
});
afterAll(async () => {
  await world?.close();
});

const HOUR = 3_600_000;
const node = (name: string, pid: number) => ({ nodeId: `${name}:${pid}:${unique()}`, name, pid });

interface NodeItem {
  node_id: string;
  name: string;
  pid: number | null;
  started_at: string;
  heartbeat_at: string;
  state: string;
  bots: number;
}

async function nodes(): Promise<NodeItem[]> {
  const res = await admin.request('GET', '/api/admin/nodes');
  expect(res.statusCode).toBe(200);
  return (res.json() as { items: NodeItem[] }).items;
}

async function tenants(n: number): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < n; i++) ids.push((await makeOrganiser(sql, { bot: false })).tenantId);
  return ids;
}

describe('GET /api/admin/nodes', () => {
  it('answers no nodes before any supervisor has reported', () => {
    expect(before).toEqual({ status: 200, body: { items: [] } });
  });

  it('shows each node live, stopping or lost, with the bots it holds now', async () => {
    const [a1, a2, b1, c1] = await tenants(4);
    const live = node('node-live', 101);
    const stopping = node('node-stopping', 202);
    const lost = node('node-lost', 303);

    await leaseRepository.renew(sql, live, [], HOUR);
    expect(await leaseRepository.acquire(sql, live.nodeId, [a1!, a2!], HOUR)).toHaveLength(2);
    await leaseRepository.renew(sql, stopping, [], HOUR);
    expect(await leaseRepository.acquire(sql, stopping.nodeId, [b1!], HOUR)).toHaveLength(1);
    await leaseRepository.markStopping(sql, stopping.nodeId);
    await leaseRepository.renew(sql, lost, [], HOUR);
    expect(await leaseRepository.acquire(sql, lost.nodeId, [c1!], HOUR)).toHaveLength(1);
    // The lost node stopped renewing: its row and its lease have expired (a second ago).
    await world.query(
      "update supervisor_nodes set expires_at = now() - interval '1 second' where node_id = ?",
      [lost.nodeId],
    );
    await world.query("update bot_leases set expires_at = now() - interval '1 second' where node_id = ?", [
      lost.nodeId,
    ]);

    const items = await nodes();
    // The times as stored, in ISO-8601 UTC to the millisecond.
    const stored = await world.query<{ node_id: string; started_at: string; heartbeat_at: string }>(
      `select node_id,
              to_char(started_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as started_at,
              to_char(heartbeat_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as heartbeat_at
         from supervisor_nodes`,
    );
    const times = (id: string) => {
      const row = stored.find((r) => r.node_id === id)!;
      return { started_at: row.started_at, heartbeat_at: row.heartbeat_at };
    };
    const byId = (id: string) => items.find((n) => n.node_id === id);
    expect(byId(live.nodeId)).toEqual({
      node_id: live.nodeId,
      name: 'node-live',
      pid: 101,
      ...times(live.nodeId),
      state: 'live',
      bots: 2,
    });
    expect(byId(stopping.nodeId)).toEqual({
      node_id: stopping.nodeId,
      name: 'node-stopping',
      pid: 202,
      ...times(stopping.nodeId),
      state: 'stopping',
      bots: 1,
    });
    expect(byId(lost.nodeId)).toEqual({
      node_id: lost.nodeId,
      name: 'node-lost',
      pid: 303,
      ...times(lost.nodeId),
      state: 'lost',
      bots: 0,
    });
    // Newest first.
    const started = items.map((n) => n.started_at);
    expect(started).toEqual([...started].sort().reverse());

    // A stopping node that is still renewing stays stopping; once its renewal lapses it is lost too.
    await world.query(
      "update supervisor_nodes set expires_at = now() - interval '1 second' where node_id = ?",
      [stopping.nodeId],
    );
    expect((await nodes()).find((n) => n.node_id === stopping.nodeId)?.state).toBe('lost');
    // A lost node that renews again is live again.
    await leaseRepository.renew(sql, lost, [], HOUR);
    expect((await nodes()).find((n) => n.node_id === lost.nodeId)).toMatchObject({ state: 'live', bots: 0 });
  });

  it('401 without a session, 403 for an organiser', async () => {
    expect((await world.app.inject({ method: 'GET', url: '/api/admin/nodes' })).statusCode).toBe(401);
    const organiser = await signedUp(world.app, uniqueName('nodes_nosy'));
    const res = await organiser.request('GET', '/api/admin/nodes');
    expect(res.statusCode).toBe(403);
    expect(errorOf(res).code).toBe('forbidden');
  });
});
