/**
 * Drawing a lottery, exactly once whatever happens, without holding the lottery's row lock while
 * Telegram is asked anything. A draw has a claim and three phases:
 *
 * - **Claim.** The drawer takes the PostgreSQL advisory lock (`DRAW_LOCK_SPACE`, lottery id) in a
 *   transaction of its own that does nothing else and stays open for the whole draw: two drawers (the
 *   timer and "draw now", two supervisors) never work on one lottery at once, and when a drawer dies its
 *   connection closes and the lock is free at once. That transaction locks no row.
 * - **1. Fix the entries** (short transaction): lock the lottery row while it is `open` (or `drawing`
 *   and left by a drawer that died: the advisory lock says nobody else has it), set it `drawing` and
 *   commit. Joins need the lottery `open`, so the entry list is fixed from here on, exactly what was
 *   acknowledged; joins in progress finished before the row lock was granted.
 * - **2. Draw and check** (no transaction, no lock): read the entries, tg-lottery-draw/1 (fairness/),
 *   then the winning conditions (draw-conditions.ts): each winner's membership is re-checked with the
 *   tenant's bot, and a winner who left is replaced by a recorded reroll.
 * - **3. Write** (one transaction, no network): check it is still `drawing`, then winners and proof rows,
 *   the announcements, the "finished" edits and the DMs queued in the outbox (sent whenever the tenant's
 *   bot runs), and last `drawn`: the row is locked only from that update to the commit.
 *
 * A crash anywhere before phase 3 commits leaves the lottery `drawing` with nothing written and its
 * advisory lock free: the next scheduler tick (or "draw now") resumes it, with the same seed and the same
 * entries, so with the same draw (the membership checks are made again).
 *
 * @throws LotteryError lottery_not_found / lottery_not_open (manual draw only)
 */
import type { Sql } from '../db/sql.ts';
import { chatNames } from './chats-store.ts';
import type { MembershipCheck } from './conditions.ts';
import { applyWinningConditions, type CheckedDraw } from './draw-conditions.ts';
import { entriesOf, entryUserIds } from './entries-store.ts';
import { LotteryError } from './errors.ts';
import { fromHex } from './fairness/bytes.ts';
import { createDrawProof, type DrawProof } from './fairness/index.ts';
import type { SeedCipher } from './lotteries.ts';
import type { LotteryRecord } from './model.ts';
import { enqueuePostEdits } from './posts.ts';
import { findLottery, lockForDraw, lotteryStatus, markDrawing, markDrawn } from './store.ts';

import { enqueueAnnouncements, insertReplacedAtDraw, insertWinners, saveProof } from './winners-store.ts';

export { CHECK_CONCURRENCY, maxConditionChecks } from './draw-conditions.ts';

/**
 * First key of the draw's advisory lock `(DRAW_LOCK_SPACE, lottery id)` (the two-key form, which does not
 * overlap the one-key locks of migrations and registration). ASCII "tgld".
 */
export const DRAW_LOCK_SPACE = 0x74676c64;

/**
 * Draws one process makes at the same time, the scheduler's and manual ones together; more wait their
 * turn without holding a connection. Each draw holds up to two connections (its claim and one phase), so
 * 6 leave at least a few of a pool of 10 (the default, shared with the web and the supervisor in
 * `tg-lottery start`) for everything else, and claims can never take the whole pool.
 */
export const MAX_DRAWS_PER_PROCESS = 6;
let drawsRunning = 0;
const drawQueue: (() => void)[] = [];

/** Runs `work` in one of the process's {@link MAX_DRAWS_PER_PROCESS} draw slots (first come, first served). */
async function inDrawSlot<T>(work: () => Promise<T>): Promise<T> {
  if (drawsRunning < MAX_DRAWS_PER_PROCESS) drawsRunning++;
  else await new Promise<void>((resolve) => drawQueue.push(resolve));
  try {
    return await work();
  } finally {
    // The slot passes straight to the next in line, or is given back.
    const next = drawQueue.shift();
    if (next) next();
    else drawsRunning--;
  }
}

export interface DrawDeps {
  /** A pool, not a transaction: the claim and each phase take their own connection. */
  sql: Sql;
  seedCipher: SeedCipher;
  /** A membership checker for the tenant (its bot's getChatMember), or null when none can be made. */
  membershipFor?: (tenantId: number) => Promise<MembershipCheck | null>;
  /** Public URL of a lottery's proof page, or null (then the commitment is shown). */
  proofUrl?: (lotteryId: number) => string | null;
}

export interface DrawOutcome {
  lottery: LotteryRecord;
  proof: DrawProof;
}

/**
 * Draws lottery `id` if it is open (or `drawing`, left by a drawer that died). `tenantId` null acts for
 * any tenant (the scheduler); `wait` false skips a lottery another drawer is drawing right now instead of
 * waiting for it. Resolves with null when there was nothing to draw (already drawn, cancelled, another
 * tenant's, or taken by another drawer). Holds two connections at most: the claim and one phase; at most
 * {@link MAX_DRAWS_PER_PROCESS} draws run at once in a process.
 */
