import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openDatabase } from '../../src/db/database.ts';
import { BotConfig, BotStatus, Tenant } from '../../src/db/entities/index.ts';
import { migrationsList } from '../../src/db/migrations/index.ts';
import { createOrm, migrate } from '../../src/db/orm.ts';
import { createTestDatabase, type TestDatabase, testLogger } from '../helpers/db.ts';

const TABLES = [
  'audit_events',
  'bot_configs',
  'bot_status',
  'bot_users',
  'chats',
  'draw_proofs',
  'entries',
  'invites',
  'lotteries',
  'lottery_counts',
  'lottery_posts',
  'outbox_messages',
  'prizes',
  'sessions',
  'tenants',
  'winners',
];

describe(`migrations (${inject('databaseKind')} PostgreSQL)`, () => {
  let test: TestDatabase;
  beforeAll(async () => {
    test = await createTestDatabase();
  });
  afterAll(async () => {
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

  it('maps the entities onto the migrated tables (insert and read back through the ORM)', async () => {
    const db = await openDatabase({ databaseUrl: test.url, dataDir: '/nonexistent' }, testLogger());
    try {
      const em = db.orm.em.fork();
      const tenant = em.create(Tenant, { username: 'alice', passwordHash: 'x', role: 'admin' });
      em.create(BotConfig, {
        tenant,
        tokenEncrypted: 'v1.a.b.c',
        botId: 7_000_000_001,
        botUsername: 'alice_bot',
      });
      await em.flush();
      const read = await db.orm.em
        .fork()
        .findOneOrFail(BotConfig, { tenant: tenant.id }, { populate: ['tenant'] });
      expect(read.botId).toBe(7_000_000_001);
      expect(read.enabled).toBe(true);
      expect(read.tenant.username).toBe('alice');
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

  it('maps the bot host columns of bot_status, and refuses an isolation reason it does not know', async () => {
    const db = await openDatabase({ databaseUrl: test.url, dataDir: '/nonexistent' }, testLogger());
    try {
      const em = db.orm.em.fork();
      const tenant = em.create(Tenant, { username: 'isolated_owner', passwordHash: 'x' });
      em.create(BotStatus, {
        tenant,
        state: 'running',
        since: new Date(),
        isolation: 'event-loop-blocked',
        hostId: '7',
      });
      await em.flush();
      const read = await db.orm.em.fork().findOneOrFail(BotStatus, { tenant: tenant.id });
      expect(read).toMatchObject({ isolation: 'event-loop-blocked', hostId: '7' });
      const conn = db.orm.em.getConnection();
      await conn.execute('update bot_status set isolation = null, host_id = null where tenant_id = ?', [
        tenant.id,
      ]);
      await expect(
        conn.execute("update bot_status set isolation = 'bad-luck' where tenant_id = ?", [tenant.id]),
      ).rejects.toThrow(/bot_status_isolation_check/);
    } finally {
      await db.close();
    }
  });
});
