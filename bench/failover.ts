/**
 * Failover benchmark (figures printed, never asserted): two `tg-lottery supervise` nodes on one database
 * with the product's lease time (LEASE_TTL_S, default 9 s; BENCH_LEASE_TTL_S overrides), 20 tenants.
 * - after a SIGKILL of the node holding the most bots: time until every bot runs on the other node
 *   (p50/p99 over BENCH_FAILOVER_KILLS kills, default 10; the killed node is started again between kills
 *   and the bots rebalanced);
 * - after a clean stop (SIGTERM) of a node: the same time (5 stops).
 * Targets (the cluster issue): a dead node's bots run elsewhere within 15 s; a clean stop's within 1 s.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../src/db/embedded.ts';
import { sqlFromOrm } from '../src/db/sql.ts';
import {
  conditionsOf,
  freshDatabase,
  percentile,
  type Sandbox,
  startSandboxProcess,
  tenantsWithBots,
  withServer,
} from './common.ts';

const BIN = fileURLToPath(new URL('../bin/tg-lottery.mjs', import.meta.url));
const TENANTS = 20;

interface NodeProc {
  name: string;
  port: number;
  kill(signal: NodeJS.Signals): void;
  exited: Promise<void>;
}

async function startNode(name: string, env: Record<string, string>): Promise<NodeProc> {
  const port = await freePort();
  const child = spawn(process.execPath, [BIN, 'supervise'], {
    env: { ...process.env, ...env, SUPERVISOR_PORT: String(port), NODE_NAME: name, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await until(async () => (await status(port)) !== null, 60_000, `${name} to serve /status`);
  return { name, port, kill: (signal) => child.kill(signal), exited };
}

async function status(port: number): Promise<{
  node: { leases: Array<{ tenant_id: string; handing_over: boolean }> } | null;
  tenants: Array<{ tenant_id: string; state: string }>;
} | null> {
  try {
    return (await (await fetch(`http://127.0.0.1:${port}/status`)).json()) as never;
  } catch {
    return null;
  }
}

/** Bots running (and leased) on each node. */
async function running(nodes: NodeProc[]): Promise<Map<string, Set<string>>> {
  const out = new Map<string, Set<string>>();
  for (const n of nodes) {
    const s = await status(n.port);
    const held = new Set((s?.node?.leases ?? []).filter((l) => !l.handing_over).map((l) => l.tenant_id));
    out.set(
      n.name,
      new Set(
        (s?.tenants ?? [])
          .filter((t) => t.state === 'running' && held.has(t.tenant_id))
          .map((t) => t.tenant_id),
      ),
    );
  }
  return out;
}

async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function allOn(nodes: NodeProc[], total: number): Promise<boolean> {
  const where = await running(nodes);
  const counts = new Map<string, number>();
  for (const set of where.values()) for (const t of set) counts.set(t, (counts.get(t) ?? 0) + 1);
  return counts.size === total && [...counts.values()].every((c) => c === 1);
}

async function balanced(nodes: NodeProc[], total: number): Promise<boolean> {
  if (!(await allOn(nodes, total))) return false;
  const where = await running(nodes);
  return [...where.values()].every((s) => s.size >= Math.floor(total / nodes.length) - 1);
}

export async function main(): Promise<void> {
  const kills = Number(process.env.BENCH_FAILOVER_KILLS ?? 10);
  const ttl = process.env.BENCH_LEASE_TTL_S ?? '9';
  await withServer(async (adminUrl) => {
    const sandbox: Sandbox = await startSandboxProcess();
    const db = await freshDatabase(adminUrl, 'tgl_bench_failover');
    const dataDir = await mkdtemp(join(tmpdir(), 'tgl-failover-'));
    try {
      await tenantsWithBots(sqlFromOrm(db.orm), sandbox, TENANTS, 'failover');
      const env = {
        DATABASE_URL: db.url,
        APP_SECRET: 'benchmark-app-secret',
        TELEGRAM_API_ROOT: sandbox.apiRoot,
        DATA_DIR: dataDir,
        LEASE_TTL_S: ttl,
      };
      console.log(
        `conditions: ${await conditionsOf(db.url)}; LEASE_TTL_S ${ttl}; ${TENANTS} tenants, 2 nodes`,
      );
      let nodes = [await startNode('a', env), await startNode('b', env)];
      await until(() => balanced(nodes, TENANTS), 120_000, 'the bots to spread over both nodes');

      const measure = async (signal: NodeJS.Signals): Promise<number> => {
        const where = await running(nodes);
        const victim = [...nodes].sort(
          (x, y) => (where.get(y.name)?.size ?? 0) - (where.get(x.name)?.size ?? 0),
        )[0]!;
        const rest = nodes.filter((n) => n !== victim);
        const t0 = performance.now();
        victim.kill(signal);
        await until(() => allOn(rest, TENANTS), 60_000, `the bots of ${victim.name} to run elsewhere`);
        const ms = performance.now() - t0;
        await victim.exited;
        const again = await startNode(victim.name, env);
        nodes = [...rest, again];
        await until(() => balanced(nodes, TENANTS), 120_000, 'the bots to spread again');
        return ms;
      };

      const killed: number[] = [];
      for (let i = 0; i < kills; i++) killed.push(await measure('SIGKILL'));
      const stopped: number[] = [];
      for (let i = 0; i < 5; i++) stopped.push(await measure('SIGTERM'));
      const fmt = (xs: number[]) => {
        const s = [...xs].sort((a, b) => a - b);
        return `p50 ${(percentile(s, 50) / 1000).toFixed(2)} s, p99 ${(percentile(s, 99) / 1000).toFixed(2)} s (n=${s.length})`;
      };
      console.log(`failover after SIGKILL: ${fmt(killed)}  (target: within 15 s)`);
      console.log(`takeover after a clean stop: ${fmt(stopped)}  (target: within 1 s)`);
      for (const n of nodes) n.kill('SIGTERM');
      await Promise.all(nodes.map((n) => n.exited));
    } finally {
      sandbox.close();
      await db.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
}
