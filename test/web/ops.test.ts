import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refreshEntryCounts } from '../../src/lottery/entries-store.ts';
import { enqueue } from '../../src/lottery/outbox.ts';
import { buildApp } from '../../src/web/app.ts';
import { testLogger } from '../helpers/db.ts';
import {
  deliverOutbox,
  makeBotConfig,
  makeBotStatus,
  makeLottery,
  person,
  sqlOf,
} from '../helpers/factories/index.ts';
import { Browser, createWebWorld, errorOf, signedUp, type WebWorld } from './helpers.ts';

let world: WebWorld;
beforeAll(async () => {
  world = await createWebWorld();
});
afterAll(async () => {
  await world?.close();
});

describe('GET /metrics', () => {
  it('exports request durations by route and status, bots by state (and isolated) and table counts', async () => {
    const tenant = await signedUp(world.app, 'metrics_org');
    await tenant.request('GET', '/api/bot'); // a 404 to count
    const id = ((await tenant.request('GET', '/api/me')).json() as { id: number }).id;
    // Running in a bot host of its own: counted as running, and as isolated with its reason.
    await makeBotStatus(world.db, {
      tenantId: id,
      state: 'running',
      isolation: 'event-loop-blocked',
      hostId: '4',
    });
    await makeBotConfig(world.db, { tenantId: id });
    await makeLottery(world.db, {
      tenantId: id,
      status: 'open',
      title: 'Prize draw',
      entrants: ['A', 'B', 'C'].map((name, i) => person(i + 1, { firstName: name })),
    });
    // Its post went out (sent, not counted), as its bot sends it; the bot also keeps each lottery's live
    // count, which the gauge reads (not the entries table). One message waits.
    await deliverOutbox(world.db, id);
    await refreshEntryCounts(sqlOf(world.db), id);
    await enqueue(sqlOf(world.db), [
      { tenantId: id, method: 'sendMessage', payload: {}, kind: 'join-result' },
    ]);

    const res = await world.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    const text = res.body;
    expect(text).toMatch(
      /http_request_duration_seconds_count\{method="GET",route="\/api\/bot",status_code="404"\} 1/,
    );
    expect(text).toMatch(
      /http_request_duration_seconds_count\{method="POST",route="\/api\/auth\/register",status_code="201"\} 1/,
    );
    expect(text).toContain('tg_lottery_bots{state="running"} 1');
    expect(text).toContain('tg_lottery_bots{state="stopped"} 0');
    expect(text).toContain('tg_lottery_bots_isolated{reason="event-loop-blocked"} 1');
    expect(text).toContain('tg_lottery_bots_isolated{reason="memory"} 0');
    expect(text).toContain('tg_lottery_entries 3');
    expect(text).toContain('tg_lottery_draws 0');
    expect(text).toContain('tg_lottery_outbox_depth 1');
    expect(text).toContain('tg_lottery_database_up 1');
  });

  it('still answers without a database (database_up 0)', async () => {
    const app = await buildApp({
      logger: testLogger(),
      checkDatabase: async () => {},
      processMetrics: false,
    });
    try {
      const res = await app.inject({ method: 'GET', url: '/metrics' });
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('tg_lottery_database_up 0');
    } finally {
      await app.close();
    }
  });
});

