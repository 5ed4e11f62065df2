/**
 * Bot hosts benchmark (figures printed, never asserted), same run, same machine, side by side:
 * 100 tenants with a process per bot (botsPerHost 1), against 100, 1,000 and 3,000 tenants with the
 * defaults (BENCH_HOSTS_TENANTS overrides the list, e.g. "100,1000"). For each:
 * - time from the supervisor's start until every bot is running;
 * - PSS summed over every platform process: the supervisor (this process, which also runs the load
 *   generator's bookkeeping), every bot host, and a `tg-lottery web` process; not the sandbox;
 * - idle CPU of those processes over 20 s (BENCH_IDLE_S), as % of one core, once the start has settled;
 * - NOTIFY-to-ready p50/p99 for one tenant's token change while all the others run (20 changes);
 * - PostgreSQL connections open to the benchmark's database;
 * - joins/s on one bot while all the others idle (closed loop, 100 presses in flight, 2,000 presses).
 * Targets for 1,000 tenants: all running within 60 s, PSS ≤ 1.5 GB, idle CPU ≤ 10 % of a core,
 * reaction p99 ≤ 500 ms, connections ≤ 50.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { PlacementPolicy } from '../machines/placement.ts';
import { LONG_POLL_S } from '../src/bot/telegram.ts';
import { freePort } from '../src/db/embedded.ts';
import { sqlFromOrm } from '../src/db/sql.ts';
import { prepareHostEntry } from '../src/supervisor/host-entry.ts';
import { startSupervisor } from '../src/supervisor/runtime.ts';
import {
  cipher,
  freshDatabase,
  logger,
  percentile,
  runOf,
  type Sandbox,
  startSandboxProcess,
  tenantsWithBots,
  waitRunning,
  withServer,
} from './common.ts';
import { pressAll, publish, until, users } from './lottery.ts';

const CLOCK_TICKS = 100;

async function pssKiB(pid: number): Promise<number> {
  const text = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8').catch(() => '');
  return Number(/^Pss:\s+(\d+)/m.exec(text)?.[1] ?? 0);
}

/** CPU ticks of a process's main thread only (its other threads: GC helpers, libuv's pool). */
async function mainThreadTicks(pid: number): Promise<number> {
  const text = await readFile(`/proc/${pid}/task/${pid}/stat`, 'utf8').catch(() => '');
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
}

async function cpuTicks(pid: number): Promise<number> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
}

/** `tg-lottery web` against the benchmark's database, as an operator runs it beside the supervisor. */
async function startWeb(databaseUrl: string): Promise<{ pid: number; close(): void }> {
  const port = await freePort();
  const bin = fileURLToPath(new URL('../bin/tg-lottery.mjs', import.meta.url));
  const child = spawn(process.execPath, [bin, 'web'], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      APP_SECRET: 'benchmark-app-secret',
      PORT: String(port),
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await until(async () => {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => null);
    return res !== null;
  }, 60_000);
  return { pid: child.pid!, close: () => child.kill('SIGTERM') };
}

/** BENCH_PROF=1: a CPU profile of this process (the supervisor) over the idle window; prints the top functions. */
async function profileSelf(): Promise<() => Promise<void>> {
  const { Session } = await import('node:inspector/promises');
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return async () => {
    const { profile } = await session.post('Profiler.stop');
    const self = new Map<string, number>();
    const dt = profile.timeDeltas ?? [];
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    (profile.samples ?? []).forEach((id, i) => {
      const n = byId.get(id)!;
      const key = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').slice(-2).join('/')}:${n.callFrame.lineNumber}`;
      self.set(key, (self.get(key) ?? 0) + (dt[i] ?? 0));
    });
    const top = [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, 25);
    for (const [k, us] of top) console.log(`  ${(us / 1000).toFixed(0).padStart(6)} ms  ${k}`);
    session.disconnect();
  };
}

/** The host entry with extra node flags: a CPU profile (BENCH_HOST_PROF) and BENCH_HOST_ARGS (e.g. --trace-gc). */
async function benchHostEntry() {
  const entry = await prepareHostEntry(logger);
  const dir = process.env.BENCH_HOST_PROF;
  const extra = (process.env.BENCH_HOST_ARGS ?? '').split(' ').filter(Boolean);
  return {
    entry: entry.entry,
    execArgv: [...entry.execArgv, ...(dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : []), ...extra],
  };
}

