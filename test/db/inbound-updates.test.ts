/**
 * Stored webhook updates (src/db/repositories/inbound-updates.ts): a group is stored in one statement and
 * each tenant notified once; a redelivery is stored once; an update for a bot that is not the tenant's
 * configured one is not stored; a bot reads its updates in update_id order; marking is refused under a
 * lease that is not the live one; pruning forgets handled updates but keeps refusing their redeliveries,
 * and drops updates nobody handled for too long.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
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

  it('a bot reads its pending updates oldest first, and marks them handled under its live lease', async () => {
    const a = await bot();
    await repo.store(world.sql, [update(a, 30), update(a, 10), update(a, 20)]);
    const pending = await repo.pending(world.sql, a, 2);
    expect(pending.map((p) => p.updateId)).toEqual([10, 20]);
    expect(pending[0]!.body).toMatchObject({ update_id: 10 });
    const [lease] = await leaseRepository.acquire(world.sql, `n:${unique()}`, [a.tenantId], 60_000);
    expect(await repo.markHandled(world.sql, a, [10, 20], lease)).toBe(true);
    expect((await repo.pending(world.sql, a, 10)).map((p) => p.updateId)).toEqual([30]);
  });

  it('refuses to mark under a stale epoch: the rows stay for the new owner', async () => {
    const a = await bot();
    await repo.store(world.sql, [update(a, 1), update(a, 2)]);
    const [old] = await leaseRepository.acquire(world.sql, `old:${unique()}`, [a.tenantId], 60_000);
    await world.sql.query(
      "update bot_leases set expires_at = now() - interval '1 second' where tenant_id = ?",
      [a.tenantId],
    );
    const [next] = await leaseRepository.acquire(world.sql, `new:${unique()}`, [a.tenantId], 60_000);
    expect(next!.epoch).toBe(old!.epoch + 1);
    expect(await repo.markHandled(world.sql, a, [1, 2], old)).toBe(false);
    expect((await repo.pending(world.sql, a, 10)).map((p) => p.updateId)).toEqual([1, 2]);
    expect(await repo.markHandled(world.sql, a, [1, 2], next)).toBe(true);
    expect(await repo.pending(world.sql, a, 10)).toEqual([]);
  });

  it('names the tenants with updates waiting', async () => {
    const a = await bot();
    const b = await bot();
    await repo.store(world.sql, [update(a, 1)]);
    expect(await repo.tenantsWithPending(world.sql, [a.tenantId, b.tenantId])).toEqual([a.tenantId]);
  });

  it('pruning forgets handled updates yet still refuses their redelivery; drops never-handled old ones', async () => {
    const a = await bot();
    await repo.store(world.sql, [update(a, 100), update(a, 101), update(a, 102)]);
    await repo.markHandled(world.sql, a, [100, 101], undefined);
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
});
