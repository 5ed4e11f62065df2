/**
 * An operator's restart request (`bot_configs.restart_requested_at`, what `POST /api/bot/restart` writes)
 * with the real supervisor, a real PostgreSQL and the sandbox: the tenant machine answers each request once,
 * and a request already stored when the supervisor starts is not acted on.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { createSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { openTestDatabase } from '../helpers/db.ts';
import { makeOrganiser } from '../helpers/factories/index.ts';
import { type SupervisorHarness, startTestSupervisor } from '../helpers/supervisor.ts';

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

async function openDatabase(): Promise<Database> {
  const db = await openTestDatabase();
  cleanups.push(() => db.drop());
  return db;
}

async function supervise(db: Database): Promise<SupervisorHarness> {
  const h = await startTestSupervisor(db, sandbox);
  cleanups.push(() => h.supervisor.shutdown());
  return h;
}

/** Stores a restart request the way the web does (the database's clock). */
async function requestRestart(db: Database, tenantId: number): Promise<void> {
  await db.orm.em
    .getConnection()
    .execute('update bot_configs set restart_requested_at = now() where tenant_id = ?', [tenantId]);
}

/** A new tenant whose bot runs: its config read proves a read after everything written before it. */
async function readAgain(db: Database, h: SupervisorHarness, name: string): Promise<void> {
  const bot = await sandbox.client.createBot({ username: `${name}_bot` });
  const tenant = (await makeOrganiser(db, { username: name, bot: { token: bot.token } })).tenantId;
  await h.waitFor(tenant, (s) => s.state === 'running', `${name} running`);
}

describe('restart requests stored with the config', () => {
  it('a request restarts the bot once, however many config reads still show it', async () => {
    const db = await openDatabase();
    const h = await supervise(db);
    const bot = await sandbox.client.createBot({ username: 'asked_bot' });
    const tenant = (await makeOrganiser(db, { username: 'asked', bot: { token: bot.token } })).tenantId;
    await h.waitFor(tenant, (s) => s.state === 'running', 'running');
    await requestRestart(db, tenant);
    await h.waitFor(tenant, (s) => s.state === 'running' && s.restarts === 1, 'restarted once');
    await readAgain(db, h, 'later');
    await readAgain(db, h, 'later_still');
    expect(h.status(tenant)).toMatchObject({ state: 'running', restarts: 1 });
    expect(h.history(tenant).filter((s) => s.state === 'restarting')).toHaveLength(1);
  });

  it('a request stored before the supervisor started is not acted on; a later one is', async () => {
    const db = await openDatabase();
    const bot = await sandbox.client.createBot({ username: 'old_request_bot' });
    const tenant = (await makeOrganiser(db, { username: 'old_request', bot: { token: bot.token } })).tenantId;
    await requestRestart(db, tenant);
    const h = await supervise(db);
    await h.waitFor(tenant, (s) => s.state === 'running', 'running');
    await readAgain(db, h, 'another');
    expect(h.status(tenant)).toMatchObject({ state: 'running', restarts: 0 });
    await requestRestart(db, tenant);
    await h.waitFor(tenant, (s) => s.state === 'running' && s.restarts === 1, 'restarted');
  });
});
