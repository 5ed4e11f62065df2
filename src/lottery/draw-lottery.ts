/**
 * Drawing a lottery, exactly once whatever happens. The whole draw is one transaction that starts by
 * locking the lottery row while it is `open`: a manual draw racing the timer, or two supervisors, meet
 * on that lock and only the first finds the lottery still open; a crash mid-draw rolls everything back
 * (the lottery is open again and the next scheduler tick draws it, with the same seed and the same
 * entries, so with the same result). Joins take the same lock, so the entry list is fixed.
 *
 * Steps: fix the entries → tg-lottery-draw/1 (fairness/) → check each winner's membership conditions
 * (a condition is a condition for winning): a winner who is no longer a member is replaced by a recorded
 * reroll, as many rounds as needed (within {@link maxConditionChecks}); a check that cannot be made
 * keeps the winner → winners and proof rows → `drawn` → the announcements, the "finished" edits and the
 * DMs are queued in the outbox (sent whenever the tenant's bot runs).
 *
 * @throws LotteryError lottery_not_found / lottery_not_open (manual draw only)
 */
import type { Sql } from '../db/sql.ts';
import type { MembershipCheck } from './conditions.ts';
import { LotteryError } from './errors.ts';
import { fromHex } from './fairness/bytes.ts';
import { createContext } from './fairness/context.ts';
import { createDrawProof, type DrawProof } from './fairness/index.ts';
import { applyReroll } from './fairness/reroll.ts';
import type { SeedCipher } from './lotteries.ts';
import type { LotteryRecord } from './model.ts';
import { chatNames, enqueuePostEdits } from './posts.ts';
import { findLottery } from './store.ts';
import { enqueueAnnouncements, entriesOf, entryUserIds, insertWinners, saveProof } from './winners-store.ts';

/** Winners whose membership is checked at the same time at the draw. */
export const CHECK_CONCURRENCY = 8;

/**
 * Membership checks one draw makes at most: 20 per prize slot, and at least 1,000. Rounds of condition
 * rerolls go on until every winner passes or the entries run out; past this budget (most entrants left),
 * the winners not checked yet keep their prize.
 */
export function maxConditionChecks(slots: number): number {
  return Math.max(1000, 20 * slots);
}

