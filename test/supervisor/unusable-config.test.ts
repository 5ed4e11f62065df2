/**
 * Configs that can never start, with the real supervisor, a real PostgreSQL and the sandbox: a stored token
 * that decrypts to something that is not a bot token, and one bot configured for two tenants. Their status
 * comes from their tenant machine (CONFIG.UNUSABLE), like every other.
 */
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { createLogger, type Logger } from '../../src/log/logger.ts';
import { createSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { openTestDatabase } from '../helpers/db.ts';
import { makeOrganiser } from '../helpers/factories/index.ts';
import { setToken, startTestSupervisor } from '../helpers/supervisor.ts';

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

async function setup(logger?: Logger) {
  const db = await openTestDatabase();
  cleanups.push(() => db.drop());
  const h = await startTestSupervisor(db, sandbox, logger ? { logger } : {});
  cleanups.push(() => h.supervisor.shutdown());
  return { db, h };
}

async function botStatusRow(db: Database, tenantId: number) {
  const rows = await db.orm.em
    .getConnection()
    .execute<{ state: string; reason: string | null; detail: string | null }[]>(
      'select state, reason, detail from bot_status where tenant_id = ?',
      [tenantId],
    );
  return rows[0];
}

/** A logger whose JSON lines the test reads. */
function captureLogger() {
  const lines: Array<{ msg: string; tenant?: string; event?: string }> = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n').filter(Boolean))
        lines.push(JSON.parse(l) as (typeof lines)[0]);
      done();
    },
  });
  return { logger: createLogger({ level: 'info', pretty: false, destination }), lines };
}

describe('configs that can never start', () => {
  it('a stored token that is not token-shaped: stopped invalid-token with its reason, no bot process', async () => {
    const captured = captureLogger();
    const { db, h } = await setup(captured.logger);
    const tenant = (
      await makeOrganiser(db, { username: 'garbage', bot: { token: 'not a token at all', straight: true } })
    ).tenantId;
    const stopped = await h.waitFor(tenant, (s) => s.state === 'stopped', 'stopped');
    expect(stopped).toMatchObject({ reason: 'invalid-token', pid: null });
    expect(stopped.detail).toContain('not a bot token');
    expect(h.history(tenant).map((s) => s.state)).toEqual(['stopped']);
    // another config read (a new tenant running proves it) shows the same config: logged once, not again
    const other = await sandbox.client.createBot({ username: 'bystander_bot' });
    const bystander = (
      await makeOrganiser(db, { username: 'bystander', bot: { token: other.token, straight: true } })
    ).tenantId;
    await h.waitFor(bystander, (s) => s.state === 'running', 'bystander running');
    expect(captured.lines.filter((l) => l.tenant === String(tenant)).map((l) => l.msg)).toEqual([
      `bot config of garbage (tenant ${tenant}) is unusable: the stored token is not a bot token`,
    ]);
    await h.supervisor.flushStatus();
    expect(await botStatusRow(db, tenant)).toMatchObject({ state: 'stopped', reason: 'invalid-token' });

    const bot = await sandbox.client.createBot({ username: 'repaired_bot' });
    await setToken(db, tenant, bot.token);
    const running = await h.waitFor(tenant, (s) => s.state === 'running', 'running with a real token');
    expect(running.botUsername).toBe('repaired_bot');
  });

  it('a running bot whose stored token turns into garbage stops with invalid-token, not disabled', async () => {
    const { db, h } = await setup();
    const bot = await sandbox.client.createBot({ username: 'spoiled_bot' });
    const tenant = (
      await makeOrganiser(db, { username: 'spoiled', bot: { token: bot.token, straight: true } })
    ).tenantId;
    await h.waitFor(tenant, (s) => s.state === 'running', 'running');
    await setToken(db, tenant, `${bot.id}:short`);
    const stopped = await h.waitFor(
      tenant,
      (s) => s.state === 'stopped' && s.pid === null,
      'stopped with its process gone',
    );
    expect(stopped.reason).toBe('invalid-token');
  });

  it('one bot for two tenants: the database refuses the second bot id, that tenant stops with token-conflict', async () => {
    const { db, h } = await setup();
    const bot = await sandbox.client.createBot({ username: 'coveted_bot' });
    const first = (await makeOrganiser(db, { username: 'first', bot: { token: bot.token, straight: true } }))
      .tenantId;
    await h.waitFor(first, (s) => s.state === 'running', 'running');
    const conn = db.orm.em.getConnection();
    const [claimed] = await conn.execute<{ bot_id: string }[]>(
      'select bot_id::text as bot_id from bot_configs where tenant_id = ?',
      [first],
    );
    expect(claimed?.bot_id).toBe(String(bot.id));
    // straight into the database, past the API's check: the same token for a second tenant
    const second = (
      await makeOrganiser(db, { username: 'second', bot: { token: bot.token, straight: true } })
    ).tenantId;
    const stopped = await h.waitFor(second, (s) => s.state === 'stopped', 'stopped');
    expect(stopped.reason).toBe('token-conflict');
    expect(stopped.detail).toContain('another tenant');
    expect(h.status(first)).toMatchObject({ state: 'running' });
    await expect(
      conn.execute('update bot_configs set bot_id = ? where tenant_id = ?', [bot.id, second]),
    ).rejects.toMatchObject({ code: '23505' });
  });
});
