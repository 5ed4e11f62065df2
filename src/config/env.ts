/**
 * Process configuration read from the environment and validated with zod.
 *
 * Every variable has a documented default (README "Configuration"). A bad value is a
 * {@link ConfigError} naming the variable, what is wrong with the value and an example of a good one;
 * the CLI prints its one-line message and exits with code 2.
 */
import { statSync } from 'node:fs';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { z } from 'zod';
import { LOG_LANGUAGES, type LogLanguage, logLanguageFromLocale } from '../log/messages.ts';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** The validated configuration. Durations carry their unit in the name (`_S`, `_MS`). */
export interface Config {
  /** PostgreSQL connection string; `undefined` = start the embedded server in `DATA_DIR/pg`. */
  databaseUrl: string | undefined;
  /** Connection string for the bot processes (a role with only the bots' grants); needs `DATABASE_URL`. */
  botDatabaseUrl: string | undefined;
  /** Directory for the embedded database, the generated secret and other state (absolute path). */
  dataDir: string;
  /** Admin web port (TCP). */
  port: number;
  /** Admin web listen address. */
  host: string;
  /** Bot API root without a trailing slash, e.g. `https://api.telegram.org`. */
  telegramApiRoot: string;
  /** Seconds between two polls of the bot configs (NOTIFY makes changes visible sooner). */
  checkIntervalS: number;
  /** Milliseconds a bot process gets to stop gracefully before it is killed. */
  stopTimeoutMs: number;
  /** Shared bot hosts (0 = one per CPU core), and the most bots in one host (1 = a process per bot). */
  botHosts: number;
  botsPerHost: number;
  /** Secret from which encryption keys are derived; `undefined` = generated into `DATA_DIR/secret`. */
  appSecret: string | undefined;
  /** pino level. */
  logLevel: (typeof LOG_LEVELS)[number];
  /** Supervisor status port (loopback), for `/status` and `/healthz`. */
  supervisorPort: number;
  /**
   * The admin web's public address (no trailing slash), e.g. `https://giveaways.example.com`: winners
   * announcements link to the public proof page under it. Unset: they show the commitment instead.
   */
  publicUrl: string | undefined;
  /** This supervisor node's name in the cluster (the admin page's node list); default the host name. */
  nodeName: string | undefined;
  /**
   * Seconds a node's lease of its bots lasts without renewal (renewed every third of it): after a node dies,
   * another takes its bots over within about this time plus a third.
   */
  leaseTtlS: number;
  /**
   * How the bots receive their updates: `polling` (getUpdates, the default: nothing to expose) or
   * `webhook` (Telegram POSTs them to `PUBLIC_URL`, any web process stores them; needs `PUBLIC_URL`).
   */
  updates: 'polling' | 'webhook';
  /** Webhook mode: the most connections Telegram opens at once to deliver one bot's updates (1–100). */
  webhookMaxConnections: number;
  /** Language of the human log sentences (`msg`); default from the system locale (LC_ALL, LC_MESSAGES, LANG). */
  logLang: LogLanguage;
}

/** A configuration problem a person can fix: which variable, what is wrong, an example of a good value. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    readonly problem: string,
    readonly example: string,
  ) {
    super(`${variable}: ${problem} (example: ${variable}=${example})`);
    this.name = 'ConfigError';
  }
}

/**
 * A whole number written in plain decimal digits (no `0x`, exponent, fraction or sign tricks), within
 * [min, max]; `belowMin` is the sentence for a value under `min`. Out of range says the range, even for
 * a number too large for JavaScript to hold exactly.
 */
function wholeNumber(
  min: number,
  max: number,
  belowMin: string,
  aboveMax: string = `must be at most ${max}`,
) {
  return z
    .string()
    .trim()
    .transform((v, ctx) => {
      const fail = (message: string) => {
        ctx.issues.push({ code: 'custom', message, input: v });
        return z.NEVER;
      };
      if (!/^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(v)) return fail('is not a number');
      if (!/^-?\d+$/.test(v)) return fail('must be a whole number');
      if (v.startsWith('-') && /[1-9]/.test(v)) return fail(belowMin);
      const n = Number(v);
      if (n < min) return fail(belowMin);
      if (n > max) return fail(aboveMax);
      return n;
    });
}

const port = wholeNumber(0, 65535, 'must be between 0 and 65535', 'must be between 0 and 65535');

const postgresUrl = z
  .string()
  .trim()
  .refine(
    (v) => {
      try {
        const u = new URL(v);
        return (u.protocol === 'postgres:' || u.protocol === 'postgresql:') && u.hostname !== '';
      } catch {
        return false;
      }
    },
    { error: 'is not a postgres:// or postgresql:// URL with a host' },
  );

