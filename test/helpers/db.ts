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

/** A fresh, migrated database opened through the platform's own code. Close with `close()`. */
export async function openTestDatabase(): Promise<Database & { drop(): Promise<void> }> {
  const test = await createTestDatabase();
  const db = await openDatabase({ databaseUrl: test.url, dataDir: '/nonexistent' }, testLogger());
  return Object.assign(db, {
    async drop() {
      await db.close();
      await test.drop();
    },
  });
}
