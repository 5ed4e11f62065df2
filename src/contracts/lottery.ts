/**
 * The vocabulary of a lottery (抽奖), declared once: its statuses, how an entry came in, a winner's status and
 * the delivery of their message, and the outbox's statuses. The database's CHECK constraints are tested against
 * these (test/contracts/database-enums.test.ts). Also the shapes of the lottery's JSON columns
 * (`join_conditions`, `draw_trigger`, `changes`); their rules (validation, lifecycle) live in src/lottery/.
 */

/** A lottery's life: draft → open → drawing → drawn, or cancelled (docs/lottery.md). */
export const LOTTERY_STATUSES = ['draft', 'open', 'drawing', 'drawn', 'cancelled'] as const;
export type LotteryStatus = (typeof LOTTERY_STATUSES)[number];

/** How an entry came in: the post's button, a `/start` deep link, or a keyword in a group. */
export const ENTRY_SOURCES = ['button', 'deeplink', 'keyword'] as const;
export type EntrySource = (typeof ENTRY_SOURCES)[number];

/** A winner is `active`, or `replaced` by a reroll. */
export const WINNER_STATUSES = ['active', 'replaced'] as const;
export type WinnerStatus = (typeof WINNER_STATUSES)[number];

/** What became of a winner's private message (F7: each outcome of Telegram's 403s kept apart). */
export const DELIVERY_STATUSES = [
  'pending',
  'delivered',
  'blocked',
  'never-started',
  'deactivated',
  'failed',
  /** Replaced before their message went out: none was sent. */
  'not-sent',
] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** An outbox message's life (src/lottery/outbox.ts). */
export const OUTBOX_STATUSES = ['pending', 'sending', 'sent', 'failed', 'cancelled'] as const;
export type OutboxStatus = (typeof OUTBOX_STATUSES)[number];

/** A condition an entrant must meet to win (`lotteries.join_conditions`). */
export type JoinCondition =
  | { kind: 'member'; chatId: number }
  | { kind: 'has-username' }
  | { kind: 'not-bot' };

/** When the draw happens (`lotteries.draw_trigger`). `at` is an ISO-8601 instant. */
export type DrawTrigger =
  | { kind: 'time'; at: string }
  | { kind: 'entries'; count: number }
  | { kind: 'manual' };

/** One recorded edit of an open lottery (`lotteries.changes`; only easier or later changes are allowed). */
export interface LotteryChange {
  at: string;
  field: string;
  from: unknown;
  to: unknown;
}