interface Scenario {
  label: string;
  tenants: number;
  placement: Partial<PlacementPolicy>;
}

async function scenario(adminUrl: string, sandbox: Sandbox, s: Scenario, run: number): Promise<string> {
  const name = `tgl_bench_hosts_${run}`;
  const db = await freshDatabase(adminUrl, name);
  const sql = sqlFromOrm(db.orm);
  // Tenants and their bots, written in bulk.
  const { tenantIds: ids, bots } = await tenantsWithBots(sql, sandbox, s.tenants, `h${run}_`);
  const web = await startWeb(db.url);
  const t0 = performance.now();
  const supervisor = await startSupervisor({
    logger,
    databaseUrl: db.url,
    sql: sqlFromOrm(db.orm),
    cipher,
    apiRoot: sandbox.apiRoot,
    checkIntervalS: 30,
    stopTimeoutMs: 5000,
    adminUrl: 'http://127.0.0.1:8080',
    placement: s.placement,
    // BENCH_HOST_PROF=<dir>: every bot host writes a CPU profile there when it exits.
    ...(process.env.BENCH_HOST_PROF || process.env.BENCH_HOST_ARGS
      ? { hostEntry: await benchHostEntry() }
      : {}),
  });
  try {
    await until(async () => {
      const all = Object.values(supervisor.store.getSnapshot().context.tenants);
      return all.length === s.tenants && all.every((t) => t.state === 'running');
    }, 600_000);
    const allRunningS = (performance.now() - t0) / 1000;
    // Idle means after the start's own work: every bot's first count sync (5 s after it polls) and its first
    // long poll's answer (the first getUpdates is a short poll), so the window holds the steady state only.
    await new Promise((r) => setTimeout(r, (LONG_POLL_S + 5) * 1000));
    const pids = () => [process.pid, web.pid, ...supervisor.hosts().map((h) => h.pid!)];
    const idleS = Number(process.env.BENCH_IDLE_S ?? 20);
    const before = await Promise.all(pids().map(cpuTicks));
    const hostPids = supervisor.hosts().map((h) => h.pid!);
    const mainBefore = await Promise.all(hostPids.map(mainThreadTicks));
    const w0 = performance.now();
    const monoStart = process.hrtime.bigint() / 1000n;
    const profile = process.env.BENCH_PROF ? await profileSelf() : undefined;
    await new Promise((r) => setTimeout(r, idleS * 1000));
    await profile?.();
    const after = await Promise.all(pids().map(cpuTicks));
    const mainAfter = await Promise.all(hostPids.map(mainThreadTicks));
    const seconds = (performance.now() - w0) / 1000;
    // The hosts' profiles (V8 timestamps are CLOCK_MONOTONIC µs, as hrtime): read the idle window alone.
    if (process.env.BENCH_HOST_PROF)
      console.log(`idle window (monotonic µs): ${monoStart}-${process.hrtime.bigint() / 1000n}`);
    const ticks = after.reduce((a, b) => a + b, 0) - before.reduce((a, b) => a + b, 0);
    const idleCpu = (ticks / CLOCK_TICKS / seconds) * 100;
    const share = (i: number) => (((after[i] ?? 0) - (before[i] ?? 0)) / CLOCK_TICKS / seconds) * 100;
    const hostsCpu = idleCpu - share(0) - share(1);
    const hostsMain =
      ((mainAfter.reduce((a, b) => a + b, 0) - mainBefore.reduce((a, b) => a + b, 0)) /
        CLOCK_TICKS /
        seconds) *
      100;
    const cpuSplit = `supervisor ${share(0).toFixed(1)}, web ${share(1).toFixed(1)}, hosts ${hostsCpu.toFixed(1)} (main threads ${hostsMain.toFixed(1)})`;
    const pssMiB = (await Promise.all(pids().map(pssKiB))).reduce((a, b) => a + b, 0) / 1024;
    const [conns] = await sql.query<{ n: string }>(
      'select count(*) as n from pg_stat_activity where datname = current_database()',
    );
    // Reaction: one tenant's token change while the others run.
    const first = String(ids[0]!);
    const spare = await sandbox.client.createBot({ username: `h${run}_spare_bot` });
    const tokens = [spare.token, bots[0]!.token];
    const samples: number[] = [];
    for (let i = 0; i < 20; i++) {
      await new Promise((r) => setTimeout(r, 500));
      const was = runOf(supervisor, first);
      const r0 = performance.now();
      await sql.query('update bot_configs set token_encrypted = ?, bot_id = null where tenant_id = ?', [
        cipher.encrypt(tokens[i % 2]!),
        ids[0]!,
      ]);
      await waitRunning(supervisor, first, was);
      samples.push(performance.now() - r0);
    }
    samples.sort((a, b) => a - b);
    // Joins on one bot (the second tenant) while every other bot idles.
    const joinTenant = ids[1]!;
    const joinBot = bots[1]!;
    const { id: channel } = await sandbox.client.createChat({ type: 'channel', title: `Hosts ${run}` });
    await sandbox.client.setMember(channel, { user_id: joinBot.id, status: 'administrator' });
    await until(async () => (await sql.query('select 1 from chats where chat_id = ?', [channel])).length > 0);
    const joiners = await users(sandbox, 2000, `hj${run}_`);
    const { lottery, messageId } = await publish(sql, joinTenant, channel, 1);
    const joined = await pressAll(
      sandbox,
      joiners,
      { chatId: channel, messageId, lotteryId: lottery.id },
      { concurrency: 100 },
    );
    const [stored] = await sql.query<{ n: string }>(
      'select count(*) as n from entries where lottery_id = ?',
      [lottery.id],
    );
    const hosts = supervisor.hosts();
    return (
      `${s.label}: ${hosts.length} hosts; all running in ${allRunningS.toFixed(1)} s; ` +
      `PSS ${pssMiB.toFixed(0)} MiB (supervisor + ${hosts.length} hosts + web); ` +
      `idle CPU ${idleCpu.toFixed(1)} % of a core over ${idleS} s (${cpuSplit}); ` +
      `NOTIFY→ready p50 ${percentile(samples, 50).toFixed(0)} ms, p99 ${percentile(samples, 99).toFixed(0)} ms; ` +
      `PostgreSQL connections ${conns?.n}; ` +
      `joins on one bot ${(joiners.length / joined.seconds).toFixed(0)}/s (answer p99 ${percentile(joined.latencies, 99).toFixed(0)} ms, stored ${stored?.n}/${joiners.length}, not joined ${joined.notJoined})`
    );
  } finally {
    await supervisor.shutdown();
    web.close();
    await db.close();
  }
}

