/**
 * Join conditions (conditions for winning, checked at join and again for each winner at the draw).
 * Membership has three outcomes, never two (F11): `member`; `not-member` (`left`, `kicked`, or
 * `restricted` with `is_member: false`); `unknown` when the check cannot be made (the bot is not an
 * admin of the channel, `member list is inaccessible`, `chat not found`, a network error, …).
 * Source: https://core.telegram.org/bots/api#getchatmember and #chatmember.
 */
import type { JoinCondition } from './model.ts';

export type Membership = 'member' | 'not-member' | 'unknown';

/** The three-way outcome of a getChatMember answer (`ChatMember` object). */
export function membershipOf(
  member: { status?: string; is_member?: boolean } | null | undefined,
): Membership {
  switch (member?.status) {
    case 'creator':
    case 'administrator':
    case 'member':
      return 'member';
    case 'restricted':
      return member.is_member === false ? 'not-member' : 'member';
    case 'left':
    case 'kicked':
      return 'not-member';
    default:
      return 'unknown';
  }
}

/**
 * The outcome of a getChatMember refusal: always "the check could not be made" (F11 in
 * docs/telegram-faults.md). `user not found` and `member not found` say Telegram does not know the
 * user in this chat (an unknown or deleted account, PARTICIPANT_ID_INVALID), not that they left it —
 * a user who left or was never in the chat is answered with a member of status `left`. The same goes for
 * `chat not found`, `member list is inaccessible`, 403, 5xx and network errors. `errorCode` and
 * `description` are kept in the signature so a later Bot API change can be mapped here.
 */
export function membershipOfError(_errorCode: number | null, _description: string): Membership {
  return 'unknown';
}

/** Who is joining, as Telegram describes them (`User`). */
export interface Entrant {
  userId: number;
  firstName: string;
  lastName: string | null;
  username: string | null;
  languageCode: string | null;
  isBot: boolean;
}

/** Asks Telegram whether `userId` is a member of `chatId` (getChatMember). Never throws. */
export type MembershipCheck = (chatId: number, userId: number) => Promise<Membership>;

export type ConditionOutcome =
  | { ok: true }
  | { ok: false; failed: 'not-bot' | 'has-username' }
  | { ok: false; failed: 'member'; chatId: number; membership: 'not-member' | 'unknown' };

/**
 * Checks every condition for `entrant`, the cheap ones first; stops at the first that fails. A
 * membership that cannot be verified fails with `unknown` (the caller tells the user to retry).
 */
export async function checkConditions(
  conditions: readonly JoinCondition[],
  entrant: Entrant,
  checkMembership: MembershipCheck,
): Promise<ConditionOutcome> {
  for (const c of conditions) {
    if (c.kind === 'not-bot' && entrant.isBot) return { ok: false, failed: 'not-bot' };
    if (c.kind === 'has-username' && !entrant.username) return { ok: false, failed: 'has-username' };
  }
  for (const c of conditions) {
    if (c.kind !== 'member') continue;
    const membership = await checkMembership(c.chatId, entrant.userId);
    if (membership !== 'member') return { ok: false, failed: 'member', chatId: c.chatId, membership };
  }
  return { ok: true };
}