const httpUrl = z
  .string()
  .trim()
  .refine(
    (v) => {
      try {
        const u = new URL(v);
        return u.protocol === 'http:' || u.protocol === 'https:';
      } catch {
        return false;
      }
    },
    { error: 'is not an http:// or https:// URL' },
  )
  .transform((v) => v.replace(/\/+$/, ''));

/** PUBLIC_URL: an http(s) address without credentials, query or fragment, normalised (no trailing slash). */
const publicUrl = z
  .string()
  .trim()
  .transform((v, ctx) => {
    let u: URL;
    try {
      u = new URL(v);
    } catch {
      ctx.issues.push({ code: 'custom', message: 'is not an http:// or https:// URL', input: v });
      return z.NEVER;
    }
    if ((u.protocol !== 'http:' && u.protocol !== 'https:') || !/^https?:\/\//i.test(v)) {
      ctx.issues.push({ code: 'custom', message: 'is not an http:// or https:// URL', input: v });
      return z.NEVER;
    }
    if (u.username || u.password || u.search || u.hash) {
      ctx.issues.push({
        code: 'custom',
        message: 'must not hold a user name, password, query or fragment (it is shown in links)',
        input: v,
      });
      return z.NEVER;
    }
    return `${u.origin}${u.pathname}`.replace(/\/+$/, '');
  });

/** Each variable: its schema (string in, typed value out), default, and an example of a good value. */
const VARIABLES = {
  DATABASE_URL: {
    schema: postgresUrl.optional(),
    example: 'postgres://postgres@127.0.0.1:5432/tg_lottery',
  },
  BOT_DATABASE_URL: {
    schema: postgresUrl.optional(),
    example: 'postgres://tg_lottery_bot:secret@127.0.0.1:5432/tg_lottery',
  },
  DATA_DIR: { schema: z.string().trim().min(1, { error: 'is empty' }).default('./data'), example: './data' },
  PORT: { schema: port.default(8080), example: '8080' },
  HOST: {
    schema: z
      .string()
      .trim()
      .regex(/^[A-Za-z0-9.:[\]-]+$/, { error: 'is not a host name or IP address' })
      .refine((v) => !/^[\d.]+$/.test(v) || isIP(v) === 4, { error: 'is not a valid IPv4 address' })
      .default('127.0.0.1'),
    example: '127.0.0.1',
  },
  TELEGRAM_API_ROOT: {
    schema: httpUrl.default('https://api.telegram.org'),
    example: 'https://api.telegram.org',
  },
  CHECK_INTERVAL_S: {
    schema: z.coerce
      .number({ error: 'is not a number' })
      .min(0.1, { error: 'must be at least 0.1 seconds' })
      .max(3600, { error: 'must be at most 3600 seconds' })
      .default(10),
    example: '10',
  },
  STOP_TIMEOUT_MS: {
    schema: wholeNumber(100, 600_000, 'must be at least 100 ms', 'must be at most 600000 ms').default(5000),
    example: '5000',
  },
  BOT_HOSTS: {
    schema: wholeNumber(0, 256, 'must be 0 (one per CPU core) or more').default(0),
    example: '0',
  },
  BOTS_PER_HOST: {
    schema: wholeNumber(1, 100_000, 'must be at least 1 (1 = a process per bot)').default(1000),
    example: '1000',
  },
  APP_SECRET: {
    schema: z.string().min(16, { error: 'is shorter than 16 characters' }).optional(),
    example: '$(openssl rand -hex 32)',
  },
  LOG_LEVEL: {
    schema: z
      .string()
      .trim()
      .toLowerCase()
      .pipe(z.enum(LOG_LEVELS, { error: `is not one of ${LOG_LEVELS.join(', ')}` }))
      .default('info'),
    example: 'info',
  },
  SUPERVISOR_PORT: { schema: port.default(8082), example: '8082' },
  PUBLIC_URL: { schema: publicUrl.optional(), example: 'https://giveaways.example.com' },
  NODE_NAME: {
    schema: z
      .string()
      .trim()
      .min(1, { error: 'is empty' })
      .max(100, { error: 'is longer than 100 characters' })
      .regex(/^[\w.@-]+$/, { error: 'may hold only letters, digits, ".", "-", "_" and "@"' })
      .optional(),
    example: 'node-a',
  },
  LEASE_TTL_S: {
    schema: z.coerce
      .number({ error: 'is not a number' })
      .min(2, { error: 'must be at least 2 seconds' })
      .max(300, { error: 'must be at most 300 seconds' })
      .default(9),
    example: '9',
  },
  UPDATES: {
    schema: z
      .string()
      .trim()
      .toLowerCase()
      .pipe(z.enum(['polling', 'webhook'], { error: 'is not one of polling, webhook' }))
      .default('polling'),
    example: 'webhook',
  },
  WEBHOOK_MAX_CONNECTIONS: {
    schema: wholeNumber(1, 100, 'must be between 1 and 100', 'must be between 1 and 100').default(40),
    example: '40',
  },
  LOG_LANG: {
    schema: z
      .string()
      .trim()
      .pipe(z.enum(LOG_LANGUAGES, { error: `is not one of ${LOG_LANGUAGES.join(', ')}` }))
      .optional(),
    example: 'zh-CN',
  },
} as const;

