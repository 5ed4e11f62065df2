/**
 * Checks the lottery form before it is sent, with the API's rules (docs/api-lotteries.md), so most
 * mistakes show beside their field at once. An open lottery accepts only changes that make winning easier
 * or extend it: prizes kept (quantities not lowered, new ones allowed), a later draw time, a larger entry
 * count, conditions removed but not added. The server checks everything again; its message is shown too.
 */
import type { Chat, Lottery } from '../api/types.ts';
import { LIMITS, type LotteryForm, sameCondition } from './form-model.ts';

/** One problem: an i18n key under `validation.` and its parameters. */
export interface Problem {
  key: string;
  params?: Record<string, unknown>;
}

/** Problems by field path: `title`, `prizes.0.name`, `conditions.1.chat`, `trigger.at`, `targets`, ... */
export type FieldErrors = Record<string, Problem>;

export interface ValidationContext {
  /** The bot's chats (GET /api/chats). */
  chats: readonly Chat[];
  /** The saved lottery when editing, else null. */
  original: Lottery | null;
  now: Date;
}

const isWhole = (n: number | null): n is number => n !== null && Number.isInteger(n);

export function validateLottery(form: LotteryForm, context: ValidationContext): FieldErrors {
  const errors: FieldErrors = {};
  const set = (field: string, key: string, params?: Record<string, unknown>) => {
    errors[field] ??= params ? { key, params } : { key };
  };
  const adminChat = (id: number) => context.chats.some((c) => c.chat_id === id && c.is_admin);
  const open = context.original?.status === 'open' ? context.original : null;

  const title = form.title.trim();
  if (!title) set('title', 'required');
  else if (title.length > LIMITS.title) set('title', 'tooLong', { max: LIMITS.title });
  if (form.description.trim().length > LIMITS.description) {
    set('description', 'tooLong', { max: LIMITS.description });
  }

  if (form.prizes.length === 0) set('prizes', 'prizesNeeded');
  if (form.prizes.length > LIMITS.prizes) set('prizes', 'tooMany', { max: LIMITS.prizes });
  form.prizes.forEach((prize, i) => {
    const name = prize.name.trim();
    if (!name) set(`prizes.${i}.name`, 'required');
    else if (name.length > LIMITS.prizeName) set(`prizes.${i}.name`, 'tooLong', { max: LIMITS.prizeName });
    const before = open?.prizes.find((p) => p.id === prize.id);
    const min = before?.quantity ?? 1;
    if (!isWhole(prize.quantity) || prize.quantity < 1 || prize.quantity > LIMITS.quantity) {
      set(`prizes.${i}.quantity`, 'quantity', { min: 1, max: LIMITS.quantity });
    } else if (prize.quantity < min) {
      set(`prizes.${i}.quantity`, 'quantityNotLower', { min });
    }
  });
  for (const kept of open?.prizes ?? []) {
    if (!form.prizes.some((p) => p.id === kept.id)) set('prizes', 'prizeRemoved', { name: kept.name });
  }

  if (form.conditions.length > LIMITS.conditions) set('conditions', 'tooMany', { max: LIMITS.conditions });
  form.conditions.forEach((condition, i) => {
    if (condition.kind === 'member') {
      if (condition.chatId === null) set(`conditions.${i}.chat`, 'chooseChat');
      else if (!adminChat(condition.chatId)) set(`conditions.${i}.chat`, 'chatNotAdmin');
    }
    const twin = form.conditions.findIndex(
      (other) => other.kind === condition.kind && other.chatId === condition.chatId,
    );
    if (twin !== i) set(`conditions.${i}`, 'duplicateCondition');
    if (open && !open.join_conditions.some((c) => sameCondition(condition, c))) {
      set(`conditions.${i}`, 'conditionAdded');
    }
  });

  validateTrigger(form, open, context.now, set);

  if (form.targets.length === 0) set('targets', 'targetsNeeded');
  else if (form.targets.length > LIMITS.targets) set('targets', 'tooMany', { max: LIMITS.targets });
  else if (!form.targets.every(adminChat)) set('targets', 'chatNotAdmin');
  if (form.keyword.trim().length > LIMITS.keyword) set('keyword', 'tooLong', { max: LIMITS.keyword });
  return errors;
}

function validateTrigger(
  form: LotteryForm,
  open: Lottery | null,
  now: Date,
  set: (field: string, key: string, params?: Record<string, unknown>) => void,
): void {
  const trigger = form.trigger;
  const before = open?.draw_trigger;
  if (before && before.kind !== trigger.kind) set('trigger', 'triggerKindLocked');
  if (trigger.kind === 'time') {
    if (!trigger.at || Number.isNaN(trigger.at.getTime())) set('trigger.at', 'required');
    else if (trigger.at.getTime() <= now.getTime()) set('trigger.at', 'timeInPast');
    else if (before?.kind === 'time' && trigger.at.getTime() < new Date(before.at).getTime()) {
      set('trigger.at', 'timeNotEarlier');
    }
  } else if (trigger.kind === 'entries') {
    const count = trigger.count;
    if (!isWhole(count) || count < 1 || count > LIMITS.entriesCount) {
      set('trigger.count', 'count', { max: LIMITS.entriesCount });
    } else if (before?.kind === 'entries' && count < before.count) {
      set('trigger.count', 'countNotLower', { min: before.count });
    }
  }
}