export async function drawIfOpen(
  deps: DrawDeps,
  id: number,
  options: { tenantId: number | null; wait: boolean },
): Promise<DrawOutcome | null> {
  if (!Number.isSafeInteger(id) || id < 1 || id > 2_147_483_647) return null;
  return inDrawSlot(() => drawClaimed(deps, id, options));
}

async function drawClaimed(
  deps: DrawDeps,
  id: number,
  options: { tenantId: number | null; wait: boolean },
): Promise<DrawOutcome | null> {
  return deps.sql.transaction(async (claim) => {
    const [got] = await claim.query<{ ok: boolean }>(
      options.wait
        ? 'select true as ok from pg_advisory_xact_lock(?::int, ?::int)'
        : 'select pg_try_advisory_xact_lock(?::int, ?::int) as ok',
      [DRAW_LOCK_SPACE, id],
    );
    if (!got?.ok) return null;
    const started = await fixEntries(deps, id, options.tenantId);
    if (!started) return null;
    const { lottery, seed } = started;
    const userIds = await entryUserIds(deps.sql, id);
    const prizes = lottery.prizes.map((p) => ({ prizeId: p.id, name: p.name, quantity: p.quantity }));
    const drawn = createDrawProof({ lotteryId: id, seed, userIds, prizes });
    const needsCheck = lottery.joinConditions.some((c) => c.kind === 'member') && drawn.winners.length > 0;
    const check = needsCheck ? ((await deps.membershipFor?.(lottery.tenantId)) ?? null) : null;
    const names = check ? await chatNames(deps.sql, lottery.tenantId) : new Map<number, string>();
    const checked = await applyWinningConditions(lottery, drawn, seed, check, names);
    return writeDraw(deps, lottery, checked);
  });
}

/**
 * Phase 1: the lottery becomes `drawing` (entries fixed); returns it with its seed, or null when it is
 * neither open nor left drawing.
 */
async function fixEntries(
  deps: DrawDeps,
  id: number,
  tenantId: number | null,
): Promise<{ lottery: LotteryRecord; seed: Uint8Array } | null> {
  return deps.sql.transaction(async (sql) => {
    const row = await lockForDraw(sql, id, tenantId);
    if (!row) return null;
    if (row.status === 'open') await markDrawing(sql, id);
    const lottery = (await findLottery(sql, null, id))!;
    return { lottery, seed: fromHex(deps.seedCipher.decrypt(row.seedEncrypted), 32) };
  });
}

/**
 * Phase 3: winners, proof, outbox, then `drawn`; null when the lottery is no longer `drawing`. The row is
 * locked only by the last statement, so a join pressed now (it waits for a row lock) is refused in
 * milliseconds, not after 200,000 winner rows; no other drawer can write meanwhile (the claim).
 */
async function writeDraw(
  deps: DrawDeps,
  lottery: LotteryRecord,
  checked: CheckedDraw,
): Promise<DrawOutcome | null> {
  const { proof } = checked;
  const id = lottery.id;
  return deps.sql.transaction(async (sql) => {
    if ((await lotteryStatus(sql, id)) !== 'drawing') return null;
    const chosenEver = new Set(proof.winners.map((w) => w.userId));
    for (const r of proof.rerolls) for (const u of r.replaced) chosenEver.add(u);
    const people = await entriesOf(sql, id, [...chosenEver]);
    const winnerIds = await insertWinners(sql, id, proof.winners, people);
    // Winners replaced during the draw are recorded as replaced, with the reason, like a later reroll.
    await insertReplacedAtDraw(sql, id, checked.replaced, people);
    await saveProof(sql, proof);
    // The texts show the lottery as drawn, with its fixed entry count.
    const shown: LotteryRecord = { ...lottery, status: 'drawn', entryCount: proof.entryCount };
    await enqueuePostEdits(sql, shown, 'finished', 'finished', await chatNames(sql, lottery.tenantId));
    await enqueueAnnouncements(sql, shown, proof, people, winnerIds, deps.proofUrl?.(id) ?? null);
    // Only a drawer bypassing the claim could get here; roll its rows back.
    if (!(await markDrawn(sql, id, proof.entryCount)))
      throw new Error(`lottery ${id} stopped being drawing during its draw`);
    return { lottery: (await findLottery(sql, null, id))!, proof };
  });
}

/**
 * The manual draw (admin API): draws now, waiting for a join or another draw in progress; a lottery that
 * is not open (drawn by the timer a moment ago, cancelled, a draft) is refused.
 */
export async function drawNow(deps: DrawDeps, tenantId: number, id: number): Promise<DrawOutcome> {
  const outcome = await drawIfOpen(deps, id, { tenantId, wait: true });
  if (outcome) return outcome;
  const lottery = await findLottery(deps.sql, tenantId, id);
  if (!lottery) throw new LotteryError('lottery_not_found', 'No lottery with this id.');
  throw new LotteryError(
    'lottery_not_open',
    lottery.status === 'drawn' || lottery.status === 'drawing'
      ? 'This lottery has already been drawn.'
      : `Only an open lottery can be drawn; this one is ${lottery.status}.`,
  );
}
