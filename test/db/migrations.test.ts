import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { openDatabase } from '../../src/db/database.ts';
import { migrationsList } from '../../src/db/migrations/index.ts';
import { createOrm, migrate } from '../../src/db/orm.ts';
import { sqlFromOrm } from '../../src/db/sql.ts';
import { createTestDatabase, type TestDatabase, testLogger } from '../helpers/db.ts';
import { makeTenant } from '../helpers/factories/index.ts';

const TABLES = [
  'audit_events',
  'bot_configs',
  'bot_leases',
  'bot_status',
  'bot_users',
  'chats',
  'draw_proofs',
  'entries',
  'inbound_update_marks',
  'inbound_updates',
  'invites',
  'lotteries',
  'lottery_counts',
  'lottery_posts',
  'outbox_messages',
  'prizes',
  'sessions',
  'supervisor_nodes',
  'tenants',
  'winners',
];

describe(`migrations (${inject('databaseKind')} PostgreSQL)`, () => {
  // A fresh, empty database for each test: the first one must find nothing migrated yet.
  let test: TestDatabase;
  beforeEach(async () => {
    test = await createTestDatabase();
  });
  afterEach(async () => {
    await test.drop();
  });

  it('apply every committed migration to an empty database, and a second run is a no-op', async () => {
    const orm = await createOrm({ url: test.url, logger: testLogger() });
    try {
      const first = await migrate(orm);
      expect(first.applied).toEqual(migrationsList.map((m) => m.name));
      const second = await migrate(orm);
      expect(second.applied).toEqual([]);
      const rows = await orm.em
        .getConnection()
        .execute<{ table_name: string }[]>(
          "select table_name from information_schema.tables where table_schema = 'public' and table_name <> 'mikro_orm_migrations' order by 1",
        );
      expect(rows.map((r) => r.table_name)).toEqual(TABLES);
    } finally {
      await orm.close(true);
    }
  });

  it('concurrent migrate runs (web and supervisor starting together) apply each migration once', async () => {
    const other = await createTestDatabase();
    const orms = await Promise.all([1, 2, 3].map(() => createOrm({ url: other.url, logger: testLogger() })));
    try {
      const results = await Promise.all(orms.map((orm) => migrate(orm)));
      expect(results.flatMap((r) => r.applied)).toEqual(migrationsList.map((m) => m.name));
    } finally {
      await Promise.all(orms.map((orm) => orm.close(true)));
      await other.drop();
    }
  });

  it('a tenant with its bot config reads back as written (defaults from the schema)', async () => {
    const db = await openDatabase({ databaseUrl: test.url, dataDir: '/nonexistent' }, testLogger());
    try {
      const sql = sqlFromOrm(db.orm);
      const [tenant] = await sql.query<{ id: number }>(
        "insert into tenants (username, password_hash, role) values ('alice', 'x', 'admin') returning id",
      );
      await sql.query(
        `insert into bot_configs (tenant_id, token_encrypted, bot_id, bot_username)
         values (?, 'v1.a.b.c', 7000000001, 'alice_bot')`,
        [tenant!.id],
      );
      const [read] = await sql.query<{ bot_id: string; enabled: boolean; username: string }>(
        `select c.bot_id, c.enabled, t.username from bot_configs c join tenants t on t.id = c.tenant_id
          where c.tenant_id = ?`,
        [tenant!.id],
      );
      expect(read).toEqual({ bot_id: '7000000001', enabled: true, username: 'alice' });
    } finally {
      await db.close();
    }
  });

  it('refuses a second tenant with the same username in another letter case', async () => {
    const db = await openDatabase({ databaseUrl: test.url, dataDir: '/nonexistent' }, testLogger());
    try {
      const conn = db.orm.em.getConnection();
      await conn.execute("insert into tenants (username, password_hash) values ('Bob', 'x')");
      await expect(
        conn.execute("insert into tenants (username, password_hash) values ('bob', 'x')"),
      ).rejects.toThrow(/tenants_username_unique/);
    } finally {
      await db.close();
    }
  });

  it('keeps the bot host columns of bot_status, and refuses an isolation reason it does not know', async () => {
    const db = await openDatabase({ databaseUrl: test.url, dataDir: '/nonexistent' }, testLogger());
    try {
      const sql = sqlFromOrm(db.orm);
      const tenant = await makeTenant(sql);
      await sql.query(
        `insert into bot_status (tenant_id, state, since, isolation, host_id)
         values (?, 'running', now(), 'event-loop-blocked', '7')`,
        [tenant.id],
      );
      const [read] = await sql.query('select isolation, host_id from bot_status where tenant_id = ?', [
        tenant.id,
      ]);
      expect(read).toEqual({ isolation: 'event-loop-blocked', host_id: '7' });
      await sql.query('update bot_status set isolation = null, host_id = null where tenant_id = ?', [
        tenant.id,
      ]);
      await expect(
        sql.query("update bot_status set isolation = 'bad-luck' where tenant_id = ?", [tenant.id]),
      ).rejects.toThrow(/bot_status_isolation_check/);
    } finally {
      await db.close();
    }
  });
});
