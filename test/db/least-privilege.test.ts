/**
 * With DATABASE_URL: the roles docs/database.md has the operator create are enough — the owner (no
 * superuser) runs every migration, the bot role gets its grants from the platform — and the platform says
 * at start when it runs as a superuser or when the bots share its role.
 */
import { randomBytes } from 'node:crypto';
import { PassThrough } from 'node:stream';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { openDatabase } from '../../src/db/database.ts';
import { migrationsList } from '../../src/db/migrations/index.ts';
import { createLogger } from '../../src/log/logger.ts';
import { createTestDatabase, withDatabase } from '../helpers/db.ts';

/** A logger whose warning messages are collected. */
function capturingLogger(): { logger: ReturnType<typeof createLogger>; warnings: string[] } {
  const warnings: string[] = [];
  const stream = new PassThrough();
  stream.on('data', (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n').filter(Boolean)) {
      const entry = JSON.parse(line) as { level: number; msg: string };
      if (entry.level === 40) warnings.push(entry.msg);
    }
  });
  return { logger: createLogger({ level: 'warn', pretty: false, destination: stream }), warnings };
}

async function asAdmin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: inject('adminDatabaseUrl') });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function urlAs(database: string, user: string, password: string): string {
  const u = new URL(withDatabase(inject('adminDatabaseUrl'), database));
  u.username = user;
  u.password = password;
  return u.toString();
}

describe('least privilege with DATABASE_URL', () => {
  const password = randomBytes(18).toString('base64url');
  let owner: string;
  let bot: string;
  let database: string;

  // Each test has roles and a database of its own: the first migration run must find nothing applied.
  beforeEach(async () => {
    const tag = randomBytes(5).toString('hex');
    owner = `tgl_owner_${tag}`;
    bot = `tgl_bot_${tag}`;
    database = `tgl_lp_${tag}`;
    // The operator's SQL from docs/database.md.
    await asAdmin(`create role ${owner} login password '${password}'`);
    await asAdmin(`create role ${bot} login password '${password}'`);
    await asAdmin(`create database ${database} owner ${owner}`);
    await asAdmin(`revoke all on database ${database} from public`);
    await asAdmin(`grant connect on database ${database} to ${bot}`);
  });
  afterEach(async () => {
    await asAdmin(`drop database if exists ${database} with (force)`);
    await asAdmin(`drop role if exists ${bot}`);
    await asAdmin(`drop role if exists ${owner}`);
  });

  it('an owner that is no superuser migrates; the bots get only their grants; nothing to warn about', async () => {
    const { logger, warnings } = capturingLogger();
    const db = await openDatabase(
      {
        databaseUrl: urlAs(database, owner, password),
        botDatabaseUrl: urlAs(database, bot, password),
        dataDir: '/nonexistent',
      },
      logger,
    );
    try {
      expect(db.applied).toEqual(migrationsList.map((m) => m.name));
      expect(db.superuser).toBe(false);
      expect(warnings).toEqual([]);
      const client = new pg.Client({ connectionString: db.botUrl });
      await client.connect();
      try {
        await expect(client.query('select count(*) from entries')).resolves.toBeDefined();
        await expect(client.query('select password_hash from tenants')).rejects.toMatchObject({
          code: '42501',
        });
      } finally {
        await client.end();
      }
    } finally {
      await db.close();
    }
  });

  it('warns when the platform is a superuser and when the bots share its role', async () => {
    const test = await createTestDatabase();
    const { logger, warnings } = capturingLogger();
    const db = await openDatabase({ databaseUrl: test.url, dataDir: '/nonexistent' }, logger);
    try {
      expect(db.superuser).toBe(true);
      expect(db.botUrl).toBe(db.url);
      expect(warnings).toEqual([
        expect.stringMatching(/as the superuser "\w+".*no superuser/),
        expect.stringMatching(/BOT_DATABASE_URL is not set/),
      ]);
    } finally {
      await db.close();
      await test.drop();
    }
  });

  it('warns when the bot role is a superuser, and leaves its privileges alone', async () => {
    const test = await createTestDatabase();
    const { logger, warnings } = capturingLogger();
    const db = await openDatabase(
      { databaseUrl: urlAs(database, owner, password), botDatabaseUrl: test.url, dataDir: '/nonexistent' },
      logger,
    );
    try {
      expect(warnings).toEqual([expect.stringMatching(/bot processes connect as the superuser/)]);
    } finally {
      await db.close();
      await test.drop();
    }
  });
});
