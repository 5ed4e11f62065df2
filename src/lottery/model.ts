/**
 * The lottery's shape as the domain sees it (camelCase), with the zod schema every boundary validates
 * input against. Limits: title 1–200 characters, description ≤ 2000, 1–20 prizes of quantity 1–10 000,
 * ≤ 5 join conditions, 1–10 publish targets, a join keyword of 1–64 characters.
 */
import { z } from 'zod';
import type { DrawTrigger, JoinCondition, LotteryChange, LotteryStatus } from '../contracts/lottery.ts';

export type { DrawTrigger, JoinCondition, LotteryChange, LotteryStatus };

export const LANGUAGES = ['zh-CN', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];

/** A Telegram chat id (negative for groups and channels), within JavaScript's safe integers. */
export const chatIdSchema = z.int().refine((v) => v !== 0, { error: 'a chat id is never 0' });

export const joinConditionSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('member'), chatId: chatIdSchema }),
  z.object({ kind: z.literal('has-username') }),
  z.object({ kind: z.literal('not-bot') }),
]);

export const drawTriggerSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('time'), at: z.iso.datetime({ offset: true }) }),
  z.object({ kind: z.literal('entries'), count: z.int().min(1).max(10_000_000) }),
  z.object({ kind: z.literal('manual') }),
]);

export const prizeInputSchema = z.object({
  /** The id of an existing prize (edits of an open lottery keep every prize by id). */
  id: z.int().min(1).optional(),
  name: z.string().trim().min(1).max(200),
  quantity: z.int().min(1).max(10_000),
});

export const lotteryInputSchema = z.object({
  title: z.string().trim().min(1).max(200),
  description: z.string().max(2000).default(''),
  language: z.enum(LANGUAGES).default('zh-CN'),
  prizes: z.array(prizeInputSchema).min(1).max(20),
  joinConditions: z.array(joinConditionSchema).max(5).default([]),
  drawTrigger: drawTriggerSchema,
  publishTargets: z.array(chatIdSchema).min(1).max(10),
  joinKeyword: z.string().trim().min(1).max(64).nullable().default(null),
});

/** A complete lottery as saved by create (defaults applied). */
export type LotteryInput = z.output<typeof lotteryInputSchema>;
/** Any subset of the fields (PATCH). */
export type LotteryPatch = Partial<LotteryInput>;
export type PrizeInput = z.output<typeof prizeInputSchema>;

export interface PrizeRecord {
  id: number;
  position: number;
  name: string;
  quantity: number;
}

export interface PostRecord {
  chatId: number;
  messageId: number | null;
}

/** A stored lottery with its prizes and posts. */
export interface LotteryRecord {
  id: number;
  tenantId: number;
  title: string;
  description: string;
  status: LotteryStatus;
  language: Language;
  prizes: PrizeRecord[];
  joinConditions: JoinCondition[];
  drawTrigger: DrawTrigger;
  publishTargets: number[];
  joinKeyword: string | null;
  commitment: string | null;
  entryCount: number;
  changes: LotteryChange[];
  posts: PostRecord[];
  createdAt: Date;
  updatedAt: Date;
  publishedAt: Date | null;
  drawnAt: Date | null;
  cancelledAt: Date | null;
}

/** The number of winners a lottery has: the sum of its prizes' quantities. */
export function winnerCount(prizes: readonly { quantity: number }[]): number {
  return prizes.reduce((sum, p) => sum + p.quantity, 0);
}

/** The chats a lottery needs the bot to administer: its targets and every membership condition's chat. */
export function requiredAdminChats(input: Pick<LotteryInput, 'publishTargets' | 'joinConditions'>): number[] {
  const ids = new Set<number>(input.publishTargets);
  for (const c of input.joinConditions) if (c.kind === 'member') ids.add(c.chatId);
  return [...ids];
}
