/** Migration20261202200000Auth backfills the username skeletons of existing accounts and gives sessions a public id. */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createOrm, migrate } from '../../src/db/orm.ts';
import { createTestDatabase, type TestDatabase, testLogger } from '../helpers/db.ts';

describe(`the account hardening migration (${inject('databaseKind')} PostgreSQL)`, () => {
  let test: TestDatabase;
  beforeAll(async () => {
    test = await createTestDatabase();
  });
  afterAll(async () => {
    await test.drop();
  });

  it('backfills a skeleton per existing name; a legacy look-alike keeps signing in with none', async () => {
    const orm = await createOrm({ url: test.url, logger: testLogger() });
    try {
      await orm.getMigrator().up({ to: 'Migration20261129200000Lottery' });
      const conn = orm.em.getConnection();
      for (const name of ['alice', 'Bob', 'aIice']) {
        await conn.execute('insert into tenants (username, password_hash) values (?, ?)', [name, 'x']);
      }
      await conn.execute(
        "insert into sessions (id_hash, tenant_id, expires_at) select repeat('a', 64), id, now() + interval '1 day' from tenants where username = 'Bob'",
      );
      expect((await migrate(orm)).applied).toContain('Migration20261202200000Auth');
      const rows = await conn.execute<{ username: string; username_skeleton: string | null }[]>(
        'select username, username_skeleton from tenants order by id',
      );
      expect(rows).toEqual([
        { username: 'alice', username_skeleton: 'alice' },
        { username: 'Bob', username_skeleton: 'bob' },
        { username: 'aIice', username_skeleton: null },
      ]);
      const sessions = await conn.execute<{ public_id: string }[]>('select public_id from sessions');
      expect(sessions[0]!.public_id).toMatch(/^[0-9a-f-]{36}$/);
      await expect(
        conn.execute(
          "insert into tenants (username, username_skeleton, password_hash) values ('B0b', 'bob', 'x')",
        ),
      ).rejects.toThrow(/tenants_username_skeleton_unique/);
    } finally {
      await orm.close(true);
    }
  });
});
