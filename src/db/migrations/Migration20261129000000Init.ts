/**
 * Initial schema: accounts, bot configs and their live status, lotteries with prizes, posts, entries,
 * winners and draw proofs, the chats each bot is in, the outbox of Telegram sends, and audit events.
 * A trigger NOTIFYs `bot_config_changed` (payload: tenant id) on every change of a bot config or of a
 * tenant's `disabled` flag, so the supervisor reacts at once instead of waiting for its next poll.
 */
import { Migration } from '@mikro-orm/migrations';

export class Migration20261129000000Init extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table tenants (
        id serial primary key,
        username varchar(64) not null,
        password_hash text not null,
        role text not null default 'organiser' check (role in ('admin', 'organiser')),
        locale text not null default 'zh-CN',
        display_name varchar(128) null,
        disabled boolean not null default false,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      );`);
    this.addSql('create unique index tenants_username_unique on tenants (lower(username));');

    this.addSql(`
      create table bot_configs (
        tenant_id integer primary key references tenants (id) on delete cascade,
        token_encrypted text null,
        token_hint varchar(8) null,
        bot_id bigint null,
        bot_username varchar(64) null,
        enabled boolean not null default true,
        config_hash char(64) null,
        restart_requested_at timestamptz null,
        updated_at timestamptz not null default now()
      );`);
    this.addSql(
      'create unique index bot_configs_bot_id_unique on bot_configs (bot_id) where bot_id is not null;',
    );

    this.addSql(`
      create table bot_status (
        tenant_id integer primary key references tenants (id) on delete cascade,
        state text not null check (state in ('idle', 'starting', 'running', 'restarting', 'stopped')),
        reason text null,
        detail text null,
        pid integer null,
        restarts integer not null default 0,
        bot_username varchar(64) null,
        since timestamptz not null default now(),
        heartbeat_at timestamptz null,
        updated_at timestamptz not null default now()
      );`);

    this.addSql(`
      create table lotteries (
        id serial primary key,
        tenant_id integer not null references tenants (id) on delete cascade,
        title varchar(200) not null,
        description text not null default '',
        status text not null default 'draft'
          check (status in ('draft', 'open', 'drawing', 'drawn', 'cancelled')),
        language text not null default 'zh-CN',
        join_conditions jsonb not null default '[]',
        draw_trigger jsonb not null default '{"kind":"manual"}',
        draw_at timestamptz null,
        draw_at_entries integer null,
        publish_targets jsonb not null default '[]',
        join_keyword varchar(64) null,
        seed_encrypted text null,
        commitment char(64) null,
        entry_count integer not null default 0,
        changes jsonb not null default '[]',
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        published_at timestamptz null,
        drawn_at timestamptz null,
        cancelled_at timestamptz null
      );`);
    this.addSql('create index lotteries_tenant_status on lotteries (tenant_id, status);');
    this.addSql("create index lotteries_due on lotteries (draw_at) where status = 'open';");

    this.addSql(`
      create table prizes (
        id serial primary key,
        lottery_id integer not null references lotteries (id) on delete cascade,
        position integer not null,
        name varchar(200) not null,
        quantity integer not null check (quantity between 1 and 100000)
      );`);
    this.addSql('create unique index prizes_lottery_position on prizes (lottery_id, position);');

    this.addSql(`
      create table lottery_posts (
        id serial primary key,
        lottery_id integer not null references lotteries (id) on delete cascade,
        chat_id bigint not null,
        message_id bigint null,
        shown_entry_count integer not null default 0,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now()
      );`);
    this.addSql('create unique index lottery_posts_lottery_chat on lottery_posts (lottery_id, chat_id);');

    this.addSql(`
      create table entries (
        id bigserial primary key,
        lottery_id integer not null references lotteries (id) on delete cascade,
        tg_user_id bigint not null,
        first_name varchar(256) not null,
        last_name varchar(256) null,
        username varchar(64) null,
        language_code varchar(16) null,
        is_bot boolean not null default false,
        started_bot boolean not null default false,
        source text not null default 'button' check (source in ('button', 'deeplink', 'keyword')),
        created_at timestamptz not null default now()
      );`);
    this.addSql('create unique index entries_lottery_user on entries (lottery_id, tg_user_id);');

    this.addSql(`
      create table winners (
        id bigserial primary key,
        lottery_id integer not null references lotteries (id) on delete cascade,
        entry_id bigint not null references entries (id) on delete cascade,
        prize_id integer not null references prizes (id) on delete cascade,
        position integer not null,
        status text not null default 'active' check (status in ('active', 'replaced')),
        replaced_reason text null,
        replaced_at timestamptz null,
        delivery_status text not null default 'pending'
          check (delivery_status in ('pending', 'delivered', 'blocked', 'never-started', 'deactivated', 'failed')),
        delivery_error text null,
        delivered_at timestamptz null,
        created_at timestamptz not null default now()
      );`);
    this.addSql('create unique index winners_lottery_entry on winners (lottery_id, entry_id);');

    this.addSql(`
      create table draw_proofs (
        lottery_id integer primary key references lotteries (id) on delete cascade,
        algorithm_version text not null,
        commitment char(64) not null,
        seed text not null,
        entries_digest char(64) not null,
        entry_count integer not null,
        winners jsonb not null,
        rerolls jsonb not null default '[]',
        created_at timestamptz not null default now()
      );`);

    this.addSql(`
      create table chats (
        tenant_id integer not null references tenants (id) on delete cascade,
        chat_id bigint not null,
        type text not null check (type in ('private', 'group', 'supergroup', 'channel')),
        title varchar(256) null,
        username varchar(64) null,
        bot_status text not null
          check (bot_status in ('creator', 'administrator', 'member', 'restricted', 'left', 'kicked')),
        rights jsonb not null default '{}',
        updated_at timestamptz not null default now(),
        primary key (tenant_id, chat_id)
      );`);

    this.addSql(`
      create table outbox_messages (
        id bigserial primary key,
        tenant_id integer not null references tenants (id) on delete cascade,
        method text not null,
        payload jsonb not null,
        status text not null default 'pending'
          check (status in ('pending', 'sending', 'sent', 'failed', 'cancelled')),
        attempts integer not null default 0,
        not_before timestamptz not null default now(),
        dedupe_key text null,
        lottery_id integer null references lotteries (id) on delete set null,
        winner_id bigint null references winners (id) on delete set null,
        error_code integer null,
        error_description text null,
        result jsonb null,
        created_at timestamptz not null default now(),
        updated_at timestamptz not null default now(),
        sent_at timestamptz null
      );`);
    this.addSql(
      'create unique index outbox_dedupe on outbox_messages (tenant_id, dedupe_key) where dedupe_key is not null;',
    );
    this.addSql(
      "create index outbox_pending on outbox_messages (tenant_id, id) where status in ('pending', 'sending');",
    );

    this.addSql(`
      create table audit_events (
        id bigserial primary key,
        tenant_id integer null references tenants (id) on delete set null,
        actor text not null,
        action text not null,
        subject text null,
        detail jsonb not null default '{}',
        created_at timestamptz not null default now()
      );`);
    this.addSql('create index audit_events_tenant_time on audit_events (tenant_id, created_at);');

    this.addSql(`
      create function notify_bot_config_changed() returns trigger language plpgsql as $$
      begin
        if tg_op = 'DELETE' then
          perform pg_notify('bot_config_changed', old.tenant_id::text);
        else
          perform pg_notify('bot_config_changed', new.tenant_id::text);
        end if;
        return null;
      end
      $$;`);
    this.addSql(`
      create trigger bot_configs_notify after insert or update or delete on bot_configs
        for each row execute function notify_bot_config_changed();`);
    this.addSql(`
      create function notify_tenant_disabled_changed() returns trigger language plpgsql as $$
      begin
        perform pg_notify('bot_config_changed', new.id::text);
        return null;
      end
      $$;`);
    this.addSql(`
      create trigger tenants_notify after update of disabled on tenants
        for each row when (old.disabled is distinct from new.disabled)
        execute function notify_tenant_disabled_changed();`);
  }

  override async down(): Promise<void> {
    for (const table of [
      'audit_events',
      'outbox_messages',
      'chats',
      'draw_proofs',
      'winners',
      'entries',
      'lottery_posts',
      'prizes',
      'lotteries',
      'bot_status',
      'bot_configs',
      'tenants',
    ]) {
      this.addSql(`drop table if exists ${table} cascade;`);
    }
    this.addSql('drop function if exists notify_bot_config_changed();');
    this.addSql('drop function if exists notify_tenant_disabled_changed();');
  }
}
