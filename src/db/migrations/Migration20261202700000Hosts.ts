/**
 * Bots run in bot hosts (processes running many tenants' bots). A bot that harmed the bots it shared a
 * host with is moved to a host of its own: `isolation` says why (`crash-loop`, `event-loop-blocked`,
 * `memory`; null while it shares a host), `host_id` which host it runs in (null when it runs nowhere).
 * The supervisor writes both with the status; `pid` is the host's process.
 */
import { Migration } from '@mikro-orm/migrations';

export class Migration20261202700000Hosts extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table bot_status
        add column isolation text null
          constraint bot_status_isolation_check
          check (isolation in ('crash-loop', 'event-loop-blocked', 'memory')),
        add column host_id text null;`);
  }

  override async down(): Promise<void> {
    this.addSql('alter table bot_status drop column isolation, drop column host_id;');
  }
}
