/**
 * Several supervisor nodes on one database (src/supervisor/leases.ts), in one test process: three
 * supervisors, each with its own bot hosts, over one PostgreSQL and the Bot API sandbox. Every bot runs on
 * exactly one node, spread by load, and no token is polled twice (the sandbox counts a getUpdates that
 * finds another one of the same token held: Telegram's 409); a node that stops cleanly hands its bots to
 * the others through release and NOTIFY (the lease time is a minute here, so expiry cannot explain a
 * takeover within the wait); a node never writes over the status of a bot another node owns.
 * The process-level faults (SIGKILL, SIGSTOP, a rolling restart) are in test/cli/nodes.test.ts.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { leaseRepository } from '../../src/db/repositories/leases.ts';
import { sqlFromOrm } from '../../src/db/sql.ts';
import { createSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { openTestDatabase } from '../helpers/db.ts';
import { makeOrganiser } from '../helpers/factories/index.ts';
import { type SupervisorHarness, setEnabled, startTestSupervisor } from '../helpers/supervisor.ts';
import { waitUntil } from '../helpers/wait.ts';

const LONG_LEASE_MS = 60_000;

let db: Awaited<ReturnType<typeof openTestDatabase>>;
let sandbox: Sandbox;
let nodes: SupervisorHarness[] = [];

beforeEach(async () => {
  db = await openTestDatabase();
  sandbox = await createSandbox();
  nodes = [];
});
afterEach(async () => {
  await Promise.all(nodes.map((n) => n.supervisor.shutdown()));
  await sandbox?.close();
  await db?.drop();
});

async function startNodes(count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    nodes.push(
      await startTestSupervisor(db, sandbox, {
        nodeName: `node-${nodes.length + 1}`,
        leaseTtlMs: LONG_LEASE_MS,
        // Idle long polls last 20 s: the fast policy's 5 s heartbeat timeout would restart idle bots.
        policy: { heartbeatTimeoutMs: 60_000 },
      }),
    );
  }
}

async function tenants(count: number): Promise<Array<{ tenantId: number; botId: number }>> {
  const made = [];
  for (let i = 0; i < count; i++) {
    const bot = await sandbox.client.createBot({ username: `node_test_${i}_bot` });
    const { tenantId } = await makeOrganiser(db, { bot: { token: bot.token } });
    made.push({ tenantId, botId: bot.id });
  }
  return made;
}

/** Which nodes run each tenant's bot now (index in `nodes`). */
function runners(tenantId: number, among = nodes): number[] {
  return nodes.flatMap((n, i) => (among.includes(n) && n.status(tenantId)?.state === 'running' ? [i] : []));
}

/** Resolves once every tenant runs on exactly one of `among`, and that one node holds its lease. */
async function onePerTenant(list: Array<{ tenantId: number }>, among = nodes, what = 'one node per bot') {
  await waitUntil(
    () =>
      list.every(({ tenantId }) => {
        const on = runners(tenantId, among);
        return (
          on.length === 1 &&
          nodes[on[0]!]!.supervisor.node().leases.some(
            (l) => l.tenantId === String(tenantId) && !l.givingBack,
          )
        );
      }),
    what,
    30_000,
  );
}

async function pollConflicts(): Promise<number> {
  const view = await sandbox.client.overview();
  return view.bots.reduce((sum, b) => sum + b.poll_conflicts, 0);
}

describe('several supervisor nodes on one database', () => {
  it('runs each bot on exactly one node, spread by load, with no token polled twice', async () => {
    await startNodes(3);
    const list = await tenants(12);
    await onePerTenant(list);
    const counts = nodes.map((n) => n.supervisor.node().leases.length);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(12);
    // A share of 4 each; hysteresis allows one more before a node gives bots back.
    for (const c of counts) expect(c).toBeLessThanOrEqual(5);
    expect(counts.filter((c) => c > 0)).toHaveLength(3);
    expect(await pollConflicts()).toBe(0);
    for (const n of nodes) expect(n.supervisor.node().liveNodes).toBe(3);
  });

  it('a node joining takes a share from the others without a second poller at any time', async () => {
    await startNodes(1);
    const list = await tenants(9);
    await onePerTenant(list);
    expect(nodes[0]!.supervisor.node().leases).toHaveLength(9);
    await startNodes(2);
    await waitUntil(
      () => nodes.every((n) => n.supervisor.node().leases.filter((l) => !l.givingBack).length >= 2),
      'the newcomers to take their share',
      20_000,
    ).catch((err: Error) => {
      throw new Error(`${err.message}; leases: ${JSON.stringify(nodes.map((n) => n.supervisor.node()))}`);
    });
    await onePerTenant(list);
    expect(await pollConflicts()).toBe(0);
  });

  it('a node that stops cleanly hands its bots over at once (release and NOTIFY, not expiry)', async () => {
    await startNodes(3);
    const list = await tenants(9);
    await onePerTenant(list);
    const leaving = nodes[0]!;
    const itsBots = leaving.supervisor.node().leases.map((l) => Number(l.tenantId));
    expect(itsBots.length).toBeGreaterThan(0);
    await leaving.supervisor.shutdown();
    const rest = nodes.slice(1);
    // The lease time is a minute: only the release can explain a takeover within the wait.
    await onePerTenant(list, rest, 'the bots of the stopped node to run on the others');
    const sql = sqlFromOrm(db.orm);
    const row = (await leaseRepository.nodes(sql)).find((n) => n.name === 'node-1');
    expect(row).toBeUndefined();
    expect(await pollConflicts()).toBe(0);
  });

  it("never writes over the status of a bot another node owns; a disabled bot's lease is given back", async () => {
    await startNodes(2);
    const list = await tenants(4);
    await onePerTenant(list);
    const sql = sqlFromOrm(db.orm);
    const { tenantId } = list[0]!;
    await setEnabled(db, tenantId, false);
    await waitUntil(async () => {
      const [row] = await sql.query<{ state: string; reason: string | null }>(
        'select state, reason from bot_status where tenant_id = ?',
        [tenantId],
      );
      return row?.state === 'stopped' && row.reason === 'disabled';
    }, 'the owner to write stopped/disabled');
    await waitUntil(
      async () => (await leaseRepository.freeOf(sql, [tenantId])).length === 1,
      'the disabled bot lease to be given back',
    );
    // The other bots' rows say running, as their owners wrote them.
    await waitUntil(async () => {
      const rows = await sql.query<{ state: string }>(
        'select state from bot_status where tenant_id = any(?::int[])',
        [
          `{${list
            .slice(1)
            .map((t) => t.tenantId)
            .join(',')}}`,
        ],
      );
      return rows.length === 3 && rows.every((r) => r.state === 'running');
    }, 'the running bots to be written as running');
  });
});
