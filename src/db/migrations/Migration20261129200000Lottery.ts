/**
 * What the lottery bot needs beyond the first schema:
 * - `bot_users`: who started a tenant's bot in private chat (so it may message them, F7) and who blocked it.
 * - `outbox_messages.kind` / `ref_id`: what a send is for (a lottery post, a winner's DM, …) and the row it
 *   concerns, so its outcome updates the right row; a NOTIFY `outbox_pending` (tenant id) on each insert.
 * - `draw_proofs.prizes` / `undrawn`: the rest of the public proof (the entry list is the entries table).
 * - `chats.check_failed_at` / `check_error`: the last time a membership check in that chat could not be
 *   made (F11), shown to the organiser.
 * - `lottery_counts`: the live entry count of a lottery whose joins are not counted one by one (no entry
 *   cap): refreshed by its bot every few seconds, in its own row so the refresh never waits for, or
 *   holds up, the joins that share the lottery row.
 * - indexes for cursor paging of entries and for the draw scheduler.
 */
import { Migration } from '@mikro-orm/migrations';

export class Migration20261129200000Lottery extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table bot_users (
        tenant_id integer not null references tenants (id) on delete cascade,
        tg_user_id bigint not null,
        started_at timestamptz null,
        blocked_at timestamptz null,
        language_code varchar(16) null,
        updated_at timestamptz not null default now(),
        primary key (tenant_id, tg_user_id)
      );`);
    this.addSql(`
      create table lottery_counts (
        lottery_id integer primary key references lotteries (id) on delete cascade,
        entry_count integer not null,
        updated_at timestamptz not null default now()
      );`);
    this.addSql(
      "alter table outbox_messages add column kind text null, add column ref_id bigint null, add column meta jsonb not null default '{}';",
    );
    this.addSql(`
      create function outbox_pending_notify() returns trigger language plpgsql as $$
      begin
        perform pg_notify('outbox_pending', new.tenant_id::text);
        return null;
      end $$;`);
    this.addSql(`
      create trigger outbox_pending_notify after insert on outbox_messages
        for each row execute function outbox_pending_notify();`);
    this.addSql(
      "alter table draw_proofs add column prizes jsonb not null default '[]', add column undrawn jsonb not null default '[]';",
    );
    this.addSql(
      'alter table chats add column check_failed_at timestamptz null, add column check_error text null;',
    );
    // A winner replaced before their message went out is `not-sent` (their pending DM is cancelled).
    this.addSql('alter table winners drop constraint winners_delivery_status_check;');
    this.addSql(
      `alter table winners add constraint winners_delivery_status_check check (delivery_status in
         ('pending', 'delivered', 'blocked', 'never-started', 'deactivated', 'failed', 'not-sent'));`,
    );
    this.addSql('create index entries_lottery_id on entries (lottery_id, id);');
    this.addSql("create index lotteries_open on lotteries (tenant_id) where status = 'open';");
    this.addSql('create index winners_lottery_position on winners (lottery_id, position);');
  }

  override async down(): Promise<void> {
    this.addSql('drop index winners_lottery_position;');
    this.addSql('drop index lotteries_open;');
    this.addSql('drop index entries_lottery_id;');
    this.addSql('alter table chats drop column check_failed_at, drop column check_error;');
    this.addSql('alter table draw_proofs drop column prizes, drop column undrawn;');
    this.addSql('drop trigger outbox_pending_notify on outbox_messages;');
    this.addSql('drop function outbox_pending_notify();');
    this.addSql('alter table outbox_messages drop column kind, drop column ref_id, drop column meta;');
    this.addSql('drop table lottery_counts;');
    this.addSql('drop table bot_users;');
  }
}
