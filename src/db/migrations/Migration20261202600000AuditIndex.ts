/**
 * The audit log's read paths (GET /api/admin/audit filtered by tenant, GET /api/me/audit) page newest
 * first by `id` within one tenant: `(tenant_id, id)` serves `where tenant_id = ? and id < ? order by id
 * desc limit n` by reading only the rows of the page, however large `audit_events` grows. The unfiltered
 * admin list pages on the primary key.
 */
import { Migration } from '@mikro-orm/migrations';

export class Migration20261202600000AuditIndex extends Migration {
  override async up(): Promise<void> {
    this.addSql('create index if not exists audit_events_tenant_id on audit_events (tenant_id, id);');
  }

  override async down(): Promise<void> {
    this.addSql('drop index if exists audit_events_tenant_id;');
  }
}
