/**
 * The platform's logger: pino, human-readable (pino-pretty) on a TTY, JSON lines otherwise.
 *
 * Secrets never reach a log line: `redact` censors every field that can carry a bot token, a password,
 * a session or an encryption key, wherever it sits in the logged object (top level, one or two levels
 * down, request headers). Bot tokens embedded inside free text (an error message quoting a URL like
 * `/bot123:ABC/getMe`) are masked by {@link maskTokens}, applied to every message and error string.
 *
 * On a terminal at `info` (and above) each event is one line: time, level and the sentence; the fields
 * stay in the JSON logs and show on the terminal at `debug`/`trace`. An error's message is appended to
 * its line (`… — connect ECONNREFUSED`), so a failure is never reduced to its sentence alone.
 */
import { type Logger, type LoggerOptions, pino } from 'pino';
import pinoPretty from 'pino-pretty';

export type { Logger } from 'pino';

/** Field names whose values are always censored, at any of the first three levels of a log object. */
export const REDACTED_KEYS = [
  'token',
  'botToken',
  'bot_token',
  'password',
  'passwordHash',
  'password_hash',
  'current_password',
  'new_password',
  'secret',
  'appSecret',
  'APP_SECRET',
  'seed',
  'authorization',
  'cookie',
  'session',
  'sessionId',
  'csrf',
  'tokenEncrypted',
  'token_encrypted',
] as const;

function redactPaths(): string[] {
  const paths: string[] = [];
  for (const key of REDACTED_KEYS) {
    paths.push(key, `*.${key}`, `*.*.${key}`);
  }
  paths.push('req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]');
  return paths;
}

/**
 * Telegram bot tokens look like `<bot id>:<35 url-safe chars>`. Replace the secret half wherever it
 * appears in free text (messages, error strings, URLs), keeping the bot id so the line stays useful.
 */
const TOKEN_IN_TEXT = /(\d{3,20}):[A-Za-z0-9_-]{20,}/g;

/** Mask every bot token found in `text` as `<bot id>:***`. Pure; returns the input when none is found. */
export function maskTokens(text: string): string {
  return text.replace(TOKEN_IN_TEXT, '$1:***');
}

export interface CreateLoggerOptions {
  /** pino level name; default `info`. */
  level?: string;
  /** Pretty-print for people; default: stdout is a TTY (false with a `destination`). */
  pretty?: boolean;
  /** Base bindings on every line (e.g. `{ proc: 'supervisor' }`). */
  base?: Record<string, unknown>;
  /** Write to this stream instead of stdout (tests); pretty (without colours) if `pretty` is true. */
  destination?: NodeJS.WritableStream;
}

/**
 * Build a pino logger with the platform's redaction and formatting rules.
 * @throws never; an unknown level falls back to pino's own validation error (config validates it first).
 */
export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const pinoOptions: LoggerOptions = {
    level: options.level ?? 'info',
    base: options.base ?? null,
    redact: { paths: redactPaths(), censor: '[redacted]' },
    hooks: {
      logMethod(args, method) {
        const masked = args.map((a) => (typeof a === 'string' ? maskTokens(a) : a));
        return method.apply(this, masked as Parameters<typeof method>);
      },
    },
    serializers: {
      err: (err: unknown) => serializeError(err),
    },
  };
  const pretty = options.pretty ?? (options.destination ? false : Boolean(process.stdout.isTTY));
  if (pretty) return pino(pinoOptions, prettyStream(pinoOptions.level ?? 'info', options.destination));
  if (options.destination) return pino(pinoOptions, options.destination as pino.DestinationStream);
  return pino(pinoOptions);
}

/**
 * pino-pretty for a terminal. Below `info` (debug, trace) every field is printed under its line; at
 * `info` and above only the sentence, with the message of an attached error (`err` or `error`).
 * Synchronous, so the last lines before `process.exit` are not lost.
 */
export function prettyStream(level: string, destination?: NodeJS.WritableStream): NodeJS.WritableStream {
  const detailed = level === 'debug' || level === 'trace';
  return pinoPretty({
    colorize: destination === undefined,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname',
    sync: true,
    ...(destination ? { destination } : {}),
    ...(detailed ? {} : { hideObject: true, messageFormat: humanMessage }),
  });
}

/** The sentence of a log record, with the message of its error appended when it does not say it already. */
export function humanMessage(log: Record<string, unknown>, messageKey: string): string {
  const text = typeof log[messageKey] === 'string' ? (log[messageKey] as string) : '';
  const err = log.err ?? log.error;
  const detail =
    typeof err === 'string'
      ? err
      : err && typeof err === 'object' && typeof (err as { message?: unknown }).message === 'string'
        ? (err as { message: string }).message
        : '';
  if (!detail || text.includes(detail)) return text;
  return text ? `${text} — ${detail}` : detail;
}

/** Serialise an error for a log line with tokens masked in its message and stack. */
export function serializeError(err: unknown): Record<string, unknown> {
  if (err instanceof Error) {
    const out: Record<string, unknown> = {
      type: err.name,
      message: maskTokens(err.message),
    };
    if (err.stack) out.stack = maskTokens(err.stack);
    const code = (err as { code?: unknown }).code;
    if (code !== undefined) out.code = code;
    return out;
  }
  // An error already serialised elsewhere (a bot process's JSON line relayed): keep its fields.
  if (err && typeof err === 'object' && typeof (err as { message?: unknown }).message === 'string') {
    const e = err as { type?: unknown; message: string; stack?: unknown; code?: unknown };
    const out: Record<string, unknown> = { message: maskTokens(e.message) };
    if (typeof e.type === 'string') out.type = e.type;
    if (typeof e.stack === 'string') out.stack = maskTokens(e.stack);
    if (e.code !== undefined) out.code = e.code;
    return out;
  }
  return { message: maskTokens(typeof err === 'object' && err !== null ? safeJson(err) : String(err)) };
}

/** JSON of a non-error thrown value (never `[object Object]`); falls back to its type name. */
function safeJson(value: object): string {
  try {
    return JSON.stringify(value) ?? Object.prototype.toString.call(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
