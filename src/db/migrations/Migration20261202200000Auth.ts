/**
 * Account hardening:
 * - `tenants.username_skeleton`: the look-alike key of the username (src/db/username-skeleton.ts) under
 *   a unique index, so two names that look the same cannot both exist. Existing rows are backfilled; if
 *   two existing names already share a skeleton, the older keeps it and the later ones stay null (they
 *   still sign in, and no new look-alike of them can register).
 * - `sessions.public_id` (what the API names a session by; the id hash stays private), and the
 *   `user_agent` and `address` a session signed in from, for the account's list of sessions.
 */
import { Migration } from '@mikro-orm/migrations';
import { usernameSkeleton } from '../username-skeleton.ts';

export class Migration20261202200000Auth extends Migration {
  override async up(): Promise<void> {
    await this.execute('alter table tenants add column username_skeleton text null;');
    const rows = (await this.execute('select id, username from tenants order by id')) as Array<{
      id: number;
      username: string;
    }>;
    const seen = new Set<string>();
    for (const row of rows) {
      const skeleton = usernameSkeleton(row.username);
      if (seen.has(skeleton)) continue;
      seen.add(skeleton);
      await this.execute('update tenants set username_skeleton = ? where id = ?', [skeleton, row.id]);
    }
    await this.execute(
      'create unique index tenants_username_skeleton_unique on tenants (username_skeleton);',
    );

    await this.execute(`
      alter table sessions
        add column public_id uuid not null default gen_random_uuid(),
        add column user_agent varchar(256) null,
        add column address varchar(64) null;`);
    await this.execute('create unique index sessions_public_id on sessions (public_id);');
  }

  override async down(): Promise<void> {
    this.addSql('alter table sessions drop column public_id, drop column user_agent, drop column address;');
    this.addSql('alter table tenants drop column username_skeleton;');
  }
}
