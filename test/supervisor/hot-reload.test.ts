/**
 * The original system's scenarios with real bot hosts, a real PostgreSQL and the Bot API sandbox:
 * no config → a config appears; a token change restarts that bot only; a new tenant starts; disable
 * stops; kill -9 → restarted. Reaction comes from NOTIFY (the poll interval is set to 30 s here).
 * Run twice: bots sharing one host (the default) and a process per bot (botsPerHost 1). Each test has a
 * supervisor, database and sandbox of its own and starts the bots it needs, so none depends on another.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { openTestDatabase } from '../helpers/db.ts';
import { makeOrganiser } from '../helpers/factories/index.ts';
import {
  alive,
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

  beforeEach(async () => {
    db = await openTestDatabase();
    sandbox = await createSandbox();
    h = await startTestSupervisor(db, sandbox, { placement });
  });

  afterEach(async () => {
    await h?.supervisor.shutdown();
    await sandbox?.close();
    await db?.drop();
  });

  /** A tenant named `name` whose bot `<name>_bot` runs. */
  async function running(name: string): Promise<number> {
    const bot = await sandbox.client.createBot({ username: `${name}_bot` });
    const { tenantId } = await makeOrganiser(db, { username: name, bot: { token: bot.token } });
    await h.waitFor(tenantId, (s) => s.state === 'running', `${name} running`);
    return tenantId;
  }

  /** Give `tenantId` a new bot `<username>` and wait until it runs as that bot. */
  async function changeToken(tenantId: number, username: string) {
    const newBot = await sandbox.client.createBot({ username });
    await setToken(db, tenantId, newBot.token);
    return h.waitFor(tenantId, (s) => s.state === 'running' && s.botUsername === username, 'running again');
  }

  it('(1) starts with no config, then runs a bot as soon as a config appears', async () => {
    expect(Object.keys(h.supervisor.store.getSnapshot().context.tenants)).toEqual([]);
    const bot = await sandbox.client.createBot({ username: 'alpha_bot' });
    const alpha = (await makeOrganiser(db, { username: 'alpha', bot: { token: bot.token } })).tenantId;
    const started = await h.waitFor(alpha, (s) => s.state === 'running', 'running');
    expect(started.botUsername).toBe('alpha_bot');
    expect(alive(started.pid!)).toBe(true);
  });

  it('(3) a new tenant gets its bot started, the first keeps running untouched', async () => {
    const alpha = await running('alpha');
    const alphaPid = h.status(alpha)!.pid!;
    const bot = await sandbox.client.createBot({ username: 'beta_bot' });
    const beta = (await makeOrganiser(db, { username: 'beta', bot: { token: bot.token } })).tenantId;
    await h.waitFor(beta, (s) => s.state === 'running', 'running');
    expect(h.status(alpha)).toMatchObject({ state: 'running', pid: alphaPid });
  });

  it('(2) a changed token restarts that bot only, after its old bot has exited', async () => {
    const alpha = await running('alpha');
    const beta = await running('beta');
    const before = h.status(alpha)!;
    const betaPid = h.status(beta)!.pid!;
    const restarted = await changeToken(alpha, 'alpha_new_bot');
    expect(restarted.restarts).toBe(before.restarts + 1);
    // A process per bot: the old process is gone; sharing a host: the host lives on.
    expect(alive(before.pid!)).toBe(!perBot);
    expect(h.status(beta)).toMatchObject({ state: 'running', pid: betaPid, restarts: 0 });
    expect(h.pids(beta)).toEqual([betaPid]);
  });

  it('(4) disabling a config stops that bot', async () => {
    const beta = await running('beta');
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
    const beta = await running('beta');
    await setEnabled(db, beta, false);
    await h.waitFor(beta, (s) => s.state === 'stopped' && s.pid === null, 'stopped, no process');
    await setEnabled(db, beta, true);
    await h.waitFor(beta, (s) => s.state === 'running', 'running');
  });

  it('(5) the process of a bot killed with SIGKILL: the bot is restarted in another', async () => {
    const alpha = await running('alpha');
    const before = h.status(alpha)!;
    process.kill(before.pid!, 'SIGKILL');
    const after = await h.waitFor(alpha, (s) => s.state === 'running' && s.pid !== before.pid, 'restarted');
    expect(after.restarts).toBe(before.restarts + 1);
    expect(alive(after.pid!)).toBe(true);
  });

  it('mirrors every state to the bot_status table for the admin panel', async () => {
    const alpha = await running('alpha');
    await changeToken(alpha, 'alpha_new_bot');
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
