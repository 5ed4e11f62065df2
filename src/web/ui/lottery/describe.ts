/** Lottery parts in words for the panel's lists and detail page (in the panel's language). */
import type { Chat, DrawTrigger, JoinCondition } from '../api/types.ts';
import { chatName, formatTime, isolate } from '../format.ts';

type Translate = (key: string, params?: Record<string, unknown>) => string;

export function describeTrigger(trigger: DrawTrigger, t: Translate, locale: string): string {
  if (trigger.kind === 'time') return t('trigger.atTime', { time: formatTime(trigger.at, locale) });
  if (trigger.kind === 'entries') return t('trigger.atEntries', { n: trigger.count });
  return t('trigger.manualShort');
}

export function describeCondition(condition: JoinCondition, chats: readonly Chat[], t: Translate): string {
  if (condition.kind === 'member') {
    const chat = chats.find((c) => c.chat_id === condition.chat_id);
    return t('conditions.memberOf', { chat: isolate(chatName(chat, condition.chat_id)) });
  }
  return condition.kind === 'has-username' ? t('conditions.hasUsername') : t('conditions.notBot');
}
