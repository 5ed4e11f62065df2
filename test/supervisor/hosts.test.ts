/**
 * Bot hosts with real processes, a real PostgreSQL and the sandbox: many tenants' bots side by side, and a
 * fault in one tenant never touching another — a host killed with SIGKILL restarts only its own bots; a
 * handler that throws, or an uncaught error of one bot, ends nothing else; a bot that holds the event loop
 * is isolated in a host of its own and its neighbours answer again; 401 and 409 stop only their tenant.
 */
import { fileURLToPath } from 'node:url';
import { Telegraf } from 'telegraf';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { openTestDatabase } from '../helpers/db.ts';
import { makeOrganiser } from '../helpers/factories/index.ts';
import { alive, type SupervisorHarness, startTestSupervisor } from '../helpers/supervisor.ts';
import { waitUntil } from '../helpers/wait.ts';

const faultyHost = {
  entry: fileURLToPath(new URL('../fixtures/faulty-host.ts', import.meta.url)),
  execArgv: ['--import', 'tsx'],
};

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

let setups = 0;

interface Tenant {
  id: number;
  botId: number;
  token: string;
  name: string;
}

async function setup(
  names: string[],
  options: Parameters<typeof startTestSupervisor>[2] = {},
): Promise<{ h: SupervisorHarness; tenants: Tenant[] }> {
  const db = await openTestDatabase();
  cleanups.push(() => db.drop());
  const h = await startTestSupervisor(db, sandbox, { lottery: false, ...options });
  cleanups.push(() => h.supervisor.shutdown());
  const tenants: Tenant[] = [];
  const run = ++setups;
  for (const name of names) {
    const bot = await sandbox.client.createBot({ username: `${name.replace(/\W/g, '_')}_${run}_bot` });
    tenants.push({
      id: (await makeOrganiser(db, { username: name, bot: { token: bot.token } })).tenantId,
      botId: bot.id,
      token: bot.token,
      name,
    });
  }
  for (const t of tenants) await h.waitFor(t.id, (s) => s.state === 'running', `${t.name} running`, 30_000);
  return { h, tenants };
}

/** The user sends /start to the bot and waits for its greeting (a reply that names the tenant). */
async function greets(userId: number, tenant: Tenant, timeoutMs = 10_000): Promise<number> {
  const before = (await sandbox.client.privateMessages(tenant.botId, userId)).messages.length;
  const sent = Date.now();
  await sandbox.client.start(userId, tenant.botId);
  await waitUntil(
    async () => {
      const { messages } = await sandbox.client.privateMessages(tenant.botId, userId);
      return messages.slice(before).some((m) => m.sender.id === tenant.botId && m.text.includes(tenant.name));
    },
    `a greeting from ${tenant.name}`,
    timeoutMs,
  );
  return Date.now() - sent;
}

