/**
 * The draw scheduler runs due draws side by side, at most `maxParallel` at once, exactly once, and a draw
 * waiting for Telegram's membership answers holds no row lock: another connection can lock the lottery
 * row, a second scheduler skips it, and the other lotteries are drawn meanwhile. A membership check that
 * answers only when the test releases it stands in for a slow Telegram.
 */
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sqlFromPool } from '../../src/db/sql.ts';
import { verifyProof } from '../../src/lottery/fairness/index.ts';
import { drawNow, joinLottery, loadProof, type MembershipCheck } from '../../src/lottery/index.ts';
import { type DrawScheduler, startDrawScheduler } from '../../src/lottery/scheduler.ts';
import { testLogger } from '../helpers/db.ts';
import { makeLottery, makeOrganiser, person } from '../helpers/factories/index.ts';
import { waitUntil } from '../helpers/wait.ts';
import { createLotteryWorld, type LotteryWorld } from './helpers.ts';

const SLOW_CHAT = -9301;
const OTHER_CHAT = -9302;

let world: LotteryWorld;
let tenantId: number;
const schedulers: DrawScheduler[] = [];
const releases: (() => void)[] = [];
beforeAll(async () => {
  world = await createLotteryWorld();
  ({ tenantId } = await makeOrganiser(world.sql, {
    chats: [
      { chatId: SLOW_CHAT, title: 'Slow' },
      { chatId: OTHER_CHAT, title: 'Other' },
    ],
  }));
});
// Each test's schedulers are stopped before the next test makes lotteries they could pick up.
afterEach(async () => {
  for (const release of releases.splice(0)) release();
  await Promise.all(schedulers.splice(0).map((s) => s.stop()));
});
afterAll(async () => {
  await world?.close();
});

/** A membership check that answers for SLOW_CHAT only once released; `entered` when it is first asked. */
function heldCheck(): { check: MembershipCheck; entered: Promise<void>; release: () => void } {
  let release!: () => void;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  releases.push(release);
  let enter!: () => void;
  const entered = new Promise<void>((resolve) => {
    enter = resolve;
  });
  const check: MembershipCheck = async (chatId) => {
    if (chatId === SLOW_CHAT) {
      enter();
      await released;
    }
    return 'member';
  };
  return { check, entered, release };
}

/**
 * An open lottery with 10 entries, due now (or with a manual trigger when `due` is false); `slow` adds
 * the condition on SLOW_CHAT.
 */
async function dueLottery(title: string, slow: boolean, due = true): Promise<number> {
  const lottery = await makeLottery(world.sql, {
    tenantId,
    status: 'open',
    title,
    prizes: [{ name: 'Prize', quantity: 2 }],
    joinConditions: slow ? [{ kind: 'member', chatId: SLOW_CHAT }] : [],
    drawTrigger: due
      ? { kind: 'time', at: new Date(Date.now() + 3_600_000).toISOString() }
      : { kind: 'manual' },
    targets: [OTHER_CHAT],
    entrants: Array.from({ length: 10 }, (_, i) => person(i + 1)),
  });
  if (due) await world.sql.query('update lotteries set draw_at = now() where id = ?', [lottery.id]);
  return lottery.id;
}

function join(lotteryId: number, userId: number) {
  return joinLottery(world.botSql, {
    tenantId,
    lotteryId,
    entrant: person(userId),
    source: 'button',
    checkMembership: async () => 'member',
  });
}

function scheduler(check: MembershipCheck, maxParallel?: number): DrawScheduler {
  const s = startDrawScheduler({
    sql: world.sql,
    seedCipher: world.seedCipher,
    membershipFor: async () => check,
    logger: testLogger(),
    intervalMs: 3_600_000,
    ...(maxParallel ? { maxParallel } : {}),
  });
  schedulers.push(s);
  return s;
}

async function statusOf(lotteryId: number): Promise<string> {
  const [row] = await world.sql.query<{ status: string }>('select status from lotteries where id = ?', [
    lotteryId,
  ]);
  return row!.status;
}

async function counts(lotteryId: number): Promise<{ winners: number; announcements: number }> {
  const [row] = await world.sql.query<{ winners: string; announcements: string }>(
    `select (select count(*) from winners where lottery_id = ? and status = 'active') as winners,
            (select count(*) from outbox_messages where lottery_id = ? and kind = 'announce') as announcements`,
    [lotteryId, lotteryId],
  );
  return { winners: Number(row!.winners), announcements: Number(row!.announcements) };
}

