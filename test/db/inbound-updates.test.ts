/**
 * Stored webhook updates (src/db/repositories/inbound-updates.ts): a group is stored in one statement and
 * each tenant notified once; a redelivery is stored once; an update for a bot that is not the tenant's
 * configured one is not stored; a host reads its bots' updates at once, each bot's in update_id order;
 * marks of several bots go in one statement, and those under a lease that is not the live one are refused; pruning forgets handled updates but keeps refusing their redeliveries,
 * and drops updates nobody handled for too long.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  botKey,
  INBOUND_UPDATES_CHANNEL,
  inboundUpdateRepository as repo,
} from '../../src/db/repositories/inbound-updates.ts';
import { leaseRepository } from '../../src/db/repositories/leases.ts';
import { makeOrganiser, unique } from '../helpers/factories/index.ts';
import { createLotteryWorld, type LotteryWorld } from '../lottery/helpers.ts';

let world: LotteryWorld;
beforeAll(async () => {
  world = await createLotteryWorld();
});
afterAll(async () => {
  await world?.close();
});

async function bot(): Promise<{ tenantId: number; botId: number }> {
  const { tenantId, botConfig } = await makeOrganiser(world.sql);
  return { tenantId, botId: Number(botConfig!.botId) };
}

const update = (b: { tenantId: number; botId: number }, updateId: number) => ({
  ...b,
  updateId,
  body: { update_id: updateId, message: { message_id: updateId, text: `/start ${updateId}` } },
});

async function count(b: { tenantId: number }): Promise<number> {
  const [row] = await world.sql.query<{ n: string }>(
    'select count(*) as n from inbound_updates where tenant_id = ?',
    [b.tenantId],
  );
  return Number(row?.n);
}

describe('stored webhook updates', () => {
  it('stores a group at once, notifies each tenant once, and stores a redelivery once', async () => {
    const a = await bot();
    const b = await bot();
    const listener = new pg.Client({ connectionString: world.db.url });
    await listener.connect();
    const heard: string[] = [];
    listener.on('notification', (n) => {
      if (n.channel === INBOUND_UPDATES_CHANNEL && n.payload) heard.push(n.payload);
    });
    await listener.query(`listen ${INBOUND_UPDATES_CHANNEL}`);
    try {
      const stored = await repo.store(world.sql, [update(a, 10), update(a, 11), update(b, 5), update(a, 10)]);
      expect(stored).toBe(3);
      expect(await repo.store(world.sql, [update(a, 11), update(b, 5)])).toBe(0);
      expect(await count(a)).toBe(2);
      expect(await count(b)).toBe(1);
      // Notifications arrive before the next query's answer on the listening connection.
      await listener.query('select 1');
      expect(heard.sort()).toEqual([String(a.tenantId), String(b.tenantId)].sort());
    } finally {
      await listener.end();
    }
  });

  it("does not store an update for a bot that is not the tenant's configured bot", async () => {
    const a = await bot();
    expect(await repo.store(world.sql, [{ ...update(a, 1), botId: a.botId + 1 }])).toBe(0);
    const other = await bot();
    // A bot of another tenant under this tenant's path: refused too.
    expect(await repo.store(world.sql, [{ ...update(a, 2), botId: other.botId }])).toBe(0);
    expect(await count(a)).toBe(0);
  });

  it('reads the pending updates of several bots at once, oldest first, at most so many each', async () => {
    const a = await bot();
    const b = await bot();
    const idle = await bot();
    await repo.store(world.sql, [update(a, 30), update(a, 10), update(a, 20), update(b, 7)]);
    const found = await repo.pending(world.sql, [a, b, idle], 2);
    expect(found.get(botKey(a.tenantId, a.botId))!.map((p) => p.updateId)).toEqual([10, 20]);
    expect(found.get(botKey(a.tenantId, a.botId))![0]!.body).toMatchObject({ update_id: 10 });
    expect(found.get(botKey(b.tenantId, b.botId))!.map((p) => p.updateId)).toEqual([7]);
    expect(found.has(botKey(idle.tenantId, idle.botId))).toBe(false);
  });

  it('marks the updates of several bots in one statement, each under its live lease', async () => {
    const a = await bot();
    const b = await bot();
    await repo.store(world.sql, [update(a, 10), update(a, 20), update(a, 30), update(b, 5)]);
    const [la, lb] = await leaseRepository.acquire(
      world.sql,
      `n:${unique()}`,
      [a.tenantId, b.tenantId],
      60_000,
    );
    const refused = await repo.markHandled(world.sql, [
      { ...a, epoch: la!.tenantId === a.tenantId ? la!.epoch : lb!.epoch, updateIds: [10, 20] },
      { ...b, epoch: lb!.tenantId === b.tenantId ? lb!.epoch : la!.epoch, updateIds: [5] },
    ]);
    expect(refused.size).toBe(0);
    const left = await repo.pending(world.sql, [a, b], 10);
    expect(left.get(botKey(a.tenantId, a.botId))!.map((p) => p.updateId)).toEqual([30]);
    expect(left.has(botKey(b.tenantId, b.botId))).toBe(false);
  });

  it('refuses to mark under a stale epoch: the rows stay for the new owner; the other bots are marked', async () => {
    const a = await bot();
    const b = await bot();
    await repo.store(world.sql, [update(a, 1), update(a, 2), update(b, 3)]);
    const [old] = await leaseRepository.acquire(world.sql, `old:${unique()}`, [a.tenantId], 60_000);
    await world.sql.query(
      "update bot_leases set expires_at = now() - interval '1 second' where tenant_id = ?",
      [a.tenantId],
    );
    const [next] = await leaseRepository.acquire(world.sql, `new:${unique()}`, [a.tenantId], 60_000);
    expect(next!.epoch).toBe(old!.epoch + 1);
    const refused = await repo.markHandled(world.sql, [
      { ...a, epoch: old!.epoch, updateIds: [1, 2] },
      { ...b, epoch: undefined, updateIds: [3] },
    ]);
    expect([...refused]).toEqual([a.tenantId]);
    const left = await repo.pending(world.sql, [a, b], 10);
    expect(left.get(botKey(a.tenantId, a.botId))!.map((p) => p.updateId)).toEqual([1, 2]);
    expect(left.has(botKey(b.tenantId, b.botId))).toBe(false);
    expect((await repo.markHandled(world.sql, [{ ...a, epoch: next!.epoch, updateIds: [1, 2] }])).size).toBe(
      0,
    );
    expect((await repo.pending(world.sql, [a], 10)).size).toBe(0);
  });

  it('pruning forgets handled updates yet still refuses their redelivery; drops never-handled old ones', async () => {
    const a = await bot();
    await repo.store(world.sql, [update(a, 100), update(a, 101), update(a, 102)]);
    await repo.markHandled(world.sql, [{ ...a, epoch: undefined, updateIds: [100, 101] }]);
    // Nothing is old enough yet.
    expect(await repo.prune(world.sql, 60_000, 3_600_000)).toMatchObject({ handled: 0, stale: 0 });
    await world.sql.query(
      "update inbound_updates set received_at = now() - interval '2 minutes' where tenant_id = ?",
      [a.tenantId],
    );
    const pruned = await repo.prune(world.sql, 60_000, 3_600_000);
    expect(pruned.handled).toBeGreaterThanOrEqual(2);
    expect(await count(a)).toBe(1);
    expect(await repo.prunedThrough(world.sql, a)).toBe(101);
    // A late redelivery of a forgotten update is refused; a new one is stored.
    expect(await repo.store(world.sql, [update(a, 100), update(a, 103)])).toBe(1);
    // Never handled for longer than the stale age: dropped, and counted apart.
    await world.sql.query(
      "update inbound_updates set received_at = now() - interval '2 hours' where tenant_id = ?",
      [a.tenantId],
    );
    const stale = await repo.prune(world.sql, 60_000, 3_600_000);
    expect(stale.stale).toBeGreaterThanOrEqual(2);
    expect(await count(a)).toBe(0);
    expect(await repo.prunedThrough(world.sql, a)).toBe(103);
  });

  it('a day after the last prune, lower update ids are stored again (Telegram starts them anew after a quiet week)', async () => {
    const a = await bot();
    await repo.store(world.sql, [update(a, 500_000_000)]);
    await repo.markHandled(world.sql, [{ ...a, epoch: undefined, updateIds: [500_000_000] }]);
    await world.sql.query(
      "update inbound_updates set received_at = now() - interval '2 minutes' where tenant_id = ?",
      [a.tenantId],
    );
    await repo.prune(world.sql, 60_000, 3_600_000);
    expect(await repo.prunedThrough(world.sql, a)).toBe(500_000_000);
    expect(await repo.store(world.sql, [update(a, 7)])).toBe(0);
    await world.sql.query(
      "update inbound_update_marks set pruned_at = now() - interval '25 hours' where tenant_id = ?",
      [a.tenantId],
    );
    expect(await repo.store(world.sql, [update(a, 7)])).toBe(1);
  });
});