describe('bot hosts', () => {
  it('30 tenants over 3 hosts; SIGKILL one host → only its tenants restart, the others keep running', async () => {
    const names = Array.from({ length: 30 }, (_, i) => `tenant ${i + 1}`);
    const { h, tenants } = await setup(names, { placement: { sharedHosts: 3, spareHosts: 0 } });
    const hosts = h.supervisor.hosts().filter((x) => x.kind === 'shared');
    expect(hosts).toHaveLength(3);
    expect(hosts.map((x) => x.bots)).toEqual([10, 10, 10]);
    for (const x of hosts)
      expect(x.lastHeartbeatAt, 'a ready host has said it is alive').toEqual(expect.any(Number));
    const victim = hosts[0]!;
    const inVictim = tenants.filter((t) => h.status(t.id)!.pid === victim.pid);
    const others = tenants.filter((t) => h.status(t.id)!.pid !== victim.pid);
    expect(inVictim).toHaveLength(10);
    const before = new Map(tenants.map((t) => [t.id, h.status(t.id)!]));

    process.kill(victim.pid!, 'SIGKILL');
    for (const t of inVictim) {
      const after = await h.waitFor(
        t.id,
        (s) => s.state === 'running' && s.restarts === before.get(t.id)!.restarts + 1,
        `${t.name} restarted`,
      );
      expect(after.pid).not.toBe(victim.pid);
      expect(alive(after.pid!)).toBe(true);
    }
    expect(alive(victim.pid!)).toBe(false);
    for (const t of others) {
      expect(h.status(t.id)).toMatchObject({ state: 'running', pid: before.get(t.id)!.pid, restarts: 0 });
      expect(h.pids(t.id)).toHaveLength(1);
    }
    // Every bot answers, the moved ones and the untouched ones alike.
    const user = await sandbox.client.createUser({ first_name: 'Una' });
    for (const t of tenants) await greets(user.id, t);
    for (const t of others) expect(h.pids(t.id)).toHaveLength(1);
  });

  it("a handler that throws on every update of tenant A: A's other updates and its neighbours are served", async () => {
    const { h, tenants } = await setup(['thrower A', 'calm B'], {
      hostEntry: faultyHost,
      placement: { sharedHosts: 1, spareHosts: 0 },
    });
    const [a, b] = tenants as [Tenant, Tenant];
    expect(h.status(a.id)!.pid).toBe(h.status(b.id)!.pid);
    const user = await sandbox.client.createUser({ first_name: 'Ulla' });
    for (let i = 0; i < 5; i++) await sandbox.client.send(user.id, a.botId, 'boom');
    await greets(user.id, a);
    await greets(user.id, b);
    expect(h.status(a.id)).toMatchObject({ state: 'running', restarts: 0 });
    expect(h.status(b.id)).toMatchObject({ state: 'running', restarts: 0 });
  });

  it('an uncaught error of one bot ends that bot only: it restarts, its neighbour in the host keeps running', async () => {
    const { h, tenants } = await setup(['thrower A', 'calm B'], {
      hostEntry: faultyHost,
      placement: { sharedHosts: 1, spareHosts: 0 },
    });
    const [a, b] = tenants as [Tenant, Tenant];
    const hostPid = h.status(b.id)!.pid!;
    const user = await sandbox.client.createUser({ first_name: 'Uwe' });
    await sandbox.client.send(user.id, a.botId, 'crash');
    const restarted = await h.waitFor(a.id, (s) => s.state === 'running' && s.restarts === 1, 'A restarted');
    expect(h.history(a.id).some((s) => s.state === 'restarting' && /uncaught/.test(s.detail ?? ''))).toBe(
      true,
    );
    expect(restarted.pid).toBe(hostPid);
    expect(h.status(b.id)).toMatchObject({ state: 'running', pid: hostPid, restarts: 0 });
    await greets(user.id, b);
  });

  it("a bot that holds the event loop for seconds is isolated; its neighbours' answers recover", async () => {
    const { h, tenants } = await setup(['blocker A', 'calm B'], {
      hostEntry: faultyHost,
      // 0.3 s of the host's CPU: a 1.5 s busy loop gets it even on a machine busy with other work.
      placement: { sharedHosts: 1, spareHosts: 0, blockedLoopMs: 300 },
    });
    const [a, b] = tenants as [Tenant, Tenant];
    const sharedPid = h.status(b.id)!.pid!;
    const user = await sandbox.client.createUser({ first_name: 'Ida' });
    // Each update of A holds the loop 1.5 s: the first stall switches callback timing on, the next is named.
    for (let i = 0; i < 6 && h.status(a.id)!.isolation === null; i++) {
      await sandbox.client.send(user.id, a.botId, `hello ${i}`);
      // B is served meanwhile, if slowly, while A holds the loop.
      await greets(user.id, b, 15_000);
    }
    const isolated = await h.waitFor(
      a.id,
      (s) => s.state === 'running' && s.isolation === 'event-loop-blocked',
      'A isolated and running',
    );
    expect(isolated.pid).not.toBe(sharedPid);
    expect(h.history(a.id).some((s) => s.state === 'restarting' && /quarantine/.test(s.detail ?? ''))).toBe(
      true,
    );
    expect(h.status(b.id)).toMatchObject({ state: 'running', pid: sharedPid, restarts: 0, isolation: null });
    // B's answers come at the speed of an idle host again.
    const answers: number[] = [];
    for (let i = 0; i < 3; i++) answers.push(await greets(user.id, b));
    expect(Math.max(...answers)).toBeLessThan(1500);
  });

  it('a bot that sends its host over the memory budget is isolated; its neighbour stays', async () => {
    const { h, tenants } = await setup(['hog A', 'calm B'], {
      hostEntry: faultyHost,
      placement: { sharedHosts: 1, spareHosts: 0, memoryBudgetMb: 160 },
    });
    const [a, b] = tenants as [Tenant, Tenant];
    const sharedPid = h.status(b.id)!.pid!;
    const user = await sandbox.client.createUser({ first_name: 'Hugo' });
    for (let i = 0; i < 3; i++) await sandbox.client.send(user.id, a.botId, `more ${i}`);
    const isolated = await h.waitFor(
      a.id,
      (s) => s.state === 'running' && s.isolation === 'memory',
      'A isolated for memory',
    );
    expect(isolated.pid).not.toBe(sharedPid);
    expect(h.status(b.id)).toMatchObject({ state: 'running', pid: sharedPid, restarts: 0, isolation: null });
    await greets(user.id, b);
  });

  it('a frozen host (SIGSTOP) is killed once it has been silent, and only its bots restart', async () => {
    const { h, tenants } = await setup(['frozen A', 'frozen B', 'free C', 'free D'], {
      placement: { sharedHosts: 2, spareHosts: 0, silentHostMs: 1500 },
    });
    const hosts = h.supervisor.hosts();
    expect(hosts).toHaveLength(2);
    const frozenPid = h.status(tenants[0]!.id)!.pid!;
    const inFrozen = tenants.filter((t) => h.status(t.id)!.pid === frozenPid);
    const others = tenants.filter((t) => h.status(t.id)!.pid !== frozenPid);
    expect(inFrozen).toHaveLength(2);
    process.kill(frozenPid, 'SIGSTOP');
    cleanups.push(async () => {
      if (alive(frozenPid)) process.kill(frozenPid, 'SIGKILL');
    });
    for (const t of inFrozen) {
      const after = await h.waitFor(
        t.id,
        (s) => s.state === 'running' && s.restarts === 1,
        `${t.name} restarted`,
      );
      expect(after.pid).not.toBe(frozenPid);
    }
    await waitUntil(() => !alive(frozenPid), 'the frozen host gone');
    for (const t of others) expect(h.status(t.id)).toMatchObject({ state: 'running', restarts: 0 });
  });

  it('401 and 409 for one tenant in a shared host stop only that tenant, each with its reason', async () => {
    const { h, tenants } = await setup(['revoked A', 'contested B', 'calm C'], {
      placement: { sharedHosts: 1, spareHosts: 0 },
      policy: { conflictWindowMs: 1500 },
    });
    const [a, b, c] = tenants as [Tenant, Tenant, Tenant];
    const hostPid = h.status(c.id)!.pid!;
    await sandbox.client.revokeBot(a.botId);
    // Another deployment polls B's token.
    const other = new Telegraf(b.token, { telegram: { apiRoot: sandbox.apiRoot } });
    let polling = true;
    const otherLoop = (async () => {
      while (polling) await other.telegram.callApi('getUpdates', { timeout: 1 }).catch(() => undefined);
    })();
    cleanups.push(async () => {
      polling = false;
      await otherLoop;
    });
    const stoppedA = await h.waitFor(a.id, (s) => s.state === 'stopped', 'A stopped');
    expect(stoppedA.reason).toBe('invalid-token');
    const stoppedB = await h.waitFor(b.id, (s) => s.state === 'stopped', 'B stopped', 30_000);
    expect(stoppedB.reason).toBe('token-conflict');
    expect(h.status(c.id)).toMatchObject({ state: 'running', pid: hostPid, restarts: 0 });
    expect(alive(hostPid)).toBe(true);
    const user = await sandbox.client.createUser({ first_name: 'Carl' });
    await greets(user.id, c);
  });
});
