/**
 * The live preview of the lottery post, made by the bot's own renderer (src/lottery/render.ts `postText`,
 * in the lottery's language), so the preview is the post. The renderer writes Telegram HTML (`<b>`, `<i>`,
 * `<code>`, user text escaped); {@link htmlSegments} turns it into plain text runs for the page, so no
 * HTML from the form ever reaches the DOM as markup.
 */
import type { LotteryRecord } from '../../../lottery/model.ts';
import { postText } from '../../../lottery/render.ts';
import { texts } from '../../../lottery/texts.ts';
import type { Chat, Language } from '../api/types.ts';
import { chatName } from '../format.ts';
import type { LotteryForm } from './form-model.ts';

/** Telegram's limit on a message's text (characters, after entities are parsed). */
export const TELEGRAM_TEXT_LIMIT = 4096;

/** Stand-in instant for a draw time not picked yet; its rendering is replaced by "…". */
const NO_TIME = '1970-01-01T00:00:00.000Z';

/** The form as the renderer's lottery record (a draft: no commitment, no entries yet). */
export function previewRecord(form: LotteryForm): LotteryRecord {
  const { kind, at, count } = form.trigger;
  const now = new Date();
  return {
    id: 0,
    tenantId: 0,
    title: form.title.trim(),
    description: form.description,
    status: 'draft',
    language: form.language,
    prizes: form.prizes
      .filter((p) => p.name.trim())
      .map((p, i) => ({
        id: p.id ?? -1 - i,
        position: i + 1,
        name: p.name.trim(),
        quantity: p.quantity ?? 1,
      })),
    joinConditions: form.conditions.map((c) =>
      c.kind === 'member' ? { kind: 'member', chatId: c.chatId ?? 0 } : { kind: c.kind },
    ),
    drawTrigger:
      kind === 'time'
        ? { kind, at: at && !Number.isNaN(at.getTime()) ? at.toISOString() : NO_TIME }
        : kind === 'entries'
          ? { kind, count: count ?? 0 }
          : { kind: 'manual' },
    publishTargets: [...form.targets],
    joinKeyword: form.keyword.trim() || null,
    commitment: null,
    entryCount: 0,
    changes: [],
    posts: [],
    createdAt: now,
    updatedAt: now,
    publishedAt: null,
    drawnAt: null,
    cancelledAt: null,
  };
}

/** The post's Telegram HTML for the form as it is now. */
export function previewHtml(form: LotteryForm, chats: readonly Chat[]): string {
  // As the bot names chats in the post (src/lottery/posts.ts chatNames): @username, else the title.
  const names = new Map<number, string>(
    chats.map((c) => [c.chat_id, c.username ? `@${c.username}` : chatName(c, c.chat_id)]),
  );
  names.set(0, '…');
  return postText(previewRecord(form), names).replace('1970-01-01 00:00', '…');
}

export interface Segment {
  text: string;
  tag: 'b' | 'i' | 'code' | null;
}

/** Telegram HTML (the renderer's `<b>`, `<i>`, `<code>`, escaped text) as text runs. */
export function htmlSegments(html: string): Segment[] {
  const segments: Segment[] = [];
  let tag: Segment['tag'] = null;
  for (const part of html.split(/(<\/?(?:b|i|code)>)/)) {
    const match = /^<(\/?)(b|i|code)>$/.exec(part);
    if (match) {
      tag = match[1] ? null : (match[2] as Segment['tag']);
    } else if (part) {
      segments.push({ text: decodeEntities(part), tag });
    }
  }
  return segments;
}

function decodeEntities(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
}

/** The post's length as Telegram counts it (text without markup), with the commitment added at publish. */
export function postLength(segments: readonly Segment[], language: Language): number {
  const text = segments.map((s) => s.text).join('');
  const commitmentLines = `\n\n${texts(language).commitment}:\n${'0'.repeat(64)}`;
  return [...text].length + commitmentLines.length;
}

/** The labels of the post's buttons. */
export function postButtons(language: Language): string[] {
  const t = texts(language);
  return [`🎁 ${t.join}`, `🤖 ${t.openBot}`];
}
