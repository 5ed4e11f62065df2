/**
 * Shared setup for the lottery domain tests: a migrated database, both SQL doors (the ORM's, as the web
 * uses it, and a plain `pg` pool, as the bot process uses it) and the seed cipher. Tenants, chats,
 * lotteries and Telegram users come from the factories (test/helpers/factories).
 */
import pg from 'pg';
import { type Sql, sqlFromOrm, sqlFromPool } from '../../src/db/sql.ts';
import { openTestDatabase } from '../helpers/db.ts';
import { seedCipher } from '../helpers/factories/index.ts';

export interface LotteryWorld {
  db: Awaited<ReturnType<typeof openTestDatabase>>;
  /** The ORM's pool (web, supervisor). */
  sql: Sql;
  /** A plain pg pool (bot process). */
  botSql: Sql;
  seedCipher: typeof seedCipher;
  close(): Promise<void>;
}

export async function createLotteryWorld(): Promise<LotteryWorld> {
  const db = await openTestDatabase();
  const pool = new pg.Pool({ connectionString: db.url, max: 4 });
  // Dropping the database at the end terminates any connection still closing: expected, not a failure.
  pool.on('error', () => {});
  return {
    db,
    sql: sqlFromOrm(db.orm),
    botSql: sqlFromPool(pool),
    seedCipher,
    async close() {
      await pool.end();
      await db.drop();
    },
  };
}
