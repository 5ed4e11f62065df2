/**
 * The lottery's messages as Bot API parameters: the post with its Join button, the "finished" and
 * "cancelled" edits, the winners announcement, a winner's DM. Text is HTML (`parse_mode: 'HTML'`) and
 * every user-supplied part (title, description, prize names, people's names) is escaped (F14), so
 * `<b>x`, `a_b_c`, `*`, `&amp;` and `[x](y)` appear literally. callback_data is `j:<id>` (F16).
 * Source: https://core.telegram.org/bots/api#html-style
 */
import type { LotteryRecord } from './model.ts';
import { texts } from './texts.ts';

/** Escapes `&`, `<` and `>` for Telegram's HTML parse mode (the three it requires). */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** callback_data of a lottery's Join button; 1–64 bytes of UTF-8 (F16). */
export function joinCallbackData(lotteryId: number): string {
  const data = `j:${lotteryId}`;
  if (Buffer.byteLength(data, 'utf8') > 64) throw new RangeError('callback_data over 64 bytes');
  return data;
}

/** The lottery id in a Join button's callback_data, or null when it is not one (F17). */
export function parseJoinCallback(data: string | undefined): number | null {
  const match = /^j:(\d{1,10})$/.exec(data ?? '');
  if (!match) return null;
  const id = Number(match[1]);
  return id >= 1 && id <= 2_147_483_647 ? id : null;
}

/** The deep link that starts the bot and joins: `https://t.me/<bot>?start=join_<id>`. */
export function joinDeepLink(botUsername: string, lotteryId: number): string {
  return `https://t.me/${botUsername}?start=join_${lotteryId}`;
}

/** The lottery id in a `/start join_<id>` payload, or null. */
export function parseStartPayload(payload: string | undefined): number | null {
  const match = /^join_(\d{1,10})$/.exec(payload ?? '');
  if (!match) return null;
  const id = Number(match[1]);
  return id >= 1 && id <= 2_147_483_647 ? id : null;
}

/** A person as a link to their Telegram profile, name escaped. */
export function userLink(user: { userId: number; firstName: string; lastName: string | null }): string {
  const name = [user.firstName, user.lastName].filter(Boolean).join(' ') || String(user.userId);
  return `<a href="tg://user?id=${user.userId}">${escapeHtml(name)}</a>`;
}

export type ChatNames = ReadonlyMap<number, string>;

function chatName(chatId: number, names: ChatNames): string {
  return escapeHtml(names.get(chatId) ?? String(chatId));
}

function formatUtc(iso: string): string {
  return new Date(iso).toISOString().slice(0, 16).replace('T', ' ');
}

/** Text of the lottery post; `state` adds the finished/cancelled line at the top. */
export function postText(
  lottery: LotteryRecord,
  chatNames: ChatNames,
  state: 'open' | 'finished' | 'cancelled' = 'open',
): string {
  const t = texts(lottery.language);
  const lines: string[] = [];
  if (state === 'finished') lines.push(`<b>${t.finished}</b>`, '');
  if (state === 'cancelled') lines.push(`<b>${t.cancelled}</b>`, '');
  lines.push(`🎁 <b>${escapeHtml(lottery.title)}</b>`);
  if (lottery.description.trim()) lines.push('', escapeHtml(lottery.description.trim()));
  lines.push('', `<b>${t.prizes}</b>`);
  for (const p of lottery.prizes) lines.push(`• ${escapeHtml(p.name)} × ${p.quantity}`);
  if (lottery.joinConditions.length > 0) {
    lines.push('', `<b>${t.conditions}</b>`);
    for (const c of lottery.joinConditions) {
      if (c.kind === 'member') lines.push(`• ${t.condMember(chatName(c.chatId, chatNames))}`);
      else if (c.kind === 'has-username') lines.push(`• ${t.condUsername}`);
      else lines.push(`• ${t.condNotBot}`);
    }
  }
  lines.push('');
  const trigger = lottery.drawTrigger;
  if (trigger.kind === 'time') lines.push(t.drawAt(formatUtc(trigger.at)));
  else if (trigger.kind === 'entries') lines.push(t.drawAtEntries(trigger.count));
  else lines.push(t.drawManual);
  lines.push(t.entries(lottery.entryCount));
  if (lottery.changes.length > 0) {
    const fields = [...new Set(lottery.changes.map((c) => c.field))];
    const names = fields.map((f) => escapeHtml(t.fields[f] ?? f));
    lines.push('', `✏️ <i>${t.changed}: ${names.join(lottery.language === 'zh-CN' ? '、' : ', ')}</i>`);
  }
  if (lottery.commitment) lines.push('', `${t.commitment}:`, `<code>${lottery.commitment}</code>`);
  return lines.join('\n');
}

/** The Join keyboard (plus a "start the bot" link when the bot's username is known). */
export function postKeyboard(lottery: LotteryRecord, botUsername: string | null): Record<string, unknown> {
  const t = texts(lottery.language);
  const row: Record<string, string>[] = [
    { text: `🎁 ${t.join}`, callback_data: joinCallbackData(lottery.id) },
  ];
  if (botUsername) row.push({ text: `🤖 ${t.openBot}`, url: joinDeepLink(botUsername, lottery.id) });
  return { inline_keyboard: [row] };
}

export interface AnnouncedWinner {
  userId: number;
  firstName: string;
  lastName: string | null;
  prizeName: string;
}

/** The winners announcement posted in every target. */
export function winnersText(
  lottery: LotteryRecord,
  winners: AnnouncedWinner[],
  undrawn: { prizeName: string; count: number }[],
  proofUrl: string | null,
): string {
  const t = texts(lottery.language);
  const lines = [`<b>${escapeHtml(t.winnersTitle(lottery.title))}</b>`, ''];
  if (winners.length === 0) lines.push(t.noEntries);
  for (const [i, w] of winners.entries()) lines.push(`${i + 1}. ${userLink(w)} — ${escapeHtml(w.prizeName)}`);
  for (const u of undrawn) lines.push(escapeHtml(t.undrawn(u.prizeName, u.count)));
  if (proofUrl) lines.push('', `<a href="${escapeHtml(proofUrl)}">${t.proofLine}</a>`);
  else if (lottery.commitment) lines.push('', `${t.commitment}: <code>${lottery.commitment}</code>`);
  return lines.join('\n');
}

/** The message announcing a reroll in every target. */
export function rerollText(
  lottery: LotteryRecord,
  pairs: { replaced: AnnouncedWinner; replacement: AnnouncedWinner | null }[],
  reason: string,
): string {
  const t = texts(lottery.language);
  const lines = [
    `<b>${escapeHtml(t.rerollTitle(lottery.title))}</b>`,
    escapeHtml(t.rerollReason(reason)),
    '',
  ];
  for (const p of pairs) {
    lines.push(
      p.replacement
        ? t.replacedBy(
            userLink(p.replaced),
            `${userLink(p.replacement)} — ${escapeHtml(p.replacement.prizeName)}`,
          )
        : t.replacedNone(userLink(p.replaced)),
    );
  }
  return lines.join('\n');
}
