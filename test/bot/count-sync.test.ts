/**
 * The post count updater (src/bot/count-sync.ts): after joins, one edit per stale post is queued with the
 * lottery's count, and the lotteries of all stale posts are read in one statement (no read per post).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CountSync } from '../../src/bot/count-sync.ts';
import type { Sql } from '../../src/db/sql.ts';
import { createLottery, joinLottery, publishLottery } from '../../src/lottery/index.ts';
import { testLogger } from '../helpers/db.ts';
import { createLotteryWorld, type LotteryWorld, person, tenantWithChats } from '../lottery/helpers.ts';

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
    const tenantId = await tenantWithChats(world.sql, [{ chatId: -8101 }, { chatId: -8102 }]);
    const deps = { sql: world.sql, seedCipher: world.seedCipher };
    const open = async (targets: number[]) => {
      const draft = await createLottery(deps, tenantId, {
        title: 'Counts',
        prizes: [{ name: 'Mug', quantity: 1 }],
        drawTrigger: { kind: 'manual' },
        publishTargets: targets,
      });
      return publishLottery(deps, tenantId, draft.id);
    };
    const a = await open([-8101, -8102]); // one lottery, two posts
    const b = await open([-8101]);
    // The posts are out (as the outbox would record them); their shown count is 0.
    await world.sql.query(
      `update lottery_posts set message_id = id + 100, shown_entry_count = 0
        where lottery_id in (?, ?)`,
      [a.id, b.id],
    );
    const join = (lotteryId: number, userId: number) =>
      joinLottery(world.botSql, {
        tenantId,
        lotteryId,
        entrant: person(userId),
        source: 'button',
        checkMembership: async () => 'member',
      });
    for (const userId of [1, 2, 3]) expect((await join(a.id, userId)).kind).toBe('joined');
    expect((await join(b.id, 4)).kind).toBe('joined');

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
});
