/**
 * Faults of a bot's life (docs/telegram-faults.md F1, F3, F6, F18) with real processes, a real
 * PostgreSQL and the sandbox: revoked token, two deployments on one token, a child that ignores stop,
 * a child that stops heartbeating, a crash loop, and the database going away and coming back.
 */
import { fileURLToPath } from 'node:url';
import { Telegraf } from 'telegraf';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.ts';
import { createSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { openTestDatabase, testLogger } from '../helpers/db.ts';
import { makeOrganiser } from '../helpers/factories/index.ts';
import { alive, setToken, startTestSupervisor } from '../helpers/supervisor.ts';
import { startTcpProxy } from '../helpers/tcp-proxy.ts';

const misbehaving = {
  entry: fileURLToPath(new URL('../fixtures/misbehaving-host.mjs', import.meta.url)),
  execArgv: [],
};
/** Every bot in a host of its own (botsPerHost 1): the misbehaving host's faults are its bot's. */
const processPerBot = { botsPerHost: 1, spareHosts: 0 };

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await createSandbox();
});
afterAll(async () => {
  await sandbox.close();
});

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(options: Parameters<typeof startTestSupervisor>[2] = {}) {
  const db = await openTestDatabase();
  cleanups.push(() => db.drop());
  const h = await startTestSupervisor(db, sandbox, options);
  cleanups.push(() => h.supervisor.shutdown());
  return { db, h };
}

