/**
 * Rerolling from the admin API: replace chosen winners (e.g. unreachable ones) with new ones drawn from
 * the remaining entries (never a previous winner), with a recorded reason. The replacement randomness is
 * the next round of the lottery's stream (fairness/reroll.ts), so the proof still verifies. The reroll is
 * announced in every target and each new winner gets a DM, through the outbox.
 *
 * @throws LotteryError lottery_not_found, lottery_not_drawn, winner_not_active, invalid_lottery (reason)
 */
import type { Sql } from '../db/sql.ts';
import { entriesOf } from './entries-store.ts';
import { LotteryError } from './errors.ts';
import { MAX_REASON_LENGTH, reroll } from './fairness/index.ts';
import type { LotteryRecord } from './model.ts';
import { enqueue } from './outbox.ts';
import { type AnnouncedWinner, rerollText } from './render.ts';
import { findLottery } from './store.ts';
import {
  insertWinners,
  loadProof,
  markReplaced,
  saveProof,
  winnerDms,
  winnersByIds,
} from './winners-store.ts';

export interface RerollRequest {
  /** winners.id of the winners to replace. */
  winnerIds: number[];
  reason: string;
}

/** Replaces the given winners; resolves with the lottery after the reroll. */
export async function rerollWinners(
  sql: Sql,
  tenantId: number,
  lotteryId: number,
  request: RerollRequest,
): Promise<LotteryRecord> {
  const reason = request.reason.trim();
  if (reason.length === 0 || reason.length > MAX_REASON_LENGTH) {
    throw new LotteryError('invalid_lottery', `give a reason of 1 to ${MAX_REASON_LENGTH} characters`, {
      path: ['reason'],
    });
  }
  if (request.winnerIds.length === 0)
    throw new LotteryError('invalid_lottery', 'name at least one winner', { path: ['winnerIds'] });
  return sql.transaction(async (tx) => {
    const lottery = await findLottery(tx, tenantId, lotteryId, { lock: true });
    if (!lottery) throw new LotteryError('lottery_not_found', 'No lottery with this id.');
    if (lottery.status !== 'drawn') {
      throw new LotteryError(
        'lottery_not_drawn',
        `Only a drawn lottery can be rerolled; this one is ${lottery.status}.`,
      );
    }
    const ids = [...new Set(request.winnerIds)];
    const active = (await winnersByIds(tx, lotteryId, ids)).filter((w) => w.status === 'active');
    if (active.length !== ids.length) {
      const bad = ids.filter((id) => !active.some((w) => w.id === id));
      throw new LotteryError(
        'winner_not_active',
        `Winner ${bad.join(', ')} is not a current winner of this lottery.`,
      );
    }
    const proof = await loadProof(tx, lotteryId);
    if (!proof) throw new LotteryError('lottery_not_drawn', 'This lottery has no draw proof.');
    const replaceUsers = active.map((w) => w.userId);
    const next = reroll({ proof, replace: replaceUsers, reason });
    const record = next.rerolls[next.rerolls.length - 1]!;
    const newUsers = record.replacements.filter((u): u is number => u !== null);
    const people = await entriesOf(tx, lotteryId, [...replaceUsers, ...newUsers]);
    await markReplaced(tx, lotteryId, replaceUsers, people, reason);
    const isNew = new Set(newUsers);
    const newWinners = next.winners.filter((w) => isNew.has(w.userId));
    const winnerIds = await insertWinners(tx, lotteryId, newWinners, people);
    await saveProof(tx, next);

    const prizeName = new Map(next.prizes.map((p) => [p.prizeId, p.name]));
    // By user, once: a lottery may have 200,000 winners, so no search of the list per name.
    const winnerOf = new Map(next.winners.map((w) => [w.userId, w]));
    const asAnnounced = (userId: number): AnnouncedWinner => {
      const p = people.get(userId);
      const w = winnerOf.get(userId);
      return {
        userId,
        firstName: p?.firstName ?? String(userId),
        lastName: p?.lastName ?? null,
        prizeName: w ? (prizeName.get(w.prizeId) ?? '') : '',
      };
    };
    const pairs = record.replaced.map((userId, i) => {
      const replacement = record.replacements[i] ?? null;
      return {
        replaced: asAnnounced(userId),
        replacement: replacement === null ? null : asAnnounced(replacement),
      };
    });
    const text = rerollText(lottery, pairs, reason);
    await enqueue(tx, [
      ...lottery.publishTargets.map((chatId) => ({
        tenantId,
        method: 'sendMessage',
        payload: { chat_id: chatId, text, parse_mode: 'HTML' },
        kind: 'reroll-announce' as const,
        lotteryId,
        dedupeKey: `reroll:${lotteryId}:${record.round}:${chatId}`,
      })),
      ...winnerDms(lottery, newWinners, people, winnerIds, prizeName),
    ]);
    return (await findLottery(tx, tenantId, lotteryId))!;
  });
}
