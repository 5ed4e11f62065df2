/**
 * What the benchmarks share: a Bot API sandbox in its own process (so CPU figures are the measured
 * process's alone), a PostgreSQL server (`DATABASE_URL`, else an embedded one in a temporary folder),
 * fresh migrated databases, percentiles, and waiting for a tenant's bot to run.
 */
import { spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { openDatabase } from '../src/db/database.ts';
import { freePort, startEmbeddedPostgres } from '../src/db/embedded.ts';
import type { Sql } from '../src/db/sql.ts';
import { createLogger } from '../src/log/logger.ts';
import { SandboxClient } from '../src/sandbox/index.ts';
import { createTokenCipher } from '../src/security/token-cipher.ts';
import type { Supervisor } from '../src/supervisor/runtime.ts';

export const logger = createLogger({ level: 'silent', pretty: false });

/** The sandbox runs in its own process, so the CPU figures are the supervisor's alone. */
export interface Sandbox {
  apiRoot: string;
  client: SandboxClient;
  close(): void;
}

export async function startSandboxProcess(): Promise<Sandbox> {
  const port = await freePort();
  const bin = fileURLToPath(new URL('../bin/tg-lottery.mjs', import.meta.url));
  const child = spawn(process.execPath, [bin, 'sandbox', '--port', String(port)], {
    env: { ...process.env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('sandbox ready')) resolve();
    });
    child.once('exit', () => reject(new Error(`the sandbox exited: ${out}`)));
  });
  const apiRoot = `http://127.0.0.1:${port}`;
  return { apiRoot, client: new SandboxClient(apiRoot), close: () => child.kill('SIGKILL') };
}
export const cipher = createTokenCipher('benchmark-app-secret');

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

export async function rssKiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
}

/** Linux's unit for CPU times in /proc/<pid>/stat: 1/100 s. */
const USER_HZ = 100;

/** utime + stime of a process (Linux /proc/<pid>/stat), in seconds. */
export async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / USER_HZ;
}

/** Resident and proportional set size of a process (Linux /proc), in KiB; NaN when unreadable. */
export async function memoryKiB(pid: number): Promise<{ rss: number; pss: number }> {
  const rollup = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8').catch(() => '');
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return {
    rss: Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN),
    pss: Number(/^Pss:\s+(\d+)/m.exec(rollup)?.[1] ?? Number.NaN),
  };
}

/**
 * Run `run` against a PostgreSQL server: `DATABASE_URL` when set, else a fresh embedded server with the
 * product's own durability (fsync and synchronous commit on). `BENCH_FSYNC=off` turns fsync off for a
 * quicker run; every benchmark prints the fsync setting it ran with, so such figures are labelled.
 */
export async function withServer<T>(run: (adminUrl: string) => Promise<T>): Promise<T> {
  if (process.env.DATABASE_URL) return run(process.env.DATABASE_URL);
  const dir = await mkdtemp(join(tmpdir(), 'tgl-bench-'));
  await chmod(dir, 0o755);
  const settings: Record<string, string> = process.env.BENCH_FSYNC === 'off' ? { fsync: 'off' } : {};
  if (process.env.BENCH_FSYNC === 'off')
    console.log('!! BENCH_FSYNC=off: fsync is off, figures are not what users get');
  const server = await startEmbeddedPostgres({ dataDir: dir, logger, settings });
  try {
    return await run(server.adminUrl);
  } finally {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The conditions a figure is measured under, as one line: the PostgreSQL server (version, DATABASE_URL or
 * embedded, fsync and synchronous_commit as the server reports them) and the machine (CPUs, load average).
 */
export async function conditionsOf(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ version: string; fsync: string; sync: string }>(
      "select current_setting('server_version') as version, current_setting('fsync') as fsync, " +
        "current_setting('synchronous_commit') as sync",
    );
    const row = rows[0];
    const load = loadavg()
      .map((l) => l.toFixed(2))
      .join(' ');
    const where = process.env.DATABASE_URL ? `DATABASE_URL (${new URL(url).host})` : 'embedded';
    return (
      `PostgreSQL ${row?.version} ${where}, fsync ${row?.fsync}, synchronous_commit ${row?.sync}; ` +
      `${cpus().length} CPUs, load ${load}`
    );
  } finally {
    await client.end();
  }
}

export async function freshDatabase(adminUrl: string, name: string) {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`drop database if exists ${name} with (force)`);
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return openDatabase({ databaseUrl: url.toString(), dataDir: '/nonexistent' }, logger);
}

/**
 * Resolves with the pid once the tenant's bot is running in a run other than `notRun` (a run = the pid of
 * its bot host and its restart count: a restart inside a shared host keeps the pid).
 */
export function waitRunning(
  supervisor: Supervisor,
  tenantId: string,
  notRun: { pid: number; restarts: number } | number | null,
): Promise<number> {
  const not = typeof notRun === 'number' ? { pid: notRun, restarts: -1 } : notRun;
  return new Promise((resolve) => {
    const check = () => {
      const s = supervisor.store.getSnapshot().context.tenants[tenantId];
      const same = not !== null && s?.pid === not.pid && (not.restarts < 0 || s.restarts === not.restarts);
      if (s?.state === 'running' && s.pid !== null && !same) {
        sub.unsubscribe();
        resolve(s.pid);
        return true;
      }
      return false;
    };
    const sub = supervisor.store.subscribe(() => void check());
    check();
  });
}

/** The current run of a tenant's bot (see waitRunning). */
export function runOf(supervisor: Supervisor, tenantId: string): { pid: number; restarts: number } | null {
  const s = supervisor.store.getSnapshot().context.tenants[tenantId];
  return s?.pid ? { pid: s.pid, restarts: s.restarts } : null;
}

/**
 * `count` tenants, each with a sandbox bot and its bot config (token sealed with {@link cipher}), written in
 * bulk. `prefix` makes the usernames unique per run. @returns the tenant ids and their bots, in one order
 */
export async function tenantsWithBots(
  sql: Sql,
  sandbox: Sandbox,
  count: number,
  prefix: string,
): Promise<{ tenantIds: number[]; bots: Array<{ id: number; token: string; username: string }> }> {
  const { bots } = await sandbox.client.createBots({ count, username_prefix: prefix });
  const ids = await sql.query<{ id: number }>(
    `insert into tenants (username, password_hash)
       select ? || g, 'x' from generate_series(1, ?) g returning id`,
    [prefix, count],
  );
  await sql.query(
    `insert into bot_configs (tenant_id, token_encrypted, bot_id, bot_username)
       select * from unnest(?::int[], ?::text[], ?::bigint[], ?::text[])`,
    [
      ids.map((r) => r.id),
      bots.map((b) => cipher.encrypt(b.token)),
      bots.map((b) => b.id),
      bots.map((b) => b.username),
    ],
  );
  return { tenantIds: ids.map((r) => r.id), bots };
}
