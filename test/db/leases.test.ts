/**
 * Bot leases between supervisor nodes (src/db/repositories/leases.ts) and the work they fence: a free
 * lease is taken once, a held one not at all; an expired one goes to the next node with one more epoch,
 * and its old owner's renewal then comes back without it; the database's clock decides, so the nodes'
 * clocks do not matter; the polling offset and the outbox (claim and record) of a stale epoch are refused.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leaseRepository, NODES_CHANNEL } from '../../src/db/repositories/leases.ts';
import { claim, complete, enqueue, fail, recoverInterrupted } from '../../src/lottery/outbox.ts';
import { makeOrganiser, unique } from '../helpers/factories/index.ts';
import { createLotteryWorld, type LotteryWorld } from '../lottery/helpers.ts';

let world: LotteryWorld;
beforeAll(async () => {
  world = await createLotteryWorld();
});
afterAll(async () => {
  await world?.close();
});

const node = (name: string) => ({ nodeId: `${name}:${unique()}`, name, pid: 1 });
const HOUR = 3_600_000;

async function tenants(n: number): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < n; i++) ids.push((await makeOrganiser(world.sql)).tenantId);
  return ids;
}

/** Time passes for these leases: their holder has not renewed them, and they expire (a second ago). */
async function expired(tenantIds: number[]): Promise<void> {
  await world.sql.query(
    "update bot_leases set expires_at = now() - interval '1 second' where tenant_id = any(?::int[])",
    [`{${tenantIds.join(',')}}`],
  );
}

describe('bot leases', () => {
  it('a free lease is taken by one node only; the other sees it held', async () => {
    const ids = await tenants(3);
    const a = node('a');
    const b = node('b');
    const [takenByA, takenByB] = await Promise.all([
      leaseRepository.acquire(world.sql, a.nodeId, ids, HOUR),
      leaseRepository.acquire(world.sql, b.nodeId, ids, HOUR),
    ]);
    expect(takenByA.length + takenByB.length).toBe(3);
    const owners = new Set([...takenByA, ...takenByB].map((l) => l.tenantId));
    expect(owners.size).toBe(3);
    for (const l of [...takenByA, ...takenByB]) expect(l.epoch).toBe(1);
    expect(await leaseRepository.freeOf(world.sql, ids)).toEqual([]);
    expect(await leaseRepository.acquire(world.sql, node('c').nodeId, ids, HOUR)).toEqual([]);
  });

  it('an expired lease goes to the next node with one more epoch; the old owner renews without it', async () => {
    const [id] = await tenants(1);
    const a = node('a');
    const b = node('b');
    const [first] = await leaseRepository.acquire(world.sql, a.nodeId, [id!], HOUR);
    await expired([id!]);
    const [second] = await leaseRepository.acquire(world.sql, b.nodeId, [id!], HOUR);
    expect(second).toMatchObject({ tenantId: id, epoch: first!.epoch + 1 });
    const renewed = await leaseRepository.renew(world.sql, a, [first!], HOUR);
    expect(renewed.kept).toEqual([]);
    expect((await leaseRepository.renew(world.sql, b, [second!], HOUR)).kept).toEqual([
      { tenantId: id, epoch: second!.epoch },
    ]);
  });

  it('an expired lease nobody took is renewed by its owner with the same epoch', async () => {
    const [id] = await tenants(1);
    const a = node('a');
    const [lease] = await leaseRepository.acquire(world.sql, a.nodeId, [id!], HOUR);
    await expired([id!]);
    const renewed = await leaseRepository.renew(world.sql, a, [lease!], HOUR);
    expect(renewed.kept).toEqual([{ tenantId: id, epoch: lease!.epoch }]);
    expect(await leaseRepository.freeOf(world.sql, [id!])).toEqual([]);
  });

  it('counts live nodes that are not stopping; a stopping node counts itself out', async () => {
    const a = node('a');
    const b = node('b');
    const before = (await leaseRepository.renew(world.sql, a, [], HOUR)).liveNodes;
    expect((await leaseRepository.renew(world.sql, b, [], HOUR)).liveNodes).toBe(before + 1);
    await leaseRepository.markStopping(world.sql, b.nodeId);
    expect((await leaseRepository.renew(world.sql, a, [], HOUR)).liveNodes).toBe(before);
    expect((await leaseRepository.renew(world.sql, b, [], HOUR)).liveNodes).toBe(before);
    await leaseRepository.leave(world.sql, b.nodeId);
    const nodes = await leaseRepository.nodes(world.sql);
    expect(nodes.find((n) => n.nodeId === b.nodeId)).toBeUndefined();
    expect(nodes.find((n) => n.nodeId === a.nodeId)).toMatchObject({ live: true, stopping: false });
  });

  it('a release frees the lease at once, keeps its epoch, and notifies the other nodes', async () => {
    const ids = await tenants(2);
    const a = node('a');
    const listener = new pg.Client({ connectionString: world.db.url });
    await listener.connect();
    try {
      await listener.query(`listen ${NODES_CHANNEL}`);
      const heard = new Promise<string | undefined>((resolve) =>
        listener.on('notification', (msg) => resolve(msg.payload)),
      );
      const leases = await leaseRepository.acquire(world.sql, a.nodeId, ids, HOUR);
      expect(await leaseRepository.release(world.sql, a.nodeId, leases)).toBe(2);
      expect(await heard).toBe(a.nodeId);
      expect((await leaseRepository.freeOf(world.sql, ids)).sort()).toEqual([...ids].sort());
      const again = await leaseRepository.acquire(world.sql, node('b').nodeId, ids, HOUR);
      for (const l of again) expect(l.epoch).toBe(2);
    } finally {
      await listener.end();
    }
  });

  it('shows each node with the number of bots it owns', async () => {
    const ids = await tenants(2);
    const a = node('counted');
    await leaseRepository.renew(world.sql, a, [], HOUR);
    await leaseRepository.acquire(world.sql, a.nodeId, ids, HOUR);
    const row = (await leaseRepository.nodes(world.sql)).find((n) => n.nodeId === a.nodeId);
    expect(row).toMatchObject({ name: 'counted', bots: 2, live: true, pid: 1 });
  });
});

