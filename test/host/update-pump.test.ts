/**
 * The bot host's reader of stored webhook updates (src/host/update-pump.ts): the updates of many bots are
 * read in one statement and marked in one; each bot gets its own in update_id order, one batch at a time;
 * a batch is marked only once the bot has handled it (a host that dies before leaves it for the next
 * reader); a mark under a stale lease is refused and the bot is not read again until the lease gate is
 * extended; a bot whose gate is closed is not read; progress is "now" while a bot has nothing to do and
 * stands still while a batch hangs; a database that fails the reads is reported, and reading resumes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LeaseFence, LeaseGate } from '../../src/bot/lease-gate.ts';
import {
  type PendingUpdate,
  inboundUpdateRepository as repo,
} from '../../src/db/repositories/inbound-updates.ts';
import { leaseRepository } from '../../src/db/repositories/leases.ts';
import type { Sql } from '../../src/db/sql.ts';
import { type PumpedBot, UpdatePump } from '../../src/host/update-pump.ts';
import { testLogger } from '../helpers/db.ts';
import { makeOrganiser, unique } from '../helpers/factories/index.ts';
import { waitUntil } from '../helpers/wait.ts';
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

async function store(b: { tenantId: number; botId: number }, ids: number[]): Promise<void> {
  await repo.store(
    world.sql,
    ids.map((updateId) => ({ ...b, updateId, body: { update_id: updateId } })),
  );
}

async function pendingIds(b: { tenantId: number; botId: number }): Promise<number[]> {
  const found = await repo.pending(world.sql, [b], 1000);
  return [...found.values()].flat().map((u) => u.updateId);
}

/** An Sql that counts the statements of each kind the pump sends. */
function counting(sql: Sql) {
  const counts = { reads: 0, marks: 0 };
  return {
    counts,
    sql: {
      query: async <T>(text: string, params?: readonly unknown[]) => {
        if (/^\s*select w\.tenant_id/.test(text)) counts.reads++;
        if (/update inbound_updates/.test(text)) counts.marks++;
        return sql.query<T>(text, params);
      },
    },
  };
}

function recorder(b: { tenantId: number; botId: number }, fence?: LeaseFence) {
  const seen: number[][] = [];
  const pumped: PumpedBot = {
    ...b,
    ...(fence ? { fence } : {}),
    logger: testLogger(),
    deliver: async (updates: PendingUpdate[]) => {
      seen.push(updates.map((u) => u.updateId));
    },
  };
  return { seen, pumped };
}

