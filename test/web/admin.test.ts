import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeBotStatus } from '../helpers/factories/index.ts';
import { Browser, createWebWorld, errorOf, signedUp, type WebWorld } from './helpers.ts';

let world: WebWorld;
let admin: Browser;
let adminId: number;
beforeAll(async () => {
  world = await createWebWorld();
  admin = await signedUp(world.app, 'the_admin');
  adminId = await idOf(admin);
});
afterAll(async () => {
  await world?.close();
});

async function idOf(browser: Browser): Promise<number> {
  return ((await browser.request('GET', '/api/me')).json() as { id: number }).id;
}

describe('GET /api/admin/tenants', () => {
  it('lists every tenant with its bot state', async () => {
    const organiser = await signedUp(world.app, 'listed_org');
    const bot = await world.sandbox.client.createBot({ username: 'listed_org_bot' });
    await organiser.request('PUT', '/api/bot', { token: bot.token });
    const id = await idOf(organiser);
    await makeBotStatus(world.db, { tenantId: id, state: 'running' });
    const res = await admin.request('GET', '/api/admin/tenants');
    expect(res.statusCode).toBe(200);
    const body = res.json() as { total: number; items: Array<Record<string, unknown>> };
    expect(body.total).toBeGreaterThanOrEqual(2);
    expect(body.items.find((t) => t.id === adminId)).toMatchObject({ role: 'admin', bot: null });
    expect(body.items.find((t) => t.id === id)).toMatchObject({
      username: 'listed_org',
      role: 'organiser',
      disabled: false,
      bot: {
        username: 'listed_org_bot',
        enabled: true,
        state: 'running',
        reason: null,
        isolation_reason: null,
        host_id: null,
      },
    });
    expect(res.body).not.toContain(bot.token.split(':')[1]!);
    expect(res.body).not.toContain('argon2');
    // No heartbeat for ten minutes: not "running" any more, but unknown (not reporting).
    await world.query(
      "update bot_status set heartbeat_at = now() - interval '10 minutes', since = now() - interval '1 hour' where tenant_id = ?",
      [id],
    );
    const stale = (await admin.request('GET', '/api/admin/tenants')).json() as typeof body;
    expect(stale.items.find((t) => t.id === id)).toMatchObject({
      bot: { state: 'unknown', reason: 'not-reporting' },
    });
  });

  it('shows a bot in a bot host of its own as isolated, unless it is degraded or not reporting', async () => {
    const organiser = await signedUp(world.app, 'isolated_org');
    const bot = await world.sandbox.client.createBot({ username: 'isolated_org_bot' });
    await organiser.request('PUT', '/api/bot', { token: bot.token });
    const id = await idOf(organiser);
    await makeBotStatus(world.db, {
      tenantId: id,
      state: 'running',
      heartbeatAt: Date.now(),
      isolation: 'event-loop-blocked',
      hostId: '9',
    });
    const botOf = async () =>
      (
        (await admin.request('GET', '/api/admin/tenants?limit=500')).json() as {
          items: Array<{ id: number; bot: unknown }>;
        }
      ).items.find((t) => t.id === id)?.bot;
    expect(await botOf()).toMatchObject({
      state: 'isolated',
      reason: null,
      isolation_reason: 'event-loop-blocked',
      host_id: '9',
    });
    await world.query("update bot_status set reason = 'polling-failing' where tenant_id = ?", [id]);
    expect(await botOf()).toMatchObject({
      state: 'degraded',
      reason: 'polling-failing',
      isolation_reason: 'event-loop-blocked',
    });
    await world.query(
      "update bot_status set heartbeat_at = now() - interval '10 minutes' where tenant_id = ?",
      [id],
    );
    expect(await botOf()).toMatchObject({ state: 'unknown', reason: 'not-reporting' });
  });

  it('pages with limit and offset, and rejects bad ones', async () => {
    const page = await admin.request('GET', '/api/admin/tenants?limit=1&offset=1');
    expect(page.statusCode).toBe(200);
    expect(page.json().items).toHaveLength(1);
    expect(page.json().items[0].id).not.toBe(adminId);
    for (const query of ['limit=0', 'limit=501', 'limit=abc', 'offset=-1', 'sort=name']) {
      const res = await admin.request('GET', `/api/admin/tenants?${query}`);
      expect(res.statusCode).toBe(400);
      expect(errorOf(res).message).toMatch(/query parameter|unknown field/);
    }
  });
});

