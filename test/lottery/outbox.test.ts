/**
 * The outbox keeps each chat's order through waits (F8): `claim` never takes a row past an older pending
 * row into the same chat that is waiting (a 429's retry_after or a retry's backoff), whether the later
 * rows were queued during the wait or given back from the batch that hit it; rows into other chats go on;
 * `nextDue` says when the next row may be taken.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claim, enqueue, nextDue, pauseAll, retryLater } from '../../src/lottery/outbox.ts';
import { makeOrganiser } from '../helpers/factories/index.ts';
import { createLotteryWorld, type LotteryWorld } from './helpers.ts';

let world: LotteryWorld;
beforeAll(async () => {
  world = await createLotteryWorld();
});
afterAll(async () => {
  await world?.close();
});

async function queue(tenantId: number, texts: string[], chatId = 7): Promise<void> {
  await enqueue(
    world.botSql,
    texts.map((text) => ({
      tenantId,
      method: 'sendMessage',
      payload: { chat_id: chatId, text },
      kind: 'join-result' as const,
      dedupeKey: `t:${text}`,
    })),
  );
}

const textsOf = (rows: { payload: Record<string, unknown> }[]) => rows.map((r) => r.payload.text);

describe('outbox order through waits (F8)', () => {
  it('takes nothing past a waiting row, then everything in id order', async () => {
    const sql = world.botSql;
    const tenantId = (await makeOrganiser(world.sql)).tenantId;
    await queue(tenantId, ['a', 'b', 'c']);
    const batch = await claim(sql, tenantId, 10);
    expect(textsOf(batch)).toEqual(['a', 'b', 'c']);

    // "a" hit a 429: it waits, the whole bot waits, and "b", "c" are given back (due now).
    await retryLater(sql, batch[0]!.id, 60_000, 429, 'Too Many Requests: retry after 60');
    await pauseAll(sql, tenantId, 60_000);
    for (const row of batch.slice(1)) await retryLater(sql, row.id, 0, null, 'released');
    // A send queued during the wait is due at once, yet must not overtake "a" either.
    await queue(tenantId, ['d']);
    expect(await claim(sql, tenantId, 10)).toEqual([]);
    const due = await nextDue(sql, tenantId);
    expect(due!.getTime()).toBeGreaterThan(Date.now() + 50_000);

    // The wait is over: everything goes, in the order it was queued.
    await retryLater(sql, batch[0]!.id, 0, null, 'wait over');
    expect(textsOf(await claim(sql, tenantId, 10))).toEqual(['a', 'b', 'c', 'd']);
    expect(await nextDue(sql, tenantId)).toBeNull();
  });

  it('is per tenant: one bot waiting does not hold up another', async () => {
    const sql = world.botSql;
    const waiting = (await makeOrganiser(world.sql)).tenantId;
    const other = (await makeOrganiser(world.sql)).tenantId;
    await queue(waiting, ['w1', 'w2']);
    await queue(other, ['o1']);
    const [first] = await claim(sql, waiting, 1);
    await retryLater(sql, first!.id, 60_000, 429, 'Too Many Requests: retry after 60');
    expect(await claim(sql, waiting, 10)).toEqual([]);
    expect(textsOf(await claim(sql, other, 10))).toEqual(['o1']);
  });

  it("a blocked chat's retries do not hold back sends to other chats", async () => {
    const sql = world.botSql;
    const tenantId = (await makeOrganiser(world.sql)).tenantId;
    await queue(tenantId, ['a1'], 7);
    await queue(tenantId, ['b1'], -1001);
    await queue(tenantId, ['a2'], 7);
    await queue(tenantId, ['b2'], -1001);
    const batch = await claim(sql, tenantId, 10);
    expect(textsOf(batch)).toEqual(['a1', 'b1', 'a2', 'b2']);
    // "a1" got a 500: its chat waits; the rest is given back.
    await retryLater(sql, batch[0]!.id, 60_000, 500, 'Internal Server Error');
    for (const row of batch.slice(1)) await retryLater(sql, row.id, 0, null, 'released');
    await queue(tenantId, ['b3'], -1001);
    await queue(tenantId, ['a3'], 7);
    // The other chat goes on, in its order; nothing of the waiting chat overtakes "a1".
    expect(textsOf(await claim(sql, tenantId, 10))).toEqual(['b1', 'b2', 'b3']);
    expect(await claim(sql, tenantId, 10)).toEqual([]);
    const due = await nextDue(sql, tenantId);
    expect(due!.getTime()).toBeGreaterThan(Date.now() + 50_000);
    await retryLater(sql, batch[0]!.id, 0, null, 'wait over');
    expect(textsOf(await claim(sql, tenantId, 10))).toEqual(['a1', 'a2', 'a3']);
  });
});
