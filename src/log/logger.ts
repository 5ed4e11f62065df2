/**
 * The platform's logger: pino, human-readable (pino-pretty) on a TTY, JSON lines otherwise.
 *
 * Secrets never reach a log line: `redact` censors every field that can carry a bot token, a password,
 * a session or an encryption key, wherever it sits in the logged object (top level, one or two levels
 * down, request headers). Bot tokens embedded inside free text (an error message quoting a URL like
 * `/bot123:ABC/getMe`) are masked by {@link maskTokens}, applied to every message and error string.
 */
import { type Logger, type LoggerOptions, pino } from 'pino';

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
  /** Pretty-print for people; default: stdout is a TTY. */
  pretty?: boolean;
  /** Base bindings on every line (e.g. `{ proc: 'supervisor' }`). */
  base?: Record<string, unknown>;
  /** Write to this stream instead of stdout (tests). */
  destination?: NodeJS.WritableStream;
}

/**
 * Build a pino logger with the platform's redaction and formatting rules.
 * @throws never; an unknown level falls back to pino's own validation error (config validates it first).
 */
export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const pretty = options.pretty ?? Boolean(process.stdout.isTTY);
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
  if (options.destination) return pino(pinoOptions, options.destination as pino.DestinationStream);
  if (pretty) {
    return pino({
      ...pinoOptions,
      transport: {
        target: 'pino-pretty',
        options: { colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' },
      },
    });
  }
  return pino(pinoOptions);
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
  return { message: maskTokens(String(err)) };
}