describe('access', () => {
  it.each([
    ['GET', '/api/admin/tenants'],
    ['POST', '/api/admin/tenants/1/disable'],
    ['POST', '/api/admin/tenants/1/enable'],
    ['POST', '/api/admin/invites'],
    ['GET', '/api/admin/audit'],
    ['GET', '/api/admin/nodes'],
  ] as const)('%s %s: 401 without a session, 403 for an organiser', async (method, url) => {
    expect((await world.app.inject({ method, url })).statusCode).toBe(401);
    const organiser = await signedUp(world.app, `nosy_${Math.random().toString(36).slice(2, 10)}`);
    const res = await organiser.request(method, url);
    expect(res.statusCode).toBe(403);
    expect(errorOf(res).code).toBe('forbidden');
    const disabled = await world.query<{ n: number }>(
      'select count(*)::int as n from tenants where disabled',
    );
    expect(disabled[0]!.n).toBe(0);
  });
});

describe('POST /api/admin/tenants/:id/disable and /enable', () => {
  it("disabling ends the tenant's sessions, refuses sign-in and notifies the supervisor; enabling restores", async () => {
    const organiser = await signedUp(world.app, 'to_disable');
    const id = await idOf(organiser);
    const listener = new pg.Client({ connectionString: world.db.url });
    await listener.connect();
    const notified: string[] = [];
    listener.on('notification', (n) => notified.push(n.payload ?? ''));
    await listener.query('listen bot_config_changed');
    try {
      const res = await admin.request('POST', `/api/admin/tenants/${id}/disable`);
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({ id, username: 'to_disable', disabled: true });

      expect((await organiser.request('GET', '/api/me')).statusCode).toBe(401);
      const sessions = await world.query<{ n: number }>(
        'select count(*)::int as n from sessions where tenant_id = ?',
        [id],
      );
      expect(sessions[0]!.n).toBe(0);
      const login = await new Browser(world.app).login('to_disable');
      expect(login.statusCode).toBe(403);
      expect(errorOf(login).code).toBe('tenant_disabled');
      await expect.poll(() => notified).toContain(String(id));

      const audit = await world.query<{ action: string; actor: string }>(
        "select action, actor from audit_events where tenant_id = ? and action like 'tenant.%' order by id",
        [id],
      );
      expect(audit.at(-1)).toEqual({ action: 'tenant.disabled', actor: `tenant:${adminId}` });

      const again = await admin.request('POST', `/api/admin/tenants/${id}/enable`);
      expect(again.statusCode).toBe(200);
      expect(again.json().disabled).toBe(false);
      expect((await new Browser(world.app).login('to_disable')).statusCode).toBe(200);
    } finally {
      await listener.end();
    }
  });

  it('answers 404 for an unknown tenant and 400 for an id that is not one', async () => {
    const unknown = await admin.request('POST', '/api/admin/tenants/999999/disable');
    expect(unknown.statusCode).toBe(404);
    expect(errorOf(unknown).code).toBe('tenant_not_found');
    for (const id of ['abc', '0', '-1', '1.5', '99999999999', '1e3']) {
      const res = await admin.request('POST', `/api/admin/tenants/${id}/disable`);
      expect(res.statusCode).toBe(400);
      expect(errorOf(res).message).toContain('URL parameter id');
    }
  });

  it('refuses to let the admin disable their own account', async () => {
    const res = await admin.request('POST', `/api/admin/tenants/${adminId}/disable`);
    expect(res.statusCode).toBe(409);
    expect(errorOf(res).code).toBe('conflict');
    expect((await admin.request('GET', '/api/me')).statusCode).toBe(200);
  });
});