describe('work fenced by the lease epoch', () => {
  it('the polling offset is recorded under the live epoch only, and handed to the next owner', async () => {
    const [id] = await tenants(1);
    const [old] = await leaseRepository.acquire(world.sql, node('a').nodeId, [id!], HOUR);
    expect(await leaseRepository.recordPollOffset(world.botSql, old!, 41)).toBe(true);
    await expired([id!]);
    // Expired (its node stopped renewing): refused even before anyone took it over.
    expect(await leaseRepository.recordPollOffset(world.botSql, old!, 42)).toBe(false);
    const [next] = await leaseRepository.acquire(world.sql, node('b').nodeId, [id!], HOUR);
    expect(next).toMatchObject({ epoch: old!.epoch + 1, pollOffset: 41 });
    expect(await leaseRepository.recordPollOffset(world.botSql, old!, 43)).toBe(false);
    expect(await leaseRepository.recordPollOffset(world.botSql, next!, 43)).toBe(true);
  });

  it('the outbox claims nothing under a stale epoch; a stale record is refused once the row was re-claimed', async () => {
    const [id] = await tenants(1);
    const sql = world.botSql;
    await enqueue(sql, [
      {
        tenantId: id!,
        method: 'sendMessage',
        payload: { chat_id: 1, text: 'one' },
        kind: 'join-result',
        dedupeKey: 'one',
      },
      {
        tenantId: id!,
        method: 'sendMessage',
        payload: { chat_id: 2, text: 'two' },
        kind: 'join-result',
        dedupeKey: 'two',
      },
    ]);
    const [old] = await leaseRepository.acquire(world.sql, node('a').nodeId, [id!], HOUR);
    expect(await claim(sql, id!, 10, old!.epoch + 5)).toEqual([]);
    const claimed = await claim(sql, id!, 1, old!.epoch);
    expect(claimed).toHaveLength(1);
    await expired([id!]);
    expect(await claim(sql, id!, 10, old!.epoch)).toEqual([]);
    expect(await leaseRepository.isCurrent(sql, old!)).toBe(false);

    // The next owner starts: what the old one left `sending` is retried under the new epoch.
    const [next] = await leaseRepository.acquire(world.sql, node('b').nodeId, [id!], HOUR);
    expect(await recoverInterrupted(sql, id!)).toBe(1);
    const reclaimed = await claim(sql, id!, 10, next!.epoch);
    expect(reclaimed.map((r) => r.id).sort()).toContain(claimed[0]!.id);
    // The old owner wakes up and records its send: refused, the new owner's claim stands.
    expect(await complete(sql, claimed[0]!.id, { message_id: 1 }, old!.epoch)).toBe(false);
    expect(await fail(sql, claimed[0]!.id, 400, 'late', old!.epoch)).toBe(false);
    expect(await complete(sql, claimed[0]!.id, { message_id: 2 }, next!.epoch)).toBe(true);
    const [row] = await world.sql.query<{ status: string; result: { message_id: number } }>(
      'select status, result from outbox_messages where id = ?',
      [claimed[0]!.id],
    );
    expect(row).toEqual({ status: 'sent', result: { message_id: 2 } });
  });

  it('the old owner records a send it made while the row is still claimed by it (it did happen)', async () => {
    const [id] = await tenants(1);
    const sql = world.botSql;
    await enqueue(sql, [
      {
        tenantId: id!,
        method: 'sendMessage',
        payload: { chat_id: 1, text: 'x' },
        kind: 'join-result',
        dedupeKey: 'x',
      },
    ]);
    const [lease] = await leaseRepository.acquire(world.sql, node('a').nodeId, [id!], HOUR);
    const [row] = await claim(sql, id!, 1, lease!.epoch);
    expect(await complete(sql, row!.id, { message_id: 9 }, lease!.epoch)).toBe(true);
  });
});
