/**
 * The bot's side of the outbox, for a world without a running bot: every due row of a tenant is
 * recorded as sent, with its effects, as the outbox worker records a send Telegram accepted
 * (src/lottery/outbox.ts `claim`, `complete`; src/lottery/effects.ts `applySent`).
 */
import { applySent } from '../../../src/lottery/effects.ts';
import { claim, complete } from '../../../src/lottery/outbox.ts';
import { type FactoryDb, sqlOf } from './door.ts';

/**
 * Deliver everything due in the tenant's outbox (posts get message ids 1, 2, … in send order).
 * @returns how many rows were delivered
 * @throws Error when rows stay pending afterwards (not due yet: a test that wants them must wait)
 */
export async function deliverOutbox(db: FactoryDb, tenantId: number): Promise<number> {
  const sql = sqlOf(db);
  let delivered = 0;
  for (;;) {
    const rows = await claim(sql, tenantId, 500);
    if (rows.length === 0) break;
    for (const row of rows) {
      delivered++;
      const result = { message_id: delivered };
      await complete(sql, row.id, result);
      await applySent(sql, row, result);
    }
  }
  const [left] = await sql.query<{ n: number }>(
    `select count(*)::int as n from outbox_messages where tenant_id = ? and status in ('pending', 'sending')`,
    [tenantId],
  );
  if (left!.n > 0) throw new Error(`deliverOutbox: ${left!.n} rows of tenant ${tenantId} are not due yet`);
  return delivered;
}
