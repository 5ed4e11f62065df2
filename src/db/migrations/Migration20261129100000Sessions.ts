/**
 * Admin web sessions and invite codes. A session row holds the SHA-256 of the session id (the cookie
 * value itself is never stored), so a database dump does not let anyone sign in; deleting the rows of a
 * tenant ends every session it has (logout, disabled account). An invite row holds the SHA-256 of an
 * invite code the platform admin handed out (`REGISTRATION=invite`); it is used at most once.
 */
import { Migration } from '@mikro-orm/migrations';

export class Migration20261129100000Sessions extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table sessions (
        id_hash char(64) primary key,
        tenant_id integer not null references tenants (id) on delete cascade,
        created_at timestamptz not null default now(),
        last_seen_at timestamptz not null default now(),
        expires_at timestamptz not null
      );`);
    this.addSql('create index sessions_tenant on sessions (tenant_id);');
    this.addSql('create index sessions_expires on sessions (expires_at);');

    this.addSql(`
      create table invites (
        id serial primary key,
        code_hash char(64) not null,
        created_by integer null references tenants (id) on delete set null,
        used_by integer null references tenants (id) on delete set null,
        created_at timestamptz not null default now(),
        expires_at timestamptz not null,
        used_at timestamptz null
      );`);
    this.addSql('create unique index invites_code_hash on invites (code_hash);');
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists invites cascade;');
    this.addSql('drop table if exists sessions cascade;');
  }
}
