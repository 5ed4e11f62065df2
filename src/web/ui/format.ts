/**
 * Display helpers shared by the pages: times in the browser's time zone, Telegram users and chats by name,
 * and the sentence to show for any failed request (the API's own message; never a stack trace).
 */
import { ApiRequestError } from './api/http.ts';
import type { Chat, TelegramUser } from './api/types.ts';

type Translate = (key: string, params?: Record<string, unknown>) => string;

/** A date-time in the browser's time zone, e.g. "2026/12/1 20:00" or "Dec 1, 2026, 8:00 PM". */
export function formatTime(iso: string | null | undefined, locale: string): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(date);
}

/** The browser's time zone name and offset, e.g. "Asia/Shanghai (UTC+8)". */
export function browserTimeZone(at: Date = new Date()): string {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const minutes = -at.getTimezoneOffset();
  const sign = minutes >= 0 ? '+' : '-';
  const hours = Math.floor(Math.abs(minutes) / 60);
  const rest = Math.abs(minutes) % 60;
  return `${zone} (UTC${sign}${hours}${rest ? `:${String(rest).padStart(2, '0')}` : ''})`;
}

/** "Ann Lee (@ann)", "Ann", or "@ann". */
export function userName(user: Pick<TelegramUser, 'first_name' | 'last_name' | 'username'>): string {
  const name = [user.first_name, user.last_name].filter(Boolean).join(' ');
  if (!user.username) return name || '—';
  return name ? `${name} (@${user.username})` : `@${user.username}`;
}

/** A chat's title (or @username, or its id) for lists and selects. */
export function chatName(chat: Chat | undefined, chatId: number): string {
  if (!chat) return String(chatId);
  return chat.title || (chat.username ? `@${chat.username}` : String(chat.chat_id));
}

/**
 * Text between U+2068 FIRST STRONG ISOLATE and U+2069 POP DIRECTIONAL ISOLATE: the plain-text form of
 * `<bdi>` (components/TgName.vue), for Telegram-supplied names inside a string (select labels,
 * sentences), so a right-to-left override in a name stays inside it.
 */
export function isolate(text: string): string {
  return `\u2068${text}\u2069`;
}

/** The sentence to show for a failed request: the API's message, or a translated generic one. */
export function errorText(err: unknown, t: Translate): string {
  if (err instanceof ApiRequestError) {
    if (err.code === 'network') return t('errors.network');
    if (err.code === 'http') return t('errors.http', { status: err.status });
    return err.message;
  }
  return t('errors.unexpected');
}
