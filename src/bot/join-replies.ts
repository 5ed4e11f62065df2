/**
 * What the bot answers a join with: the callback answer (≤ 200 characters, answerCallbackQuery's limit)
 * or the private reply to `/start join_<id>`, in the user's language. Pure: outcome in, text out.
 */
import type { JoinOutcome } from '../lottery/join.ts';
import type { Language } from '../lottery/model.ts';
import { languageFor, texts } from '../lottery/texts.ts';

export interface JoinAnswer {
  text: string;
  /** Show as an alert (the user must act) rather than a toast. */
  alert: boolean;
}

/** The answer to a Join button press. */
export function callbackAnswer(
  outcome: JoinOutcome,
  languageCode: string | null,
  chatName: (chatId: number) => string,
): JoinAnswer {
  const fallback: Language = 'lottery' in outcome ? outcome.lottery.language : 'en';
  const t = texts(languageFor(languageCode, fallback));
  switch (outcome.kind) {
    case 'joined':
      return outcome.startedBot ? { text: t.joined, alert: false } : { text: t.joinedStartBot, alert: true };
    case 'already':
      return { text: t.already, alert: false };
    case 'not-found':
      return { text: t.notFound, alert: false };
    case 'closed':
      return { text: t.closed, alert: false };
    case 'full':
      return { text: t.full, alert: false };
    case 'not-bot':
      return { text: t.isBot, alert: true };
    case 'has-username':
      return { text: t.noUsername, alert: true };
    case 'not-member':
      return { text: t.notMember(chatName(outcome.chatId)), alert: true };
    case 'cannot-verify':
      return { text: t.cannotVerify, alert: true };
  }
}

/** The private reply to `/start join_<id>` (deep link join). */
export function startReply(
  outcome: JoinOutcome,
  languageCode: string | null,
  chatName: (chatId: number) => string,
): string {
  const fallback: Language = 'lottery' in outcome ? outcome.lottery.language : 'en';
  const t = texts(languageFor(languageCode, fallback));
  if (outcome.kind === 'joined') return t.startJoined(outcome.lottery.title);
  if (outcome.kind === 'already') return t.startAlready(outcome.lottery.title);
  return callbackAnswer(outcome, languageCode, chatName).text;
}
