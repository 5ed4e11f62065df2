/** The audit log reads: GET /api/admin/audit (platform admin only) and GET /api/me/audit (own events). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, createWebWorld, errorOf, signedUp, type WebWorld } from './helpers.ts';

interface AuditEvent {
  id: number;
  at: string;
  tenant_id: number | null;
  tenant_name: string | null;
  actor: string;
  action: string;
  subject: string | null;
  detail: Record<string, unknown>;
}
interface AuditPage {
  items: AuditEvent[];
  next_before: number | null;
}

let world: WebWorld;
let admin: Browser;
let adminId: number;
let organiser: Browser;
let organiserId: number;
let otherId: number;

async function idOf(browser: Browser): Promise<number> {
  return ((await browser.request('GET', '/api/me')).json() as { id: number }).id;
}

async function page(browser: Browser, url: string): Promise<AuditPage> {
  const res = await browser.request('GET', url);
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as AuditPage;
}

/** Every event behind `url`, following `next_before` page by page. */
async function allPages(browser: Browser, url: string, limit: number): Promise<AuditEvent[]> {
  const out: AuditEvent[] = [];
  let before: number | null = null;
  for (let i = 0; i < 1000; i++) {
    const sep = url.includes('?') ? '&' : '?';
    const answer = await page(browser, `${url}${sep}limit=${limit}${before ? `&before=${before}` : ''}`);
    expect(answer.items.length).toBeLessThanOrEqual(limit);
    out.push(...answer.items);
    if (answer.next_before === null) return out;
    before = answer.next_before;
  }
  throw new Error('paging never ended');
}

beforeAll(async () => {
  world = await createWebWorld({ loginLimits: { pairFailures: 0, addressFailures: 1000 } });
  admin = await signedUp(world.app, 'audit_admin');
  adminId = await idOf(admin);
  organiser = await signedUp(world.app, 'audit_org');
  organiserId = await idOf(organiser);
  const other = await signedUp(world.app, 'audit_other');
  otherId = await idOf(other);
  // A stranger guesses at both accounts' passwords: one delay (auth.throttled) per account.
  const stranger = new Browser(world.app, '203.0.113.66');
  expect((await stranger.login('audit_org', 'a wrong guess')).statusCode).toBe(401);
  expect((await stranger.login('audit_other', 'another wrong guess')).statusCode).toBe(401);
  // The organiser signs in once more from elsewhere.
  expect((await new Browser(world.app, '198.51.100.7').login('audit_org')).statusCode).toBe(200);
});
afterAll(async () => {
  await world?.close();
});

describe('GET /api/admin/audit', () => {
  it('answers 401 without a session and 403 to an organiser', async () => {
    expect((await world.app.inject({ method: 'GET', url: '/api/admin/audit' })).statusCode).toBe(401);
    const res = await organiser.request('GET', '/api/admin/audit');
    expect(res.statusCode).toBe(403);
    expect(errorOf(res).code).toBe('forbidden');
  });

  it('lists the newest first, with the tenant name and the detail', async () => {
    const { items } = await page(admin, '/api/admin/audit');
    const ids = items.map((e) => e.id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    const stored = await world.query<{ n: number }>('select count(*)::int as n from audit_events');
    expect(items).toHaveLength(Math.min(50, stored[0]!.n));
    const throttle = items.find((e) => e.action === 'auth.throttled' && e.tenant_id === organiserId);
    expect(throttle).toMatchObject({
      tenant_name: 'audit_org',
      actor: 'system',
      subject: `tenant:${organiserId}`,
      detail: { scope: 'account_address', address: '203.0.113.66', failures: 1 },
    });
    expect(Number.isNaN(Date.parse(throttle!.at))).toBe(false);
  });

  it('pages by cursor: every row exactly once, in order', async () => {
    const stored = await world.query<{ id: string }>('select id from audit_events order by id desc');
    const seen = await allPages(admin, '/api/admin/audit', 2);
    expect(seen.map((e) => e.id)).toEqual(stored.map((r) => Number(r.id)));
  });

  it('filters by an action, an action group and a tenant', async () => {
    const exact = await allPages(admin, '/api/admin/audit?action=auth.throttled', 200);
    expect(exact.length).toBeGreaterThanOrEqual(2);
    expect(exact.every((e) => e.action === 'auth.throttled')).toBe(true);

    const group = await allPages(admin, '/api/admin/audit?action=auth.', 200);
    const stored = await world.query<{ n: number }>(
      "select count(*)::int as n from audit_events where action like 'auth.%'",
    );
    expect(group).toHaveLength(stored[0]!.n);
    expect(group.every((e) => e.action.startsWith('auth.'))).toBe(true);
    expect(new Set(group.map((e) => e.action))).toEqual(new Set(['auth.signed_in', 'auth.throttled']));

    const tenant = await allPages(admin, `/api/admin/audit?tenant_id=${otherId}`, 200);
    expect(tenant.length).toBeGreaterThan(0);
    expect(tenant.every((e) => e.tenant_id === otherId)).toBe(true);
    const both = await allPages(admin, `/api/admin/audit?tenant_id=${otherId}&action=auth.`, 200);
    expect(both.map((e) => e.action)).toEqual(['auth.throttled']);
  });

  it('rejects bad queries with a sentence', async () => {
    for (const query of [
      'limit=0',
      'limit=201',
      'before=abc',
      'before=0',
      'action=AUTH',
      'action=a%25',
      'tenant_id=x',
      'sort=id',
    ]) {
      const res = await admin.request('GET', `/api/admin/audit?${query}`);
      expect(res.statusCode, query).toBe(400);
      expect(errorOf(res).message).toMatch(/query parameter|unknown field/);
    }
  });
});

describe('GET /api/me/audit', () => {
  it("shows the account's own security events only, a stranger's guesses included", async () => {
    const events = await allPages(organiser, '/api/me/audit', 2);
    expect(events.length).toBeGreaterThan(0);
    expect(events.every((e) => e.tenant_id === organiserId)).toBe(true);
    expect(events.map((e) => e.action)).toEqual(
      expect.arrayContaining(['auth.throttled', 'auth.signed_in', 'tenant.registered']),
    );
    expect(events.find((e) => e.action === 'auth.throttled')?.detail.address).toBe('203.0.113.66');
    expect(events.find((e) => e.action === 'auth.signed_in')?.detail.address).toBe('198.51.100.7');
    // The other account's throttle (same stranger, same address) never shows.
    const stored = await world.query<{ id: string }>(
      "select id from audit_events where action = 'auth.throttled' and tenant_id = ?",
      [otherId],
    );
    expect(stored).toHaveLength(1);
    expect(events.map((e) => e.id)).not.toContain(Number(stored[0]!.id));
  });

  it("leaves out what is not a security event (the admin's invites)", async () => {
    expect((await admin.request('POST', '/api/admin/invites')).statusCode).toBe(201);
    const events = await allPages(admin, '/api/me/audit', 200);
    expect(events.every((e) => e.tenant_id === adminId)).toBe(true);
    expect(events.map((e) => e.action)).not.toContain('invite.created');
  });

  it('pages by cursor and needs a session', async () => {
    const whole = await page(organiser, '/api/me/audit?limit=200');
    const paged = await allPages(organiser, '/api/me/audit', 1);
    expect(paged.map((e) => e.id)).toEqual(whole.items.map((e) => e.id));
    expect((await world.app.inject({ method: 'GET', url: '/api/me/audit' })).statusCode).toBe(401);
    expect((await organiser.request('GET', '/api/me/audit?tenant_id=1')).statusCode).toBe(400);
  });
});