export async function main(): Promise<void> {
  const list = (process.env.BENCH_HOSTS_TENANTS ?? '100,1000,3000').split(',').map(Number);
  // BENCH_HOSTS_BASELINE=0 leaves out the process-per-bot run (for a quicker look at the defaults).
  const baseline: Scenario[] =
    process.env.BENCH_HOSTS_BASELINE === '0'
      ? []
      : [
          {
            label: '100 tenants, a process per bot (BOTS_PER_HOST=1)',
            tenants: 100,
            placement: { botsPerHost: 1 },
          },
        ];
  const scenarios: Scenario[] = [
    ...baseline,
    ...list.map((n) => ({ label: `${n} tenants, defaults`, tenants: n, placement: {} })),
  ];
  const sandbox = await startSandboxProcess();
  try {
    await withServer(async (adminUrl) => {
      const admin = new URL(adminUrl);
      console.log(
        `conditions: ${cpus().length} cores, load average ${loadavg()
          .map((l) => l.toFixed(1))
          .join(' ')}, ` +
          `PostgreSQL at ${admin.hostname}:${admin.port}${process.env.DATABASE_URL ? ' (DATABASE_URL)' : ' (embedded)'}, ` +
          `fsync ${process.env.BENCH_FSYNC === 'off' ? 'off' : 'on'}`,
      );
      let run = 0;
      for (const s of scenarios) console.log(await scenario(adminUrl, sandbox, s, ++run));
    });
  } finally {
    sandbox.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await main();
}
