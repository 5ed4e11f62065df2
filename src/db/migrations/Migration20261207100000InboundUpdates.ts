/**
 * Webhook mode (docs/operations.md, "Webhooks"): the updates Telegram POSTs to the web, kept until the
 * bot that owns them has handled them.
 * - `inbound_updates`: one row per update of a tenant's bot, written by whichever web process received it
 *   (before it answers Telegram 200), read in `update_id` order by the node that runs the bot, marked
 *   `handled_at` once handled (under the bot's lease epoch). The primary key makes a redelivered update
 *   (Telegram retries when our answer is lost) a no-op. Handled rows are pruned after a while.
 * - `inbound_update_marks`: per bot, the highest `update_id` pruned so far and when: for a day after, an
 *   update at or below it is a late redelivery of one handled long ago, and is not stored again (Telegram
 *   keeps an update at most 24 hours; after a week without updates it may start the ids lower again).
 * - NOTIFY `inbound_updates` (a tenant id) when updates of that tenant's bot were stored.
 */
import { Migration } from '@mikro-orm/migrations';

export class Migration20261207100000InboundUpdates extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table inbound_updates (
        tenant_id integer not null references tenants (id) on delete cascade,
        bot_id bigint not null,
        update_id bigint not null constraint inbound_updates_update_id_range check (update_id >= 0),
        body jsonb not null,
        received_at timestamptz not null default now(),
        handled_at timestamptz null,
        primary key (tenant_id, bot_id, update_id)
      );`);
    this.addSql(
      'create index inbound_updates_pending_idx on inbound_updates (tenant_id, bot_id, update_id) where handled_at is null;',
    );
    this.addSql('create index inbound_updates_received_idx on inbound_updates (received_at);');
    this.addSql(`
      create table inbound_update_marks (
        tenant_id integer not null references tenants (id) on delete cascade,
        bot_id bigint not null,
        pruned_through bigint not null,
        pruned_at timestamptz not null default now(),
        primary key (tenant_id, bot_id)
      );`);
  }

  override async down(): Promise<void> {
    this.addSql('drop table inbound_update_marks;');
    this.addSql('drop table inbound_updates;');
  }
}
