/**
 * Opens the platform's database: the server at `DATABASE_URL`, or the embedded PostgreSQL in
 * `DATA_DIR/pg` when it is unset; then connects the ORM and (by default) applies pending migrations and
 * resets the bot role's grants (bot-grants.ts). Least privilege (docs/database.md): the platform should
 * not be a superuser (a warning says so when it is), and bots connect as their own role — the embedded
 * server's `tg_lottery_bot`, or the role of `BOT_DATABASE_URL` (unset: bots use `DATABASE_URL`, with a
 * warning).
 */
import type { Config } from '../config/env.ts';
import type { Logger } from '../log/logger.ts';
import { botGrantStatements } from './bot-grants.ts';
import { type EmbeddedPostgres, startEmbeddedPostgres } from './embedded.ts';
import { createOrm, migrate, type Orm } from './orm.ts';

export interface Database {
  /** Connection string (contains the embedded server's password: never log it). */
  readonly url: string;
  /** Connection string for bot processes (the bot role; `url` when no bot role is configured). */
  readonly botUrl: string;
  /** Whether `url` connects as a PostgreSQL superuser. */
  readonly superuser: boolean;
  readonly orm: Orm;
  /** The embedded server, when one was started. */
  readonly embedded: EmbeddedPostgres | undefined;
  /** Migrations applied while opening. */
  readonly applied: string[];
  /** Close the pool, then stop the embedded server if any. Idempotent. */
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** Apply pending migrations, default true. */
  migrate?: boolean;
  poolMax?: number;
}

/** Mask the password of a connection string for logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '[invalid url]';
  }
}

/**
 * Open the database described by the configuration.
 * @throws DataDirLockedError, EmbeddedPostgresError, or the driver's connection error
 */
export async function openDatabase(
  config: Pick<Config, 'databaseUrl' | 'dataDir'> & Partial<Pick<Config, 'botDatabaseUrl'>>,
  logger: Logger,
  options: OpenDatabaseOptions = {},
): Promise<Database> {
  const embedded = config.databaseUrl
    ? undefined
    : await startEmbeddedPostgres({
        dataDir: config.dataDir,
        logger: logger.child({ component: 'embedded-pg' }),
      });
  const url = config.databaseUrl ?? embedded!.url;
  let orm: Orm | undefined;
  try {
    orm = await createOrm({ url, logger, poolMax: options.poolMax });
    try {
      await orm.em.getConnection().execute('select 1');
    } catch (err) {
      const where = config.databaseUrl ? `DATABASE_URL (${redactUrl(url)})` : 'the embedded database';
      throw new Error(`cannot reach ${where}: ${(err as Error).message}`);
    }
    const applied = options.migrate === false ? [] : (await migrate(orm)).applied;
    if (applied.length > 0) logger.info({ applied }, `applied ${applied.length} database migration(s)`);
    const botUrl = embedded?.botUrl ?? config.botDatabaseUrl ?? url;
    const execute = <T>(text: string, params: unknown[] = []) =>
      orm!.em.getConnection().execute<T[]>(text, params);
    const superuser = await checkRoles(execute, logger, { embedded: Boolean(embedded), url, botUrl });
    if (options.migrate !== false && botUrl !== url) await applyBotGrants(orm, userOf(botUrl));
    let closing: Promise<void> | undefined;
    const opened = orm;
    return {
      url,
      botUrl,
      superuser,
      orm: opened,
      embedded,
      applied,
      close() {
        closing ??= (async () => {
          await opened
            .close(true)
            .catch((err: unknown) => logger.warn({ err }, 'closing the database pool failed'));
          await embedded?.stop();
        })();
        return closing;
      },
    };
  } catch (err) {
    await orm?.close(true).catch(() => undefined);
    await embedded?.stop();
    throw err;
  }
}

type Execute = <T>(text: string, params?: unknown[]) => Promise<T[]>;

/** The user name of a connection string ('' when it names none). */
function userOf(url: string): string {
  try {
    return decodeURIComponent(new URL(url).username);
  } catch {
    return '';
  }
}

/**
 * Says at start what is not least privilege: the platform connected as a superuser, bots sharing the
 * platform's role, a bot role that is a superuser or the same as the platform's. Returns whether the
 * platform's role is a superuser.
 */
async function checkRoles(
  execute: Execute,
  logger: Logger,
  where: { embedded: boolean; url: string; botUrl: string },
): Promise<boolean> {
  const [me] = await execute<{ name: string; super: boolean }>(
    'select current_user as name, rolsuper as super from pg_roles where rolname = current_user',
  );
  const superuser = me?.super === true;
  if (superuser) {
    logger.warn(
      { role: me?.name },
      `the platform connects to PostgreSQL as the superuser "${me?.name}": give DATABASE_URL a role that owns ` +
        'the database but is no superuser (docs/database.md)',
    );
  }
  if (where.embedded) return superuser;
  if (where.botUrl === where.url) {
    logger.warn(
      'BOT_DATABASE_URL is not set, so the bot processes connect with DATABASE_URL and can read everything ' +
        'the platform can; set it to a role of its own (docs/database.md)',
    );
    return superuser;
  }
  const botRole = userOf(where.botUrl);
  const [bot] = await execute<{ super: boolean }>(
    'select rolsuper as super from pg_roles where rolname = ?',
    [botRole],
  );
  if (!botRole || botRole === me?.name) {
    logger.warn(
      'BOT_DATABASE_URL names no role or the same role as DATABASE_URL, so the bots are not limited to ' +
        'what they need; give it a role of its own (docs/database.md)',
    );
  } else if (!bot) {
    logger.warn(
      { role: botRole },
      `the role "${botRole}" of BOT_DATABASE_URL does not exist (docs/database.md)`,
    );
  } else if (bot.super) {
    logger.warn(
      { role: botRole },
      `the bot processes connect as the superuser "${botRole}"; BOT_DATABASE_URL needs a role that is no superuser`,
    );
  }
  return superuser;
}

/**
 * Reset the bot role's privileges to the list in bot-grants.ts, in one transaction, serialised with
 * migrations by their advisory lock. Does nothing for a missing role or the platform's own role (its
 * privileges must never be revoked).
 */
export async function applyBotGrants(orm: Orm, role: string): Promise<void> {
  const knex = orm.em.getConnection().getKnex();
  await knex.transaction(async (trx) => {
    await trx.raw('select pg_advisory_xact_lock(7212460321)');
    const rows = (
      await trx.raw<{ rows: unknown[] }>(
        'select 1 from pg_roles where rolname = ? and rolname <> current_user and not rolsuper',
        [role],
      )
    ).rows;
    if (!role || rows.length === 0) return;
    for (const statement of botGrantStatements(role)) await trx.raw(statement);
  });
}