describe('the update pump', () => {
  it('reads and marks many bots in one statement each; every bot gets its own, in order', async () => {
    const bots = [await bot(), await bot(), await bot()];
    for (const [i, b] of bots.entries()) await store(b, [30 + i, 10 + i, 20 + i]);
    const { sql, counts } = counting(world.sql);
    const pump = new UpdatePump({ sql, logger: testLogger() });
    try {
      const recorders = bots.map((b) => recorder(b));
      for (const [i, r] of recorders.entries()) pump.add(`k${i}`, r.pumped);
      await waitUntil(async () => {
        for (const b of bots) if ((await pendingIds(b)).length > 0) return false;
        return true;
      }, 'every stored update to be marked');
      for (const [i, r] of recorders.entries()) expect(r.seen).toEqual([[10 + i, 20 + i, 30 + i]]);
      expect(counts.reads).toBe(1);
      expect(counts.marks).toBe(1);
    } finally {
      pump.close();
    }
  });

  it('with many bots waiting, each gets a share of a round, and all of its updates in order over rounds', async () => {
    const a = await bot();
    const b = await bot();
    await store(a, [1, 2, 3, 4, 5]);
    await store(b, [6, 7, 8, 9, 10]);
    const pump = new UpdatePump({ sql: world.sql, logger: testLogger(), roundMax: 4 });
    try {
      const ra = recorder(a);
      const rb = recorder(b);
      pump.add('a', ra.pumped);
      pump.add('b', rb.pumped);
      await waitUntil(
        async () => (await pendingIds(a)).length + (await pendingIds(b)).length === 0,
        'all marked',
      );
      expect(ra.seen[0]).toEqual([1, 2]);
      expect(rb.seen[0]).toEqual([6, 7]);
      expect(ra.seen.flat()).toEqual([1, 2, 3, 4, 5]);
      expect(rb.seen.flat()).toEqual([6, 7, 8, 9, 10]);
    } finally {
      pump.close();
    }
  });

  it('marks a batch only once the bot has handled it; a bot dropped before leaves it for the next reader', async () => {
    const b = await bot();
    await store(b, [1, 2]);
    const pump = new UpdatePump({ sql: world.sql, logger: testLogger() });
    let release: () => void = () => {};
    let delivered = 0;
    const handle = pump.add('hanging', {
      ...b,
      logger: testLogger(),
      deliver: () => {
        delivered++;
        return new Promise<void>((resolve) => {
          release = resolve;
        });
      },
    });
    try {
      await waitUntil(() => delivered === 1, 'the batch to be delivered');
      const busySince = handle.progressAt();
      expect(await pendingIds(b)).toEqual([1, 2]);
      // The handler hangs: progress stands still.
      expect(handle.progressAt()).toBe(busySince);
      handle.drop();
      release();
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(await pendingIds(b)).toEqual([1, 2]);
      // The next reader (a new runner of the bot) gets the batch again and marks it.
      const next = recorder(b);
      const nextHandle = pump.add('next', next.pumped);
      await waitUntil(async () => (await pendingIds(b)).length === 0, 'the next reader to mark it');
      expect(next.seen).toEqual([[1, 2]]);
      // Nothing to do: progress is now.
      expect(Date.now() - nextHandle.progressAt()).toBeLessThan(5);
    } finally {
      pump.close();
    }
  });

  it('a stale lease: the mark is refused, rows stay, and the bot waits for the next lease extension', async () => {
    const b = await bot();
    await store(b, [5]);
    const [lease] = await leaseRepository.acquire(world.sql, `old:${unique()}`, [b.tenantId], 60_000);
    await world.sql.query(
      "update bot_leases set expires_at = now() - interval '1 second' where tenant_id = ?",
      [b.tenantId],
    );
    await leaseRepository.acquire(world.sql, `new:${unique()}`, [b.tenantId], 60_000);
    const gate = new LeaseGate(Date.now() + 60_000);
    const fence: LeaseFence = {
      tenantId: b.tenantId,
      epoch: lease!.epoch,
      gate,
      lost: false,
      pollOffset: null,
    };
    const { sql, counts } = counting(world.sql);
    const pump = new UpdatePump({ sql, logger: testLogger() });
    try {
      const r = recorder(b, fence);
      pump.add('stale', r.pumped);
      await waitUntil(() => counts.marks === 1, 'the refused mark');
      expect(await pendingIds(b)).toEqual([5]);
      pump.wake(b.tenantId);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(counts.reads).toBe(1);
      pump.reopened();
      await waitUntil(() => counts.reads === 2, 'a read after the extension');
    } finally {
      pump.close();
    }
  });

  it('does not read a bot whose lease gate is closed, until it reopens', async () => {
    const b = await bot();
    await store(b, [9]);
    const gate = new LeaseGate(0);
    const fence: LeaseFence = { tenantId: b.tenantId, epoch: 1, gate, lost: false, pollOffset: null };
    const pump = new UpdatePump({ sql: world.sql, logger: testLogger() });
    try {
      const r = recorder(b, { ...fence, epoch: 0 });
      r.pumped.fence = fence;
      const [lease] = await leaseRepository.acquire(world.sql, `n:${unique()}`, [b.tenantId], 60_000);
      fence.epoch = lease!.epoch;
      pump.add('closed', r.pumped);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(r.seen).toEqual([]);
      gate.extend(Date.now() + 60_000);
      pump.reopened();
      await waitUntil(async () => (await pendingIds(b)).length === 0, 'the read and mark after reopening');
      expect(r.seen).toEqual([[9]]);
    } finally {
      pump.close();
    }
  });

  it('reports a database that fails the reads, and reads again when it answers', async () => {
    const b = await bot();
    await store(b, [3]);
    let down = true;
    const pump = new UpdatePump({
      sql: {
        query: async <T>(text: string, params?: readonly unknown[]) => {
          if (down) throw new Error('connect ECONNREFUSED');
          return world.sql.query<T>(text, params);
        },
      },
      logger: testLogger(),
      retryMs: 20,
    });
    try {
      const r = recorder(b);
      const handle = pump.add('failing', r.pumped);
      await waitUntil(() => handle.failure() !== null, 'the failure to be reported');
      expect(handle.failure()!.description).toContain('database');
      down = false;
      await waitUntil(async () => (await pendingIds(b)).length === 0, 'the read once it answers');
      expect(handle.failure()).toBeNull();
      expect(r.seen).toEqual([[3]]);
    } finally {
      pump.close();
    }
  });
});
