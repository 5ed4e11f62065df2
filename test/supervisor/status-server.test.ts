import { describe, expect, it } from 'vitest';
import { buildStatusServer } from '../../src/supervisor/status-server.ts';
import { createStatusStore } from '../../src/supervisor/status-store.ts';
import { testLogger } from '../helpers/db.ts';

describe('supervisor status server', () => {
  it('GET /status lists every tenant with its state and the counts by state', async () => {
    const store = createStatusStore();
    store.trigger.report({
      status: { tenantId: '2', tenantName: 'beta', state: 'stopped', reason: 'invalid-token', since: 0 },
    });
    store.trigger.report({
      status: {
        tenantId: '1',
        tenantName: 'alpha',
        state: 'running',
        pid: 42,
        botUsername: 'alpha_bot',
        since: 0,
      },
    });
    store.trigger.heartbeat({ tenantId: '1', at: 5000, lastPollAt: 4000 });
    const app = buildStatusServer({
      store,
      logger: testLogger(),
      databaseUp: () => true,
      shuttingDown: () => false,
    });
    const res = await app.inject({ method: 'GET', url: '/status' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.counts).toEqual({ idle: 0, starting: 0, running: 1, restarting: 0, stopped: 1 });
    expect(body.tenants.map((t: { tenant_id: string; state: string }) => [t.tenant_id, t.state])).toEqual([
      ['1', 'running'],
      ['2', 'stopped'],
    ]);
    expect(body.tenants[0]).toMatchObject({
      pid: 42,
      bot_username: 'alpha_bot',
      last_heartbeat_at: new Date(5000).toISOString(),
    });
    expect(body.tenants[1]).toMatchObject({ reason: 'invalid-token', pid: null });
    await app.close();
  });

  it('GET /status gives state and reason codes but never the detail text behind them', async () => {
    const store = createStatusStore();
    const detail =
      'Telegram said: Conflict: terminated by other getUpdates request; chat 4242 "secret plans"';
    store.trigger.report({
      status: {
        tenantId: '7',
        tenantName: 'gamma',
        state: 'stopped',
        reason: 'token-conflict',
        detail,
        since: 0,
      },
    });
    expect(store.getSnapshot().context.tenants['7']?.detail).toBe(detail); // the store has it...
    const app = buildStatusServer({
      store,
      logger: testLogger(),
      databaseUp: () => true,
      shuttingDown: () => false,
    });
    const res = await app.inject({ method: 'GET', url: '/status' });
    expect(res.json().tenants[0]).toMatchObject({
      tenant_id: '7',
      state: 'stopped',
      reason: 'token-conflict',
    });
    expect(res.json().tenants[0]).not.toHaveProperty('detail');
    expect(res.body).not.toContain('terminated by other'); // ...the answer does not
    expect(res.body).not.toContain('secret plans');
    await app.close();
  });

  it('GET /healthz answers 503 once shutting down', async () => {
    let shuttingDown = false;
    const app = buildStatusServer({
      store: createStatusStore(),
      logger: testLogger(),
      databaseUp: () => false,
      shuttingDown: () => shuttingDown,
    });
    expect((await app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({
      status: 'ok',
      database_up: false,
    });
    shuttingDown = true;
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(503);
    await app.close();
  });

  it('answers only requests addressed to a loopback host (no DNS rebinding)', async () => {
    const app = buildStatusServer({
      store: createStatusStore(),
      logger: testLogger(),
      databaseUp: () => true,
      shuttingDown: () => false,
    });
    for (const host of ['127.0.0.1:8082', 'localhost:8082', '[::1]:8082', 'LOCALHOST']) {
      const res = await app.inject({ method: 'GET', url: '/status', headers: { host } });
      expect(res.statusCode, host).toBe(200);
    }
    for (const host of [
      'evil.example:8082',
      '127.0.0.1.evil.example',
      'localhost.evil.example:8082',
      '10.0.0.1:8082',
    ]) {
      for (const url of ['/status', '/healthz']) {
        const res = await app.inject({ method: 'GET', url, headers: { host } });
        expect(res.statusCode, `${host} ${url}`).toBe(421);
        expect(res.json().error).toBe('misdirected_host');
      }
    }
    await app.close();
  });
});
