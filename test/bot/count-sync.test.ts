/**
 * The post count updater (src/bot/count-sync.ts): after joins, one edit per stale post is queued with the
 * lottery's count, and the lotteries of all stale posts are read in one statement (no read per post).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CountSync } from '../../src/bot/count-sync.ts';
import type { Sql } from '../../src/db/sql.ts';
import { joinLottery } from '../../src/lottery/index.ts';
import { testLogger } from '../helpers/db.ts';
import { deliverOutbox, makeLottery, makeOrganiser, person } from '../helpers/factories/index.ts';
import { createLotteryWorld, type LotteryWorld } from '../lottery/helpers.ts';

let world: LotteryWorld;
beforeAll(async () => {
  world = await createLotteryWorld();
});
afterAll(async () => {
  await world?.close();
});

/** `sql` with every statement's text recorded (transactions too). */
function recording(sql: Sql, texts: string[]): Sql {
  return {
    query(text, params) {
      texts.push(text);
      return sql.query(text, params);
    },
    transaction(work) {
      return sql.transaction((tx) => work(recording(tx, texts)));
    },
  };
}

describe('count sync', () => {
  it('queues one count edit per stale post, reading the lotteries once for all posts', async () => {
    const { tenantId } = await makeOrganiser(world.sql, { chats: [{ chatId: -8101 }, { chatId: -8102 }] });
    const open = (targets: number[], entrants: number[]) =>
      makeLottery(world.sql, {
        tenantId,
        status: 'open',
        title: 'Counts',
        prizes: [{ name: 'Mug', quantity: 1 }],
        targets,
        entrants: entrants.map((userId) => person(userId)),
      });
    const a = await open([-8101, -8102], [1, 2, 3]); // one lottery, two posts
    const b = await open([-8101], [4]);
    // The posts are out (as the outbox records them); their shown count is 0.
    await deliverOutbox(world.sql, tenantId);

    const texts: string[] = [];
    let resolveQueued: () => void = () => {};
    const queued = new Promise<void>((resolve) => {
      resolveQueued = resolve;
    });
    const sync = new CountSync({
      sql: recording(world.botSql, texts),
      tenantId,
      intervalMs: 0,
      logger: testLogger(),
      onQueued: () => resolveQueued(),
    });
    sync.start();
    await queued;
    await sync.stop();

    const edits = await world.sql.query<{ lottery_id: number; chat_id: string; count: number }>(
      `select o.lottery_id, p.chat_id, (o.meta->>'entryCount')::int as count
         from outbox_messages o join lottery_posts p on p.id = o.ref_id
        where o.tenant_id = ? and o.kind = 'count-edit' order by o.lottery_id, p.chat_id`,
      [tenantId],
    );
    expect(edits).toEqual([
      { lottery_id: a.id, chat_id: '-8102', count: 3 },
      { lottery_id: a.id, chat_id: '-8101', count: 3 },
      { lottery_id: b.id, chat_id: '-8101', count: 1 },
    ]);
    const lotteryReads = texts.filter((t) => /from lotteries l\b/.test(t) && !/join lotteries l/.test(t));
    expect(lotteryReads, "the stale posts' lotteries are read in one statement").toHaveLength(1);
  });

  it('a post whose edit was still queued is looked at again once that edit is out, without a new join', async () => {
    const { tenantId } = await makeOrganiser(world.sql, { chats: [{ chatId: -8201 }] });
    const lottery = await makeLottery(world.sql, {
      tenantId,
      status: 'open',
      title: 'Late count',
      prizes: [{ name: 'Mug', quantity: 1 }],
      targets: [-8201],
      entrants: [person(11), person(12)],
    });
    await deliverOutbox(world.sql, tenantId); // the post is out, showing 0

    const queued: Array<() => void> = [];
    const nextQueued = () => new Promise<void>((resolve) => queued.push(resolve));
    let staleSeen: (() => void) | null = null;
    const sql: Sql = {
      async query(text, params) {
        const rows = await world.botSql.query(text, params);
        if (text.includes('edit_pending') && staleSeen) {
          staleSeen();
          staleSeen = null;
        }
        return rows as never;
      },
      transaction: (work) => world.botSql.transaction(work),
    };
    const sync = new CountSync({
      sql,
      tenantId,
      intervalMs: 20,
      logger: testLogger(),
      onQueued: () => queued.shift()?.(),
    });
    const first = nextQueued();
    sync.start();
    await first; // an edit to 2 entries is queued
    const joined = await joinLottery(world.botSql, {
      tenantId,
      lotteryId: lottery.id,
      entrant: person(13),
      source: 'button',
      checkMembership: async () => 'member',
    });
    expect(joined.kind).toBe('joined');
    // The join's handler marks the tenant dirty; that sync finds the edit to 2 still queued and leaves it.
    const seen = new Promise<void>((resolve) => {
      staleSeen = resolve;
    });
    const second = nextQueued();
    sync.markDirty();
    await seen;
    await deliverOutbox(world.sql, tenantId); // the edit to 2 goes out: the post shows 2 of 3
    await second;
    await sync.stop();

    const counts = await world.sql.query<{ count: number }>(
      `select (meta->>'entryCount')::int as count from outbox_messages
        where tenant_id = ? and kind = 'count-edit' order by id`,
      [tenantId],
    );
    expect(counts.map((c) => c.count)).toEqual([2, 3]);
  });
});
