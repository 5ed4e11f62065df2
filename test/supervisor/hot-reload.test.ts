/**
 * The original system's scenarios with real bot hosts, a real PostgreSQL and the Bot API sandbox:
 * no config → a config appears; a token change restarts that bot only; a new tenant starts; disable
 * stops; kill -9 → restarted. Reaction comes from NOTIFY (the poll interval is set to 30 s here).
 * Run twice: bots sharing one host (the default) and a process per bot (botsPerHost 1).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { openTestDatabase } from '../helpers/db.ts';
import {
  alive,
  insertTenant,
  type SupervisorHarness,
  setEnabled,
  setToken,
  startTestSupervisor,
} from '../helpers/supervisor.ts';

const MODES = [
  { mode: 'bots sharing a host', perBot: false, placement: {} },
  { mode: 'a process per bot', perBot: true, placement: { botsPerHost: 1, spareHosts: 1 } },
] as const;

describe.each(MODES)('hot reload from the database, $mode', ({ perBot, placement }) => {
  let db: Awaited<ReturnType<typeof openTestDatabase>>;
  let sandbox: Sandbox;
  let h: SupervisorHarness;

  beforeAll(async () => {
    db = await openTestDatabase();
    sandbox = await createSandbox();
    h = await startTestSupervisor(db, sandbox, { placement });
  });

  afterAll(async () => {
    await h?.supervisor.shutdown();
    await sandbox?.close();
    await db?.drop();
  });

  let alpha: number;
  let beta: number;

  it('(1) starts with no config, then runs a bot as soon as a config appears', async () => {
    expect(Object.keys(h.supervisor.store.getSnapshot().context.tenants)).toEqual([]);
    const bot = await sandbox.client.createBot({ username: 'alpha_bot' });
    alpha = await insertTenant(db, 'alpha', bot.token);
    const running = await h.waitFor(alpha, (s) => s.state === 'running', 'running');
    expect(running.botUsername).toBe('alpha_bot');
    expect(alive(running.pid!)).toBe(true);
  });

  it('(3) a new tenant gets its bot started, the first keeps running untouched', async () => {
    const alphaPid = h.status(alpha)!.pid!;
    const bot = await sandbox.client.createBot({ username: 'beta_bot' });
    beta = await insertTenant(db, 'beta', bot.token);
    await h.waitFor(beta, (s) => s.state === 'running', 'running');
    expect(h.status(alpha)).toMatchObject({ state: 'running', pid: alphaPid });
  });

  it('(2) a changed token restarts that bot only, after its old bot has exited', async () => {
    const before = h.status(alpha)!;
    const betaPid = h.status(beta)!.pid!;
    const newBot = await sandbox.client.createBot({ username: 'alpha_new_bot' });
    await setToken(db, alpha, newBot.token);
    const restarted = await h.waitFor(
      alpha,
      (s) => s.state === 'running' && s.botUsername === 'alpha_new_bot',
      'running again',
    );
    expect(restarted.restarts).toBe(before.restarts + 1);
    // A process per bot: the old process is gone; sharing a host: the host lives on.
    expect(alive(before.pid!)).toBe(!perBot);
    expect(h.status(beta)).toMatchObject({ state: 'running', pid: betaPid, restarts: 0 });
    expect(h.pids(beta)).toEqual([betaPid]);
  });

  it('(4) disabling a config stops that bot', async () => {
    const betaPid = h.status(beta)!.pid!;
    await setEnabled(db, beta, false);
    const stopped = await h.waitFor(
      beta,
      (s) => s.state === 'stopped' && s.pid === null,
      'stopped, no process',
    );
    expect(stopped.reason).toBe('disabled');
    expect(alive(betaPid)).toBe(!perBot);
  });

  it('re-enabling it starts the bot again', async () => {
    await setEnabled(db, beta, true);
    await h.waitFor(beta, (s) => s.state === 'running', 'running');
  });

  it('(5) the process of a bot killed with SIGKILL: the bot is restarted in another', async () => {
    const before = h.status(alpha)!;
    process.kill(before.pid!, 'SIGKILL');
    const after = await h.waitFor(alpha, (s) => s.state === 'running' && s.pid !== before.pid, 'restarted');
    expect(after.restarts).toBe(before.restarts + 1);
    expect(alive(after.pid!)).toBe(true);
  });

  it('mirrors every state to the bot_status table for the admin panel', async () => {
    const alphaNow = h.status(alpha)!;
    await h.supervisor.flushStatus();
    const [row] = await db.orm.em
      .getConnection()
      .execute<{ state: string; pid: number; bot_username: string }[]>(
        'select state, pid, bot_username from bot_status where tenant_id = ?',
        [alpha],
      );
    expect(row).toEqual({ state: 'running', pid: alphaNow.pid, bot_username: 'alpha_new_bot' });
  });
});
