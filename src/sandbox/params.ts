/**
 * Bot API parameters as they arrive: merged from the query string and a JSON, urlencoded or multipart
 * body, where numbers and booleans may be strings and objects may be JSON-serialized strings.
 * The getters coerce like Telegram does and throw its 400 errors.
 */
import { BotApiError, badRequest, TG } from './errors.ts';

export class Params {
  readonly raw: Record<string, unknown>;

  constructor(raw: Record<string, unknown>) {
    this.raw = raw;
  }

  /** True when the parameter is present and not null/empty. */
  has(name: string): boolean {
    const v = this.raw[name];
    return v !== undefined && v !== null && v !== '';
  }

  /** A string parameter; numbers and booleans are stringified. */
  string(name: string): string | undefined {
    const v = this.raw[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    throw badRequest(TG.wrongType(name, 'String'));
  }

  /**
   * An integer parameter.
   * @throws BotApiError 400 when present but not an integer.
   */
  int(name: string): number | undefined {
    const v = this.raw[name];
    if (v === undefined || v === null || v === '') return undefined;
    const n =
      typeof v === 'number' ? v : typeof v === 'string' && /^\s*-?\d+\s*$/.test(v) ? Number(v) : Number.NaN;
    if (!Number.isSafeInteger(n)) throw badRequest(TG.wrongType(name, 'Integer'));
    return n;
  }

  /** A boolean parameter: true/false, 1/0, "true"/"false" (any case). */
  bool(name: string): boolean | undefined {
    const v = this.raw[name];
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v === 'boolean') return v;
    if (typeof v === 'number') return v !== 0;
    if (typeof v === 'string') {
      const s = v.trim().toLowerCase();
      if (s === 'true' || s === '1') return true;
      if (s === 'false' || s === '0') return false;
    }
    throw badRequest(TG.wrongType(name, 'Boolean'));
  }

  /**
   * A JSON-serialized parameter (object or array), given as JSON text or already parsed.
   * @throws BotApiError 400 `can't parse <name> JSON object` when the text is not JSON.
   */
  json(name: string): unknown {
    const v = this.raw[name];
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v !== 'string') return v;
    try {
      return JSON.parse(v);
    } catch {
      throw badRequest(TG.badJson(name));
    }
  }

  /**
   * `chat_id`: an integer id or `@channelusername`.
   * @throws BotApiError 400 `chat_id is empty`, or `chat not found` for any other string.
   */
  chatId(name = 'chat_id'): number | string {
    const v = this.raw[name];
    if (v === undefined || v === null || v === '') throw badRequest(TG.chatIdEmpty);
    if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
    if (typeof v === 'string') {
      const s = v.trim();
      if (/^-?\d+$/.test(s) && Number.isSafeInteger(Number(s))) return Number(s);
      if (/^@[A-Za-z0-9_]{4,32}$/.test(s)) return s;
    }
    throw badRequest(TG.chatNotFound);
  }

  /** `user_id`. @throws BotApiError 400 `invalid user_id specified`. */
  userId(name = 'user_id'): number {
    const v = this.raw[name];
    const n =
      typeof v === 'number' ? v : typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : Number.NaN;
    if (!Number.isSafeInteger(n) || n <= 0) throw badRequest(TG.invalidUserId);
    return n;
  }

  /** `message_id`. @throws BotApiError 400 `message identifier is not specified`. */
  messageId(name = 'message_id'): number {
    if (!this.has(name)) throw badRequest(TG.messageIdMissing);
    const n = this.int(name);
    if (n === undefined || n <= 0) throw badRequest(TG.messageIdMissing);
    return n;
  }

  /** A required string. @throws BotApiError 400 `parameter "<name>" is required`. */
  requireString(name: string): string {
    const s = this.string(name);
    if (s === undefined) throw badRequest(TG.required(name));
    return s;
  }
}

/** Whether `err` is a Bot API error (as opposed to a bug). */
export function isBotApiError(err: unknown): err is BotApiError {
  return err instanceof BotApiError;
}
