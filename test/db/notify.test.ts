import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { openTestDatabase } from '../helpers/db.ts';
import { makeBotConfig, makeTenant } from '../helpers/factories/index.ts';

describe('bot_config_changed NOTIFY trigger', () => {
  let db: Database & { drop(): Promise<void> };
  let listener: pg.Client;
  const payloads: string[] = [];
  let waiters: Array<() => void> = [];

  function nextNotification(): Promise<string> {
    const seen = payloads.length;
    return new Promise((resolve) => {
      const check = () => {
        if (payloads.length > seen) resolve(payloads[seen]!);
        else waiters.push(check);
      };
      check();
    });
  }

  beforeAll(async () => {
    db = await openTestDatabase();
    listener = new pg.Client({ connectionString: db.url });
    await listener.connect();
    listener.on('notification', (msg) => {
      if (msg.channel === 'bot_config_changed') payloads.push(msg.payload ?? '');
      const pending = waiters;
      waiters = [];
      for (const w of pending) w();
    });
    await listener.query('listen bot_config_changed');
  });

  afterAll(async () => {
    await listener.end();
    await db.drop();
  });

  it('fires with the tenant id on insert, update and delete of a bot config', async () => {
    const conn = db.orm.em.getConnection();
    const tenant = await makeTenant(db);
    const id = String(tenant.id);

    let next = nextNotification();
    await makeBotConfig(db, { tenantId: tenant.id });
    expect(await next).toBe(id);

    next = nextNotification();
    await conn.execute('update bot_configs set enabled = false where tenant_id = ?', [tenant.id]);
    expect(await next).toBe(id);

    next = nextNotification();
    await conn.execute('delete from bot_configs where tenant_id = ?', [tenant.id]);
    expect(await next).toBe(id);
  });

  it("fires when a tenant's disabled flag changes, and not for other tenant edits", async () => {
    const conn = db.orm.em.getConnection();
    const tenant = await makeTenant(db);
    const before = payloads.length;
    await conn.execute("update tenants set locale = 'en' where id = ?", [tenant.id]);
    const next = nextNotification();
    await conn.execute('update tenants set disabled = true where id = ?', [tenant.id]);
    expect(await next).toBe(String(tenant.id));
    // The locale edit came first and produced nothing: the only new payload is the disable.
    expect(payloads.slice(before)).toEqual([String(tenant.id)]);
  });
});
