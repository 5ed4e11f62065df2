/**
 * A running bot can be degraded: its getUpdates failing (429, 5xx, network) since a time, with
 * Telegram's error code (the supervisor writes both with the status; reason `polling-failing`, the
 * answer's text in `detail`).
 */
import { Migration } from '@mikro-orm/migrations';

export class Migration20261202500000Degraded extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table bot_status
        add column poll_failing_since timestamptz null,
        add column poll_error_code integer null;`);
  }

  override async down(): Promise<void> {
    this.addSql('alter table bot_status drop column poll_failing_since, drop column poll_error_code;');
  }
}