export interface DrawDeps {
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
 * Draws lottery `id` if it is still open. `tenantId` null acts for any tenant (the scheduler);
 * `wait` false skips a lottery whose row is locked (another drawer has it) instead of waiting.
 * Resolves with null when the lottery was not open (already drawn, cancelled, or taken by another).
 */
export async function drawIfOpen(
  deps: DrawDeps,
  id: number,
  options: { tenantId: number | null; wait: boolean },
): Promise<DrawOutcome | null> {
  return deps.sql.transaction(async (sql) => {
    const [locked] = await sql.query<{ id: number }>(
      `select id from lotteries where id = ? and status = 'open' ${options.tenantId === null ? '' : 'and tenant_id = ?'}
       for update ${options.wait ? '' : 'skip locked'}`,
      options.tenantId === null ? [id] : [id, options.tenantId],
    );
    if (!locked) return null;
    await sql.query(`update lotteries set status = 'drawing', updated_at = now() where id = ?`, [id]);
    const lottery = (await findLottery(sql, null, id))!;
    const [seedRow] = await sql.query<{ seed_encrypted: string }>(
      'select seed_encrypted from lotteries where id = ?',
      [id],
    );
    const seed = fromHex(deps.seedCipher.decrypt(seedRow!.seed_encrypted), 32);
    const userIds = await entryUserIds(sql, id);
    const prizes = lottery.prizes.map((p) => ({ prizeId: p.id, name: p.name, quantity: p.quantity }));
    let proof = createDrawProof({ lotteryId: id, seed, userIds, prizes });

    const checked = await applyWinningConditions(sql, deps, lottery, proof, seed);
    proof = checked.proof;

    const chosenEver = new Set(proof.winners.map((w) => w.userId));
    for (const r of proof.rerolls) for (const u of r.replaced) chosenEver.add(u);
    const people = await entriesOf(sql, id, [...chosenEver]);
    const winnerIds = await insertWinners(sql, id, proof.winners, people);
    // Winners replaced during the draw are recorded as replaced, with the reason, like a later reroll.
    for (const r of checked.replaced) {
      const person = people.get(r.userId);
      if (!person) continue;
      await sql.query(
        `insert into winners (lottery_id, entry_id, prize_id, position, status, replaced_reason, replaced_at,
           delivery_status)
         values (?, ?, ?, ?, 'replaced', ?, now(), 'not-sent')`,
        [id, person.entryId, r.prizeId, r.position, r.reason],
      );
    }
    await saveProof(sql, proof);
    await sql.query(
      `update lotteries set status = 'drawn', drawn_at = now(), entry_count = ?, updated_at = now() where id = ?`,
      [userIds.length, id],
    );
    const drawn = (await findLottery(sql, null, id))!;
    await enqueuePostEdits(sql, drawn, 'finished', 'finished', await chatNames(sql, drawn.tenantId));
    await enqueueAnnouncements(sql, drawn, proof, people, winnerIds, deps.proofUrl?.(id) ?? null);
    return { lottery: drawn, proof };
  });
}

async function applyWinningConditions(
  sql: Sql,
  deps: DrawDeps,
  lottery: LotteryRecord,
  proof: DrawProof,
  seed: Uint8Array,
): Promise<{ proof: DrawProof; replaced: ReplacedAtDraw[] }> {
  const replaced: ReplacedAtDraw[] = [];
  const chats = lottery.joinConditions.flatMap((c) => (c.kind === 'member' ? [c.chatId] : []));
  if (chats.length === 0 || proof.winners.length === 0) return { proof, replaced };
  const check = (await deps.membershipFor?.(lottery.tenantId)) ?? null;
  if (!check) return { proof, replaced };
  const names = await chatNames(sql, lottery.tenantId);
  const context = createContext(proof.lotteryId, seed, proof.userIds);
  let state = { winners: proof.winners, undrawn: proof.undrawn, rerolls: proof.rerolls };
  let toCheck = state.winners.map((w) => w.userId);
  let budget = maxConditionChecks(proof.prizes.reduce((n, p) => n + p.quantity, 0));
  while (toCheck.length > 0 && budget > 0) {
    toCheck = toCheck.slice(0, budget);
    budget -= toCheck.length;
    const failing = new Map<number, number>();
    // A few winners at a time: a draw with many winners does not wait for each check in turn.
    let nextIndex = 0;
    const worker = async () => {
      while (nextIndex < toCheck.length) {
        const userId = toCheck[nextIndex++]!;
        for (const chatId of chats) {
          if ((await check(chatId, userId)) === 'not-member') {
            failing.set(userId, chatId);
            break;
          }
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(CHECK_CONCURRENCY, toCheck.length) }, worker));
    if (failing.size === 0) break;
    const chatList = [...new Set(failing.values())].map((c) => names.get(c) ?? String(c)).join(', ');
    const before = new Set(state.winners.map((w) => w.userId));
    const reason = `not a member of ${chatList} at the draw`;
    for (const w of state.winners) {
      if (failing.has(w.userId))
        replaced.push({ userId: w.userId, position: w.position, prizeId: w.prizeId, reason });
    }
    state = applyReroll(context, proof.prizes, state, [...failing.keys()], reason);
    toCheck = state.winners.map((w) => w.userId).filter((u) => !before.has(u));
  }
  return {
    proof: { ...proof, winners: state.winners, undrawn: state.undrawn, rerolls: state.rerolls },
    replaced,
  };
}

interface ReplacedAtDraw {
  userId: number;
  position: number;
  prizeId: number;
  reason: string;
}

/**
 * The manual draw (admin API): draws now, waiting for a join in progress; a lottery that is not open
 * (drawn by the timer a moment ago, cancelled, a draft) is refused.
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

/** Lotteries due for a draw now: their time has come, or their entry count is reached. */
export async function dueLotteries(sql: Sql, limit = 20): Promise<number[]> {
  const rows = await sql.query<{ id: number }>(
    `select id from lotteries
      where status = 'open'
        and ((draw_at is not null and draw_at <= now())
          or (draw_at_entries is not null and entry_count >= draw_at_entries))
      order by id limit ?`,
    [limit],
  );
  return rows.map((r) => r.id);
}