describe('supervisor faults', () => {
  it('F3: a revoked token stops the bot with invalid-token and no restart loop; a new token starts it', async () => {
    const { db, h } = await setup();
    const bot = await sandbox.client.createBot({ username: 'revoked_bot' });
    const tenant = (await makeOrganiser(db, { username: 'revoked', bot: { token: bot.token } })).tenantId;
    await h.waitFor(tenant, (s) => s.state === 'running', 'running');
    await sandbox.client.revokeBot(bot.id);
    const stopped = await h.waitFor(tenant, (s) => s.state === 'stopped', 'stopped');
    expect(stopped.reason).toBe('invalid-token');
    const startsBefore = h.history(tenant).filter((s) => s.state === 'starting').length;
    // Another config read (same hash) must not restart it.
    h.supervisor.configSource.refresh();
    await h.supervisor.flushStatus();
    h.supervisor.configSource.refresh();
    await h.supervisor.flushStatus();
    expect(h.history(tenant).filter((s) => s.state === 'starting').length).toBe(startsBefore);
    expect(h.status(tenant)!.state).toBe('stopped');

    const fresh = await sandbox.client.createBot({ username: 'fresh_bot' });
    await setToken(db, tenant, fresh.token);
    const running = await h.waitFor(tenant, (s) => s.state === 'running', 'running with the new token');
    expect(running.botUsername).toBe('fresh_bot');
  });

  it('F1: two deployments polling one token end in token-conflict, not an endless loop', async () => {
    const { db, h } = await setup();
    const bot = await sandbox.client.createBot({ username: 'shared_bot' });
    // The "other deployment": a poller that keeps polling the same token.
    const other = new Telegraf(bot.token, { telegram: { apiRoot: sandbox.apiRoot } });
    let polling = true;
    const otherLoop = (async () => {
      while (polling) {
        await other.telegram.callApi('getUpdates', { timeout: 1 }).catch(() => undefined);
      }
    })();
    cleanups.push(async () => {
      polling = false;
      await otherLoop;
    });
    const tenant = (await makeOrganiser(db, { username: 'shared', bot: { token: bot.token } })).tenantId;
    const stopped = await h.waitFor(tenant, (s) => s.state === 'stopped', 'stopped', 30_000);
    expect(stopped.reason).toBe('token-conflict');
    expect(stopped.detail).toMatch(/409|conflict/i);
  });

  it('F6: a bot host that ignores stop is killed after the stop timeout, then the replacement starts', async () => {
    const { db, h } = await setup({
      hostEntry: misbehaving,
      placement: { ...processPerBot, killGraceMs: 300 },
      stopTimeoutMs: 800,
    });
    const tenant = (
      await makeOrganiser(db, {
        username: 'stubborn one',
        bot: { token: '1000001:stubbornstubbornstubborn' },
      })
    ).tenantId;
    const first = await h.waitFor(tenant, (s) => s.state === 'running', 'running');
    const asked = Date.now();
    await setToken(db, tenant, '1000001:anotheranotheranother');
    const second = await h.waitFor(tenant, (s) => s.state === 'running' && s.pid !== first.pid, 'replaced');
    expect(Date.now() - asked).toBeGreaterThanOrEqual(800);
    expect(alive(first.pid!)).toBe(false);
    expect(alive(second.pid!)).toBe(true);
  });

  it('F18: a child whose heartbeat stops is killed and restarted', async () => {
    const { db, h } = await setup({
      hostEntry: misbehaving,
      placement: processPerBot,
      policy: { heartbeatTimeoutMs: 1500 },
    });
    const tenant = (
      await makeOrganiser(db, { username: 'silent one', bot: { token: '1000002:silentsilentsilentsilent' } })
    ).tenantId;
    const first = await h.waitFor(tenant, (s) => s.state === 'running', 'running');
    const second = await h.waitFor(tenant, (s) => s.state === 'running' && s.pid !== first.pid, 'restarted');
    expect(alive(first.pid!)).toBe(false);
    expect(second.restarts).toBeGreaterThanOrEqual(1);
  });

  it('a crash loop stops the bot with crash-loop instead of restarting forever', async () => {
    const { db, h } = await setup({ hostEntry: misbehaving, placement: processPerBot });
    const tenant = (
      await makeOrganiser(db, { username: 'crasher one', bot: { token: '1000003:crashercrashercrasher' } })
    ).tenantId;
    const stopped = await h.waitFor(tenant, (s) => s.state === 'stopped', 'stopped');
    expect(stopped.reason).toBe('crash-loop');
    expect(h.history(tenant).filter((s) => s.state === 'starting').length).toBe(6);
  });

  it('database down and back: bots keep running, changes made meanwhile are applied after', async () => {
    const db = await openTestDatabase();
    cleanups.push(() => db.drop());
    const target = new URL(db.url);
    const proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
    cleanups.push(() => proxy.close());
    const proxied = new URL(db.url);
    proxied.port = String(proxy.port);
    // The supervisor reaches the database only through the proxy (pool and LISTEN).
    const viaProxy = await openDatabase(
      { databaseUrl: proxied.toString(), dataDir: '/nonexistent' },
      testLogger(),
      {
        migrate: false,
      },
    );
    cleanups.push(() => viaProxy.close());
    const h = await startTestSupervisor(viaProxy, sandbox, { checkIntervalS: 0.5 });
    cleanups.push(() => h.supervisor.shutdown());

    const a = await sandbox.client.createBot({ username: 'steady_bot' });
    const steady = (await makeOrganiser(db, { username: 'steady', bot: { token: a.token } })).tenantId;
    const running = await h.waitFor(steady, (s) => s.state === 'running', 'running');

    proxy.cut();
    // While the database is away: a new tenant is configured (directly, not through the proxy).
    const b = await sandbox.client.createBot({ username: 'latecomer_bot' });
    const latecomer = (await makeOrganiser(db, { username: 'latecomer', bot: { token: b.token } })).tenantId;
    await new Promise<void>((resolve) => {
      const check = () => (h.supervisor.configSource.databaseUp ? setTimeout(check, 50) : resolve());
      check();
    });
    expect(h.status(steady)).toMatchObject({ state: 'running', pid: running.pid });
    expect(h.status(latecomer)).toBeUndefined();

    proxy.restore();
    await h.waitFor(latecomer, (s) => s.state === 'running', 'running after the database came back');
    expect(h.status(steady)).toMatchObject({ state: 'running', pid: running.pid });
  });
});
