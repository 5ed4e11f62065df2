/**
 * Several supervisor nodes on one database (docs/operations.md, "Several nodes"): each tenant's bot is
 * owned by one live node at a time through a lease.
 * - `supervisor_nodes`: each running supervisor, renewed every few seconds (`expires_at`, by the
 *   database's clock); `stopping` while it shuts down, so the others stop counting it.
 * - `bot_leases`: the owner of each tenant's bot. `epoch` grows by one at every change of owner and is the
 *   fencing number: work of an older epoch is refused (`outbox_messages.claim_epoch`, the polling offset).
 *   A released lease keeps its row (`expires_at` in the past), so the epoch never goes back.
 * - NOTIFY `supervisor_nodes` (a node id) when a node joins, stops or releases leases.
 */
import { Migration } from '@mikro-orm/migrations';

export class Migration20261206100000Leases extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create table supervisor_nodes (
        node_id text primary key constraint supervisor_nodes_node_id_length check (char_length(node_id) between 1 and 200),
        name text not null,
        pid integer null,
        started_at timestamptz not null default now(),
        heartbeat_at timestamptz not null default now(),
        expires_at timestamptz not null,
        stopping boolean not null default false
      );`);
    this.addSql(`
      create table bot_leases (
        tenant_id integer primary key references tenants (id) on delete cascade,
        node_id text not null,
        epoch bigint not null constraint bot_leases_epoch_positive check (epoch > 0),
        acquired_at timestamptz not null default now(),
        expires_at timestamptz not null,
        poll_offset bigint null
      );`);
    this.addSql('create index bot_leases_node_idx on bot_leases (node_id);');
    this.addSql('alter table outbox_messages add column claim_epoch bigint null;');
  }

  override async down(): Promise<void> {
    this.addSql('alter table outbox_messages drop column claim_epoch;');
    this.addSql('drop table bot_leases;');
    this.addSql('drop table supervisor_nodes;');
  }
}
