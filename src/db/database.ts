/**
 * Opens the platform's database: the server at `DATABASE_URL`, or the embedded PostgreSQL in
 * `DATA_DIR/pg` when it is unset; then connects the ORM and (by default) applies pending migrations.
 */
import type { Config } from '../config/env.ts';
import type { Logger } from '../log/logger.ts';
import { type EmbeddedPostgres, startEmbeddedPostgres } from './embedded.ts';
import { createOrm, migrate, type Orm } from './orm.ts';

export interface Database {
  /** Connection string (contains the embedded server's password: never log it). */
  readonly url: string;
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
  config: Pick<Config, 'databaseUrl' | 'dataDir'>,
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
    let closing: Promise<void> | undefined;
    const opened = orm;
    return {
      url,
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
