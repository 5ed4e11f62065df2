/**
 * reply_markup validation as Telegram does it: an inline keyboard is an array of rows of buttons, each
 * with `text` and exactly one action; callback_data must be 1-64 UTF-8 bytes (BUTTON_DATA_INVALID),
 * a url button needs a valid http(s) or tg:// URL (BUTTON_URL_INVALID).
 * https://core.telegram.org/bots/api#inlinekeyboardbutton
 */
import type { InlineKeyboardButton, InlineKeyboardMarkup } from '@telegraf/types';
import { badRequest, TG } from './errors.ts';
import type { ReplyMarkup } from './model.ts';

const ACTIONS = [
  'url',
  'callback_data',
  'web_app',
  'login_url',
  'switch_inline_query',
  'switch_inline_query_current_chat',
  'switch_inline_query_chosen_chat',
  'copy_text',
  'callback_game',
  'pay',
] as const;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** UTF-8 length of `s` in bytes. */
export function utf8Bytes(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

function validUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return ['http:', 'https:', 'tg:'].includes(u.protocol);
  } catch {
    return false;
  }
}

function checkButton(button: unknown, maxDataBytes: number): InlineKeyboardButton {
  if (!isObject(button)) throw badRequest(TG.badButton('InlineKeyboardButton must be an Object'));
  if (typeof button.text !== 'string') throw badRequest(TG.badButton('Field "text" must be of type String'));
  const actions = ACTIONS.filter((a) => button[a] !== undefined && button[a] !== null);
  if (actions.length === 0)
    throw badRequest(TG.badButton('Text buttons are unallowed in the inline keyboard'));
  if (button.callback_data !== undefined) {
    const data = button.callback_data;
    if (typeof data !== 'string')
      throw badRequest(TG.badButton('Field "callback_data" must be of type String'));
    const n = utf8Bytes(data);
    if (n < 1 || n > maxDataBytes) throw badRequest(TG.buttonDataInvalid);
  }
  if (button.url !== undefined && (typeof button.url !== 'string' || !validUrl(button.url))) {
    throw badRequest(TG.buttonUrlInvalid);
  }
  return button as unknown as InlineKeyboardButton;
}

/**
 * Validate a parsed reply_markup value; undefined stays undefined.
 * @throws BotApiError 400 `can't parse reply keyboard markup JSON object`, `can't parse inline keyboard
 *   button: ...`, `BUTTON_DATA_INVALID`, `BUTTON_URL_INVALID`.
 */
export function validateReplyMarkup(value: unknown, maxDataBytes: number): ReplyMarkup | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value)) throw badRequest(TG.badMarkup);
  if ('inline_keyboard' in value) {
    const rows = value.inline_keyboard;
    if (!Array.isArray(rows) || !rows.every(Array.isArray)) throw badRequest(TG.badMarkup);
    const inline_keyboard = (rows as unknown[][]).map((row) => row.map((b) => checkButton(b, maxDataBytes)));
    return { inline_keyboard } satisfies InlineKeyboardMarkup;
  }
  if ('keyboard' in value) {
    if (!Array.isArray(value.keyboard) || !value.keyboard.every(Array.isArray))
      throw badRequest(TG.badMarkup);
    return value as unknown as ReplyMarkup;
  }
  if (value.remove_keyboard === true || value.force_reply === true) return value as unknown as ReplyMarkup;
  throw badRequest(TG.badMarkup);
}

/** Deep equality for JSON values (the "message is not modified" check). */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a as object).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b as object).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  if (ka.length !== kb.length) return false;
  return ka.every((k) => sameJson((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}
