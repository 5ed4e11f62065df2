/**
 * Winning conditions at the draw: each winner's membership of the chats named in the lottery's
 * conditions is checked again (a condition is a condition for winning). A winner who is no longer a
 * member is replaced by a recorded reroll (fairness/reroll.ts), as many rounds as needed until every
 * winner passes or the entries run out, within {@link maxConditionChecks}; a check that cannot be made
 * keeps the winner.
 *
 * This runs between the draw's two short transactions (draw-lottery.ts), with no transaction open and
 * no row locked: the checks are calls to Telegram (getChatMember), slow and unbounded in number. Its result
 * is the finished proof (the rerolls recorded in it, so the write phase writes exactly what was checked)
 * and the list of winners it replaced, with their reasons.
 */
import type { MembershipCheck } from './conditions.ts';
import { createContext } from './fairness/context.ts';
import type { DrawProof } from './fairness/index.ts';
import { applyReroll, type RerollState } from './fairness/reroll.ts';
import type { LotteryRecord } from './model.ts';
import type { ReplacedAtDraw } from './winners-store.ts';

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

export interface CheckedDraw {
  /** The proof with the condition rerolls appended (the input proof when nothing was replaced). */
  proof: DrawProof;
  /** Winners replaced because a condition failed, in the order they were replaced. */
  replaced: ReplacedAtDraw[];
}

/**
 * Applies the lottery's membership conditions to the winners of `proof` (round 0, no rerolls yet).
 * @param check the tenant's membership check, or null when none can be made (every winner is kept)
 * @param names chat titles by chat id, for the published reason ("not a member of VIP at the draw")
 */
export async function applyWinningConditions(
  lottery: LotteryRecord,
  proof: DrawProof,
  seed: Uint8Array,
  check: MembershipCheck | null,
  names: ReadonlyMap<number, string>,
): Promise<CheckedDraw> {
  const replaced: ReplacedAtDraw[] = [];
  const chats = lottery.joinConditions.flatMap((c) => (c.kind === 'member' ? [c.chatId] : []));
  if (chats.length === 0 || proof.winners.length === 0 || !check) return { proof, replaced };
  const context = createContext(proof.lotteryId, seed, proof.userIds);
  let state: RerollState = { winners: proof.winners, undrawn: proof.undrawn, rerolls: proof.rerolls };
  let toCheck = state.winners.map((w) => w.userId);
  let budget = maxConditionChecks(proof.prizes.reduce((n, p) => n + p.quantity, 0));
  while (toCheck.length > 0 && budget > 0) {
    toCheck = toCheck.slice(0, budget);
    budget -= toCheck.length;
    const failing = await failingWinners(toCheck, chats, check);
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

/**
 * The users of `userIds` who are not members of one of `chats`, each with the first such chat, checked
 * {@link CHECK_CONCURRENCY} at a time (a draw with many winners does not wait for each check in turn).
 * The map is filled in `userIds` order, whatever order the answers come back in, so the reroll that
 * follows does not depend on Telegram's timing.
 */
async function failingWinners(
  userIds: readonly number[],
  chats: readonly number[],
  check: MembershipCheck,
): Promise<Map<number, number>> {
  const failedChat: (number | undefined)[] = new Array(userIds.length);
  let nextIndex = 0;
  const worker = async () => {
    while (nextIndex < userIds.length) {
      const at = nextIndex++;
      for (const chatId of chats) {
        if ((await check(chatId, userIds[at]!)) === 'not-member') {
          failedChat[at] = chatId;
          break;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CHECK_CONCURRENCY, userIds.length) }, worker));
  const failing = new Map<number, number>();
  for (const [at, chatId] of failedChat.entries())
    if (chatId !== undefined) failing.set(userIds[at]!, chatId);
  return failing;
}