/** Whether another connection can take the lottery row's lock without waiting (`for update nowait`). */
async function rowIsFree(lotteryId: number): Promise<boolean> {
  const client = new pg.Client({ connectionString: world.db.url });
  await client.connect();
  try {
    await client.query('begin');
    const { rows } = await client.query('select id from lotteries where id = $1 for update nowait', [
      lotteryId,
    ]);
    await client.query('rollback');
    return rows.length === 1;
  } catch (err) {
    if ((err as { code?: string }).code === '55P03') return false; // lock_not_available
    throw err;
  } finally {
    await client.end();
  }
}

describe('draw scheduler', () => {
  it('three supervisor nodes, each with its own pool, draw each due lottery exactly once', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 12; i++) ids.push(await dueLottery(`Three nodes ${i}`, false));
    const pools = [0, 1, 2].map(() => new pg.Pool({ connectionString: world.db.url, max: 10 }));
    try {
      const nodes = pools.map((pool) => {
        const s = startDrawScheduler({
          sql: sqlFromPool(pool),
          seedCipher: world.seedCipher,
          membershipFor: async () => async () => 'member',
          logger: testLogger(),
          intervalMs: 3_600_000,
        });
        schedulers.push(s);
        return s;
      });
      // Every node looks at the same moment, three times over.
      for (let round = 0; round < 3; round++) await Promise.all(nodes.map((n) => n.tick()));
      for (const id of ids) {
        expect(await statusOf(id)).toBe('drawn');
        expect(await counts(id)).toEqual({ winners: 2, announcements: 1 });
      }
      const [row] = await world.sql.query<{ n: string }>(
        'select count(*) as n from draw_proofs where lottery_id = any(?::int[])',
        [`{${ids.join(',')}}`],
      );
      expect(Number(row!.n)).toBe(12);
    } finally {
      await Promise.all(schedulers.splice(0).map((s) => s.stop()));
      await Promise.all(pools.map((p) => p.end()));
    }
  }, 60_000);

  it('draws due lotteries side by side: one waiting for membership answers does not hold up another', async () => {
    const slow = await dueLottery('Slow checks', true);
    const quick = await dueLottery('Quick', false);
    const held = heldCheck();
    const first = scheduler(held.check);
    const ticking = first.tick();
    await held.entered;
    await waitUntil(async () => (await statusOf(quick)) === 'drawn', 'the quick lottery drawn');
    expect(await counts(quick)).toEqual({ winners: 2, announcements: 1 });

    // The slow one is mid-draw: entries fixed, nothing written, and no row lock held.
    expect(first.drawing()).toEqual([slow]);
    expect(await statusOf(slow)).toBe('drawing');
    expect(await rowIsFree(slow)).toBe(true);
    expect((await join(slow, 99)).kind).toBe('closed');
    // A second instance skips it (exactly once), without waiting for it.
    const second = scheduler(async () => 'member');
    await second.tick();
    expect(await counts(slow)).toEqual({ winners: 0, announcements: 0 });

    held.release();
    await ticking;
    expect(await statusOf(slow)).toBe('drawn');
    expect(await counts(slow)).toEqual({ winners: 2, announcements: 1 });
    const proof = (await loadProof(world.sql, slow))!;
    expect(proof.entryCount).toBe(10);
    expect(verifyProof(proof).ok).toBe(true);
  }, 60_000);

  it('runs at most maxParallel draws at once and fills a freed slot at once', async () => {
    const slow = await dueLottery('Slow, one slot', true);
    const next = await dueLottery('Waiting for a slot', false);
    const held = heldCheck();
    const s = scheduler(held.check, 1);
    const ticking = s.tick();
    await held.entered;
    expect(s.drawing()).toEqual([slow]);
    expect(await statusOf(next)).toBe('open');

    held.release();
    await ticking;
    await waitUntil(async () => (await statusOf(next)) === 'drawn', 'the second lottery drawn');
    expect(await counts(slow)).toEqual({ winners: 2, announcements: 1 });
    expect(await counts(next)).toEqual({ winners: 2, announcements: 1 });
  }, 60_000);

  it('a manual draw holds no row lock while it checks, and a second one waits and is refused', async () => {
    const lotteryId = await dueLottery('Manual, slow checks', true, false);
    const held = heldCheck();
    const deps = { sql: world.sql, seedCipher: world.seedCipher, membershipFor: async () => held.check };
    const drawing = drawNow(deps, tenantId, lotteryId);
    await held.entered;
    expect(await rowIsFree(lotteryId)).toBe(true);
    const again = drawNow(deps, tenantId, lotteryId).catch((err: unknown) => err);
    held.release();
    const outcome = await drawing;
    expect(outcome.proof.winners).toHaveLength(2);
    expect(await again).toMatchObject({ code: 'lottery_not_open' });
    expect(await counts(lotteryId)).toEqual({ winners: 2, announcements: 1 });
  }, 60_000);
});
