/**
 * From the checked form to the API's request bodies: the whole lottery for `POST` (and `PATCH` of a draft),
 * only the changed fields for `PATCH` of an open lottery (which accepts nothing else). The draw time goes
 * out as an ISO-8601 UTC string; the picker gave it in the browser's time zone.
 */
import type { CreateLotteryBody, DrawTrigger, JoinCondition, Lottery, LotteryBody } from '../api/types.ts';
import type { LotteryForm } from './form-model.ts';

export function triggerBody(form: LotteryForm): DrawTrigger {
  const { kind, at, count } = form.trigger;
  if (kind === 'time') return { kind, at: (at ?? new Date(Number.NaN)).toISOString() };
  if (kind === 'entries') return { kind, count: count ?? 0 };
  return { kind: 'manual' };
}

export function conditionsBody(form: LotteryForm): JoinCondition[] {
  return form.conditions.map((c) =>
    c.kind === 'member' ? { kind: 'member', chat_id: c.chatId ?? 0 } : { kind: c.kind },
  );
}

function prizesBody(form: LotteryForm, withIds: boolean): NonNullable<LotteryBody['prizes']> {
  return form.prizes.map((p) => ({
    ...(withIds && p.id !== null ? { id: p.id } : {}),
    name: p.name.trim(),
    quantity: p.quantity ?? 0,
  }));
}

/** The body of `POST /api/lotteries`. Call it on a form that passed validation. */
export function createBody(form: LotteryForm): CreateLotteryBody {
  const keyword = form.keyword.trim();
  return {
    title: form.title.trim(),
    description: form.description.trim(),
    language: form.language,
    prizes: prizesBody(form, false),
    join_conditions: conditionsBody(form),
    draw_trigger: triggerBody(form),
    publish_targets: [...form.targets],
    ...(keyword ? { join_keyword: keyword } : {}),
  };
}

/**
 * The body of `PATCH /api/lotteries/:id`: everything for a draft; for an open lottery, only the prizes,
 * draw trigger and conditions that changed. Empty when nothing changed.
 */
export function patchBody(form: LotteryForm, original: Lottery): LotteryBody {
  if (original.status !== 'open') {
    const body = { ...createBody(form), prizes: prizesBody(form, true) };
    if (!body.join_keyword && original.join_keyword) body.join_keyword = null;
    return body;
  }
  const body: LotteryBody = {};
  const prizes = prizesBody(form, true);
  const samePrizes =
    prizes.length === original.prizes.length &&
    prizes.every((p, i) => p.id === original.prizes[i]?.id && p.quantity === original.prizes[i]?.quantity);
  if (!samePrizes) body.prizes = prizes;
  const trigger = triggerBody(form);
  if (!sameTrigger(trigger, original.draw_trigger)) body.draw_trigger = trigger;
  const conditions = conditionsBody(form);
  const sameConditions =
    conditions.length === original.join_conditions.length &&
    conditions.every((c, i) => sameJoinCondition(c, original.join_conditions[i]));
  if (!sameConditions) body.join_conditions = conditions;
  return body;
}

function sameTrigger(a: DrawTrigger, b: DrawTrigger): boolean {
  if (a.kind === 'time' && b.kind === 'time') return Date.parse(a.at) === Date.parse(b.at);
  if (a.kind === 'entries' && b.kind === 'entries') return a.count === b.count;
  return a.kind === b.kind;
}

function sameJoinCondition(a: JoinCondition, b: JoinCondition | undefined): boolean {
  if (!b || a.kind !== b.kind) return false;
  return a.kind !== 'member' || (b.kind === 'member' && a.chat_id === b.chat_id);
}
