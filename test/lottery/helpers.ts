/**
 * Shared setup for the lottery domain tests: a migrated database, both SQL doors (the ORM's, as the web
 * uses it, and a plain `pg` pool, as the bot process uses it), a seed cipher, and helpers to make a
 * tenant with a bot config and chats where the bot is an administrator.
 */
import pg from 'pg';
import { type Sql, sqlFromOrm, sqlFromPool } from '../../src/db/sql.ts';
import type { Entrant } from '../../src/lottery/index.ts';
import { createTokenCipher } from '../../src/security/token-cipher.ts';
import { openTestDatabase } from '../helpers/db.ts';

export interface LotteryWorld {
  db: Awaited<ReturnType<typeof openTestDatabase>>;
  /** The ORM's pool (web, supervisor). */
  sql: Sql;
  /** A plain pg pool (bot process). */
  botSql: Sql;
  seedCipher: ReturnType<typeof createTokenCipher>;
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
    seedCipher: createTokenCipher('lottery-test-secret', 'lottery-seed'),
    async close() {
      await pool.end();
      await db.drop();
    },
  };
}

let nextTenant = 1;

/** A tenant with a bot config (bot_username `test_bot`) and the given admin chats. */
export async function tenantWithChats(
  sql: Sql,
  chats: { chatId: number; type?: string; title?: string; status?: string }[],
): Promise<number> {
  const [t] = await sql.query<{ id: number }>(
    `insert into tenants (username, password_hash) values (?, 'x') returning id`,
    [`tenant${nextTenant++}_${Date.now()}`],
  );
  const tenantId = t!.id;
  await sql.query(
    `insert into bot_configs (tenant_id, token_encrypted, token_hint, bot_id, bot_username)
     values (?, 'sealed', '1234', ?, 'test_bot')`,
    [tenantId, 1000 + tenantId],
  );
  for (const c of chats) {
    await sql.query(
      `insert into chats (tenant_id, chat_id, type, title, bot_status) values (?, ?, ?, ?, ?)`,
      [tenantId, c.chatId, c.type ?? 'channel', c.title ?? `Chat ${c.chatId}`, c.status ?? 'administrator'],
    );
  }
  return tenantId;
}

/** A Telegram user. */
export function person(userId: number, extra: Partial<Entrant> = {}): Entrant {
  return {
    userId,
    firstName: `User ${userId}`,
    lastName: null,
    username: `user${userId}`,
    languageCode: 'en',
    isBot: false,
    ...extra,
  };
}
