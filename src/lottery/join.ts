/**
 * Joining a lottery (one Telegram user, one entry; idempotent: F5, F17). The rules, in order: the
 * lottery exists for this tenant and is open; the user has not joined yet (a repeated press answers
 * "already" without asking Telegram anything); every join condition holds (conditions.ts; a membership
 * that cannot be verified refuses the entry, tells the user to retry, and flags the chat for the
 * organiser, F11); the entry cap of an "at N entries" trigger is not reached. The entry and the count
 * are written by one statement under the lottery's row lock (entries-store.ts), so the N-th entry is the
 * last one and a draw in progress (which holds that lock) is never joined into.
 */
import type { EntrySource } from '../contracts/lottery.ts';
import type { Sql } from '../db/sql.ts';
import { recordStartedUser } from './bot-users-store.ts';
import { flagChat } from './chats-store.ts';
import { checkConditions, type Entrant, type MembershipCheck } from './conditions.ts';
import { hasEntry, insertEntry, markStartedBot } from './entries-store.ts';
import { type JoinLottery, loadJoinLottery } from './store.ts';

export type JoinSource = EntrySource;
export type { JoinLottery };

export type JoinOutcome =
  | {
      kind: 'joined';
      entryId: number;
      /** The lottery's entry count after this entry, when it is counted at once (an entry cap); else null. */
      entryCount: number | null;
      startedBot: boolean;
      lottery: JoinLottery;
    }
  | { kind: 'already'; lottery: JoinLottery }
  | { kind: 'not-found' }
  | { kind: 'closed'; lottery: JoinLottery }
  | { kind: 'full'; lottery: JoinLottery }
  | { kind: 'not-bot' | 'has-username'; lottery: JoinLottery }
  | { kind: 'not-member' | 'cannot-verify'; chatId: number; lottery: JoinLottery };

export interface JoinRequest {
  tenantId: number;
  lotteryId: number;
  entrant: Entrant;
  source: JoinSource;
  checkMembership: MembershipCheck;
  /** The lottery, when the caller has it (a cache); read otherwise. */
  lottery?: JoinLottery | null;
  /**
   * Told when the join moves on: `checking` before the membership conditions ask Telegram, `writing`
   * just before the entry's statement is sent (from then on a failure leaves the outcome unknown: the
   * entry may be committed without our hearing of it).
   */
  progress?: (phase: JoinPhase) => void;
}

/** Where a join is: reading the database, asking Telegram (membership), or writing the entry. */
export type JoinPhase = 'reading' | 'checking' | 'writing';

/** Joins `entrant` to a lottery; never throws for the user's own situation (only for database errors). */
export async function joinLottery(sql: Sql, request: JoinRequest): Promise<JoinOutcome> {
  const { tenantId, lotteryId, entrant } = request;
  const lottery = request.lottery ?? (await loadJoinLottery(sql, tenantId, lotteryId));
  if (!lottery || lottery.tenantId !== tenantId) return { kind: 'not-found' };
  if (lottery.status !== 'open') return { kind: 'closed', lottery };
  // A repeated press must not cost Telegram calls: with a membership condition, look for the entry first.
  // Without one the insert below tells "already" by itself.
  if (lottery.joinConditions.some((c) => c.kind === 'member')) {
    if (await hasEntry(sql, lotteryId, entrant.userId)) return { kind: 'already', lottery };
  }

  request.progress?.('checking');
  const conditions = await checkConditions(lottery.joinConditions, entrant, request.checkMembership);
  request.progress?.('reading');
  if (!conditions.ok) {
    if (conditions.failed !== 'member') return { kind: conditions.failed, lottery };
    if (conditions.membership === 'unknown') {
      await flagChat(sql, tenantId, conditions.chatId, 'a membership check could not be made');
      return { kind: 'cannot-verify', chatId: conditions.chatId, lottery };
    }
    return { kind: 'not-member', chatId: conditions.chatId, lottery };
  }

  request.progress?.('writing');
  const row = await insertEntry(sql, {
    lotteryId,
    tenantId,
    entrant,
    source: request.source,
    capped: lottery.capped,
  });
  if (row.entryId !== null) {
    return {
      kind: 'joined',
      entryId: row.entryId,
      entryCount: row.entryCount,
      startedBot: row.startedBot,
      lottery,
    };
  }
  if (!row.open) return { kind: 'closed', lottery };
  return (await hasEntry(sql, lotteryId, entrant.userId))
    ? { kind: 'already', lottery }
    : { kind: 'full', lottery };
}

/**
 * Records that a user started the bot in private chat (so it may message them, F7), and marks their entries
 * as able to receive the winner's message.
 */
export async function recordStarted(
  sql: Sql,
  tenantId: number,
  userId: number,
  languageCode: string | null,
): Promise<void> {
  await recordStartedUser(sql, tenantId, userId, languageCode);
  await markStartedBot(sql, tenantId, userId);
}