describe('HTTP hygiene', () => {
  it('sends security headers, and a CSP that does not force https', async () => {
    const res = await world.app.inject({ method: 'GET', url: '/healthz' });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
    expect(res.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
  });

  it('gives every request an id, echoes a plain client id, and logs with it', async () => {
    const generated = await world.app.inject({ method: 'GET', url: '/healthz' });
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const given = await world.app.inject({
      method: 'GET',
      url: '/healthz',
      headers: { 'x-request-id': 'lb-1234.abc' },
    });
    expect(given.headers['x-request-id']).toBe('lb-1234.abc');
    expect(world.logs.some((l) => l.includes('"reqId":"lb-1234.abc"'))).toBe(true);
    const junk = await world.app.inject({
      method: 'GET',
      url: '/healthz',
      headers: { 'x-request-id': 'x'.repeat(200) },
    });
    expect(junk.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers unknown routes with 404 in the error shape', async () => {
    const res = await world.app.inject({ method: 'GET', url: '/api/nothing-here?x=1' });
    expect(res.statusCode).toBe(404);
    expect(errorOf(res)).toEqual({ code: 'not_found', message: 'There is no GET /api/nothing-here.' });
  });

  it('answers 413 for a body over the limit, and stores nothing', async () => {
    const app = await world.another({}, { bodyLimit: 200 });
    const res = await new Browser(app).register('big_body', 'p'.repeat(300));
    expect(res.statusCode).toBe(413);
    expect(errorOf(res).code).toBe('payload_too_large');
    const rows = await world.query<{ n: number }>(
      "select count(*)::int as n from tenants where username = 'big_body'",
    );
    expect(rows[0]!.n).toBe(0);
  });

  it('answers 415 for a body that is not JSON', async () => {
    const res = await world.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { 'content-type': 'text/plain' },
      payload: 'username=a&password=b',
    });
    expect(res.statusCode).toBe(415);
    expect(errorOf(res).code).toBe('unsupported_media_type');
  });

  it('refuses prototype-poisoning JSON', async () => {
    const res = await world.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: '{"username":"a","password":"b","__proto__":{"admin":true}}',
    });
    expect(res.statusCode).toBe(400);
    expect(errorOf(res).code).toBe('invalid_json');
  });

  it('answers 500 without internal text, with the request id, and logs the cause', async () => {
    const app = await world.another({
      telegram: {
        getMe: async () => {
          throw new Error('connect to 10.0.0.7 failed: password=hunter2');
        },
      },
    });
    const tenant = await signedUp(app, 'unlucky');
    const res = await tenant.request('PUT', '/api/bot', { token: `123456789:${'A'.repeat(35)}` });
    expect(res.statusCode).toBe(500);
    expect(errorOf(res).code).toBe('internal_error');
    expect(res.body).not.toContain('hunter2');
    expect(res.body).not.toContain('10.0.0.7');
    expect(errorOf(res).message).toContain(String(res.headers['x-request-id']));
    expect(
      world.logs.some(
        (l) => l.includes('unhandled error') && l.includes(String(res.headers['x-request-id'])),
      ),
    ).toBe(true);
  });
});

describe('API reference', () => {
  it('serves the OpenAPI document with every route, each with its error responses', async () => {
    const res = await world.app.inject({ method: 'GET', url: '/api/docs/json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json() as {
      openapi: string;
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    expect(doc.openapi).toBe('3.1.0');
    const expected: Array<[string, string]> = [
      ['/api/auth/register', 'post'],
      ['/api/auth/login', 'post'],
      ['/api/auth/logout', 'post'],
      ['/api/auth/options', 'get'],
      ['/api/me', 'get'],
      ['/api/me/password', 'post'],
      ['/api/me/sessions', 'get'],
      ['/api/me/sessions/{id}', 'delete'],
      ['/api/me/sessions/sign-out-others', 'post'],
      ['/api/bot', 'get'],
      ['/api/bot', 'put'],
      ['/api/bot', 'delete'],
      ['/api/bot/restart', 'post'],
      ['/api/admin/tenants', 'get'],
      ['/api/admin/tenants/{id}/disable', 'post'],
      ['/api/admin/tenants/{id}/enable', 'post'],
      ['/api/admin/invites', 'post'],
    ];
    for (const [path, method] of expected) {
      const operation = doc.paths[path]?.[method];
      expect(operation, `${method} ${path}`).toBeDefined();
      expect(Object.keys(operation!.responses)).toEqual(expect.arrayContaining(['400', '429', '500']));
    }
    expect(Object.keys(doc.paths).some((p) => p.startsWith('/api/docs'))).toBe(false);
    // The bot's status documents where it runs: the reason for a host of its own, as an enum, and the host.
    const statusSchemas: Array<{ properties: Record<string, { enum?: unknown; description?: string }> }> = [];
    JSON.stringify(doc, (_key, value) => {
      if (value?.properties?.isolation_reason) statusSchemas.push(value);
      return value;
    });
    expect(statusSchemas.length).toBeGreaterThanOrEqual(2); // GET /api/bot and the admin's tenant list
    for (const schema of statusSchemas) {
      expect(JSON.stringify(schema.properties.isolation_reason)).toMatch(
        /"crash-loop","event-loop-blocked","memory"/,
      );
      expect(schema.properties.host_id?.description).toMatch(/bot host/);
    }
  });

  it('serves the browsable reference', async () => {
    const res = await world.app.inject({ method: 'GET', url: '/api/docs/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.body).toContain('swagger');
  });
});
