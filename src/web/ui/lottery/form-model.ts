/**
 * The lottery form's model: what the organiser edits (rows with stable keys, a `Date` for the draw time,
 * empty fields allowed while typing), how it is filled from a lottery, and the API limits it is checked
 * against (docs/api-lotteries.md).
 */
import type { DrawTrigger, JoinCondition, Language, Lottery } from '../api/types.ts';

/** The API's limits on a lottery. */
export const LIMITS = {
  title: 200,
  description: 2000,
  prizes: 20,
  prizeName: 200,
  quantity: 10_000,
  conditions: 5,
  targets: 10,
  keyword: 64,
  entriesCount: 10_000_000,
} as const;

export interface PrizeRow {
  /** Stable key for the list (not sent). */
  key: number;
  /** The saved prize's id; null for a prize added in this form. */
  id: number | null;
  name: string;
  quantity: number | null;
}

export type ConditionKind = JoinCondition['kind'];

export interface ConditionRow {
  key: number;
  kind: ConditionKind;
  /** The chat for `member`; null until one is chosen. */
  chatId: number | null;
}

export type TriggerKind = DrawTrigger['kind'];

export interface TriggerModel {
  kind: TriggerKind;
  /** For `time`: the instant picked in the browser's time zone. */
  at: Date | null;
  /** For `entries`. */
  count: number | null;
}

export interface LotteryForm {
  title: string;
  description: string;
  language: Language;
  prizes: PrizeRow[];
  conditions: ConditionRow[];
  trigger: TriggerModel;
  targets: number[];
  keyword: string;
}

let lastKey = 0;
/** A new row key. */
export const rowKey = (): number => ++lastKey;

export function emptyPrize(): PrizeRow {
  return { key: rowKey(), id: null, name: '', quantity: 1 };
}

export function emptyForm(language: Language): LotteryForm {
  return {
    title: '',
    description: '',
    language,
    prizes: [emptyPrize()],
    conditions: [],
    trigger: { kind: 'manual', at: null, count: null },
    targets: [],
    keyword: '',
  };
}

export function conditionRow(condition: JoinCondition): ConditionRow {
  return {
    key: rowKey(),
    kind: condition.kind,
    chatId: condition.kind === 'member' ? condition.chat_id : null,
  };
}

/** The form for editing a saved lottery. */
export function formFromLottery(lottery: Lottery): LotteryForm {
  const trigger = lottery.draw_trigger;
  return {
    title: lottery.title,
    description: lottery.description,
    language: lottery.language,
    prizes: lottery.prizes.map((p) => ({ key: rowKey(), id: p.id, name: p.name, quantity: p.quantity })),
    conditions: lottery.join_conditions.map(conditionRow),
    trigger: {
      kind: trigger.kind,
      at: trigger.kind === 'time' ? new Date(trigger.at) : null,
      count: trigger.kind === 'entries' ? trigger.count : null,
    },
    targets: [...lottery.publish_targets],
    keyword: lottery.join_keyword ?? '',
  };
}

/** Two conditions mean the same thing. */
export function sameCondition(a: Pick<ConditionRow, 'kind' | 'chatId'>, b: JoinCondition): boolean {
  return a.kind === b.kind && (b.kind !== 'member' || a.chatId === b.chat_id);
}
