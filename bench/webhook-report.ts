/**
 * The webhook bench's measuring and formatting: PSS, CPU ticks and child processes from /proc, the bot
 * hosts' settled memory, CPU per process over a window, and the number formats of the printed lines.
 */
import { readFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import type { Supervisor } from '../src/supervisor/runtime.ts';
import { percentile } from './common.ts';
import type { World } from './webhook-world.ts';

const CLOCK_TICKS = 100;

async function pssKiB(pid: number): Promise<number> {
  const text = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8').catch(() => '');
  return Number(/^Pss:\s+(\d+)/m.exec(text)?.[1] ?? Number.NaN);
}

async function cpuTicks(pid: number): Promise<number> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11] ?? 0) + Number(fields[12] ?? 0);
}

/** Busy and total ticks of the whole machine (/proc/stat). */
async function machineTicks(): Promise<{ busy: number; total: number }> {
  const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0]!;
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const total = v.reduce((a, b) => a + b, 0);
  const idle = (v[3] ?? 0) + (v[4] ?? 0);
  return { busy: total - idle, total };
}

/** This process's child processes (Linux /proc/<pid>/task/<tid>/children). */
async function childPids(): Promise<number[]> {
  const text = await readFile(`/proc/${process.pid}/task/${process.pid}/children`, 'utf8').catch(() => '');
  return text.split(/\s+/).filter(Boolean).map(Number);
}

async function cmdline(pid: number): Promise<string> {
  return (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).replaceAll('\0', ' ');
}

export interface HostsMemory {
  /** PSS summed over every bot host, KiB (median of samples). */
  totalKiB: number;
  /** Each host: its bots and PSS (KiB), from the last sample. */
  hosts: Array<{ bots: number; pssKiB: number }>;
}

/** The hosts' PSS once settled: BENCH_WEBHOOK_SETTLE_S (default 8) after all are running, 3 samples 1 s apart. */
export async function settledHostsMemory(supervisor: Supervisor): Promise<HostsMemory> {
  await new Promise((r) => setTimeout(r, Number(process.env.BENCH_WEBHOOK_SETTLE_S ?? 8) * 1000));
  const totals: number[] = [];
  let hosts: HostsMemory['hosts'] = [];
  for (let i = 0; i < 3; i++) {
    if (i > 0) await new Promise((r) => setTimeout(r, 1000));
    const live = supervisor.hosts().filter((h) => h.pid !== null);
    hosts = await Promise.all(live.map(async (h) => ({ bots: h.bots, pssKiB: await pssKiB(h.pid!) })));
    totals.push(hosts.reduce((a, h) => a + h.pssKiB, 0));
  }
  totals.sort((a, b) => a - b);
  return { totalKiB: totals[1]!, hosts };
}

export const mb = (kib: number) => (kib / 1024).toFixed(0);
export const describeHosts = (m: HostsMemory) =>
  m.hosts.map((h) => `${h.bots} bots ${mb(h.pssKiB)} MiB`).join(', ');

/** CPU ticks of the processes that matter, and of the machine. */
export async function cpuSnapshot(world: World, pgPids: number[]) {
  const hosts = world.supervisor
    .hosts()
    .map((h) => h.pid)
    .filter((p): p is number => p !== null);
  const children = await childPids();
  const known = new Set([world.webPid, world.generator.pid, ...hosts]);
  const others: number[] = [];
  for (const pid of children)
    if (!known.has(pid) && (await cmdline(pid)).includes(' sandbox')) others.push(pid);
  const sum = async (pids: number[]) => (await Promise.all(pids.map(cpuTicks))).reduce((a, b) => a + b, 0);
  return {
    at: performance.now(),
    machine: await machineTicks(),
    bench: await cpuTicks(process.pid),
    generator: await cpuTicks(world.generator.pid),
    web: await cpuTicks(world.webPid),
    hosts: await sum(hosts),
    sandbox: await sum(others),
    postgres: await sum(pgPids),
  };
}

export function cpuLine(a: Awaited<ReturnType<typeof cpuSnapshot>>, b: typeof a): string {
  const s = (b.at - a.at) / 1000;
  const pct = (x: number, y: number) => (((y - x) / CLOCK_TICKS / s) * 100).toFixed(0);
  const machine = ((b.machine.busy - a.machine.busy) / Math.max(1, b.machine.total - a.machine.total)) * 100;
  return (
    `CPU % of a core: web ${pct(a.web, b.web)}, bot hosts ${pct(a.hosts, b.hosts)}, ` +
    `supervisor ${pct(a.bench, b.bench)}, PostgreSQL ${pct(a.postgres, b.postgres)}, sandbox ${pct(a.sandbox, b.sandbox)}, ` +
    `load generator ${pct(a.generator, b.generator)}; machine ${machine.toFixed(0)} % busy of ${cpus().length} cores`
  );
}

export const ms = (xs: number[], p: number) => percentile(xs, p).toFixed(1);
