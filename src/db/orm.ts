/**
 * MikroORM (6.6, PostgreSQL driver) set up for the platform: its connection pool, the committed migrations
 * and pino for its logs. No entities: the schema is the migrations' SQL, and every query is SQL in its
 * table's repository (docs/architecture.md, "One schema").
 */

import { Migrator } from '@mikro-orm/migrations';
import { MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from '../log/logger.ts';
import { migrationsList } from './migrations/index.ts';

export type Orm = MikroORM;

export interface CreateOrmOptions {
  /** PostgreSQL connection string. */
  url: string;
  logger: Logger;
  /** Connection pool size, default 10. */
  poolMax?: number;
}

/**
 * Connect the ORM (the pool connects lazily on first query; `connect: true` checks at once).
 * @throws the driver's error when the server cannot be reached
 */
export async function createOrm(options: CreateOrmOptions): Promise<Orm> {
  const log = options.logger.child({ component: 'orm' });
  return MikroORM.init({
    clientUrl: options.url,
    entities: [],
    extensions: [Migrator],
    pool: { min: 0, max: options.poolMax ?? 10 },
    discovery: { warnWhenNoEntities: false },
    allowGlobalContext: false,
    forceUtcTimezone: true,
    debug: false,
    logger: (message) => log.debug(message),
    // knex prints its warnings (e.g. "Connection Error" when the server goes away) with console.*.
    driverOptions: {
      log: {
        warn: (message: unknown) => log.warn(String(message)),
        error: (message: unknown) => log.error(String(message)),
        deprecate: (message: unknown) => log.debug(String(message)),
        debug: (message: unknown) => log.debug(String(message)),
      },
    },
    migrations: {
      tableName: 'mikro_orm_migrations',
      migrationsList,
      transactional: true,
      allOrNothing: true,
      disableForeignKeys: false,
      snapshot: false,
      silent: true,
    },
  });
}

/** What one `migrate` run did. */
export interface MigrateResult {
  /** Names of the migrations applied now (empty when the schema was already current). */
  applied: string[];
}

/**
 * Apply every pending committed migration, all in one transaction. Running it again is a no-op.
 * Concurrent runs (web and supervisor starting together) are serialised with a PostgreSQL advisory lock.
 */
export async function migrate(orm: Orm): Promise<MigrateResult> {
  const connection = orm.em.getConnection();
  const knex = connection.getKnex();
  // A session-level advisory lock needs one dedicated connection for lock and unlock.
  const client = await knex.client.acquireConnection();
  try {
    await client.query('select pg_advisory_lock(7212460321)');
    const migrator = orm.getMigrator();
    const done = await migrator.up();
    return { applied: done.map((m) => m.name) };
  } finally {
    await client.query('select pg_advisory_unlock(7212460321)').catch(() => undefined);
    await knex.client.releaseConnection(client);
  }
}