type Env = Record<string, string | undefined>;

function read<K extends keyof typeof VARIABLES>(
  env: Env,
  name: K,
): z.output<(typeof VARIABLES)[K]['schema']> {
  const spec = VARIABLES[name];
  const raw = env[name];
  // An empty string means "unset": shells and .env files often export VAR= for "no value".
  const value = raw === undefined || raw === '' ? undefined : raw;
  const result = spec.schema.safeParse(value);
  if (!result.success) {
    const problem = result.error.issues[0]?.message ?? 'is invalid';
    const shown =
      value === undefined
        ? ''
        : ` (${name === 'APP_SECRET' || name === 'DATABASE_URL' || name === 'BOT_DATABASE_URL' ? 'value hidden' : JSON.stringify(value)})`;
    throw new ConfigError(name, `${problem}${shown}`, spec.example);
  }
  return result.data as z.output<(typeof VARIABLES)[K]['schema']>;
}

/**
 * Read and validate the configuration.
 * @param env variables to read, default `process.env`
 * @param cwd directory relative paths are resolved against, default `process.cwd()`
 * @throws ConfigError on the first invalid variable
 */
export function loadConfig(env: Env = process.env, cwd: string = process.cwd()): Config {
  const dataDir = resolve(cwd, read(env, 'DATA_DIR'));
  try {
    if (!statSync(dataDir).isDirectory()) {
      throw new ConfigError('DATA_DIR', `is not a directory (${JSON.stringify(dataDir)})`, './data');
    }
  } catch (err) {
    if (err instanceof ConfigError) throw err; // missing is fine: it is created at start
  }
  const databaseUrl = read(env, 'DATABASE_URL');
  const botDatabaseUrl = read(env, 'BOT_DATABASE_URL');
  if (botDatabaseUrl && !databaseUrl) {
    throw new ConfigError(
      'BOT_DATABASE_URL',
      'is set without DATABASE_URL (the embedded database makes its own bot role)',
      'postgres://tg_lottery_bot:secret@127.0.0.1:5432/tg_lottery',
    );
  }
  const publicUrl = read(env, 'PUBLIC_URL');
  const telegramApiRoot = read(env, 'TELEGRAM_API_ROOT');
  const updates = read(env, 'UPDATES');
  if (updates === 'webhook' && !publicUrl) {
    throw new ConfigError(
      'UPDATES',
      'is webhook without PUBLIC_URL (the address Telegram sends the updates to)',
      'polling',
    );
  }
  if (updates === 'webhook' && publicUrl && new URL(publicUrl).pathname !== '/') {
    throw new ConfigError(
      'PUBLIC_URL',
      `has a path, but the web serves the webhooks at /telegram/webhook/ from its root (${JSON.stringify(publicUrl)})`,
      'https://giveaways.example.com',
    );
  }
  // Telegram delivers webhooks over HTTPS only (Bot API setWebhook); a local Bot API server or the
  // sandbox may take http.
  if (
    updates === 'webhook' &&
    publicUrl?.startsWith('http:') &&
    new URL(telegramApiRoot).hostname === 'api.telegram.org'
  ) {
    throw new ConfigError(
      'PUBLIC_URL',
      `is http:// but Telegram delivers webhooks only to https:// addresses (${JSON.stringify(publicUrl)})`,
      'https://giveaways.example.com',
    );
  }
  return {
    databaseUrl,
    botDatabaseUrl,
    dataDir,
    port: read(env, 'PORT'),
    host: read(env, 'HOST'),
    telegramApiRoot,
    checkIntervalS: read(env, 'CHECK_INTERVAL_S'),
    stopTimeoutMs: read(env, 'STOP_TIMEOUT_MS'),
    botHosts: read(env, 'BOT_HOSTS'),
    botsPerHost: read(env, 'BOTS_PER_HOST'),
    appSecret: read(env, 'APP_SECRET'),
    logLevel: read(env, 'LOG_LEVEL'),
    supervisorPort: read(env, 'SUPERVISOR_PORT'),
    publicUrl,
    nodeName: read(env, 'NODE_NAME'),
    leaseTtlS: read(env, 'LEASE_TTL_S'),
    updates,
    webhookMaxConnections: read(env, 'WEBHOOK_MAX_CONNECTIONS'),
    logLang: read(env, 'LOG_LANG') ?? logLanguageFromLocale(env),
  };
}
