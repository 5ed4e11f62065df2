/**
 * Throw-away databases for tests: each call creates a fresh, empty database on the run's server
 * (see test/global-setup.ts) and returns its URL and a function that drops it.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { type Database, openDatabase } from '../../src/db/database.ts';
import { createLogger, type Logger } from '../../src/log/logger.ts';

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

/** URL of the same server with another database name. */
export function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Create an empty database named `tgl_t_<random>`. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = inject('adminDatabaseUrl');
  const name = `tgl_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  return {
    url: withDatabase(adminUrl, name),
    name,
    async drop() {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      try {
        await c.query(`drop database if exists ${name} with (force)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** A quiet logger for tests. */
export function testLogger(): Logger {
  return createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent', pretty: false });
}

/**
 * A throw-away login role `<database>_bot` (no superuser) and its connection string to `test`'s
 * database, for `BOT_DATABASE_URL`; `drop()` removes it (after the database is dropped).
 */
export async function createTestBotRole(
  test: TestDatabase,
): Promise<{ url: string; role: string; drop(): Promise<void> }> {
  const adminUrl = inject('adminDatabaseUrl');
  const role = `${test.name}_bot`;
  const password = randomBytes(18).toString('base64url');
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`create role ${role} login password '${password}'`);
  } finally {
    await admin.end();
  }
  const u = new URL(test.url);
  u.username = role;
  u.password = password;
  return {
    url: u.toString(),
    role,
    async drop() {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      try {
        await c.query(`drop role if exists ${role}`);
      } finally {
        await c.end();
      }
    },
  };
}

/**
 * A fresh, migrated database opened through the platform's own code, with a bot role of its own
 * (`db.botUrl`, only the bots' grants) as in production. Close with `close()`.
 */
export async function openTestDatabase(): Promise<Database & { drop(): Promise<void> }> {
  const test = await createTestDatabase();
  const bot = await createTestBotRole(test);
  const db = await openDatabase(
    { databaseUrl: test.url, botDatabaseUrl: bot.url, dataDir: '/nonexistent' },
    testLogger(),
  );
  return Object.assign(db, {
    async drop() {
      await db.close();
      await test.drop();
      await bot.drop();
    },
  });
}
