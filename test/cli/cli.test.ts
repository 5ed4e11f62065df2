import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, readdir, rm } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/db/embedded.ts';
import { killAllClis, runCli } from '../helpers/cli.ts';

// A test that fails half-way must not leave a supervisor (and its bots) running.
afterEach(() => killAllClis());

/** Every process started as `postgres -D <dataDir>`: the postmaster, and children it forked a moment ago. */
function postgresProcessesFor(dataDir: string): string[] {
  const out = execFileSync('ps', ['-eo', 'pid,ppid,args'], { encoding: 'utf8' });
  return out.split('\n').filter((line) => line.includes(`postgres -D ${dataDir}`));
}

/**
 * The postmasters of `dataDir`: a child the postmaster just forked shows the same command line until it
 * retitles itself (PostgreSQL's set_ps_display), so the postmaster is the one whose parent is not one of them.
 */
function postmastersFor(dataDir: string): string[] {
  const rows = postgresProcessesFor(dataDir).map((line) => line.trim().split(/\s+/));
  const pids = new Set(rows.map((r) => r[0]));
  return rows.filter((r) => !pids.has(r[1])).map((r) => r.join(' '));
}

describe('tg-lottery CLI', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'tgl-cli-'));
    await chmod(dataDir, 0o755);
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('--help lists the commands', async () => {
    const cli = runCli(['--help'], {});
    expect(await cli.exited).toBe(0);
    expect(cli.output()).toMatch(/start/);
    expect(cli.output()).toMatch(/migrate/);
  });

  it('exits 2 with one line naming a bad variable, its problem and an example', async () => {
    const cli = runCli(['migrate'], { PORT: 'eighty', DATA_DIR: dataDir });
    expect(await cli.exited).toBe(2);
    expect(cli.output().trim()).toBe(
      'tg-lottery: invalid configuration: PORT: is not a number ("eighty") (example: PORT=8080)',
    );
  });

  it('demo with its sandbox port taken says which flag picks another, and starts nothing', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as AddressInfo).port;
    try {
      const cli = runCli(['demo', '--sandbox-port', String(port)], {
        DATA_DIR: dataDir,
        PORT: String(await freePort()),
      });
      expect(await cli.exited).not.toBe(0);
      expect(cli.output()).toMatch(
        new RegExp(`127\\.0\\.0\\.1:${port} \\(the port is in use\\).*--sandbox-port`),
      );
    } finally {
      taken.close();
    }
  });

  it('start on the embedded database serves /healthz, and SIGINT stops everything within 5 s', async () => {
    const port = await freePort();
    const cli = runCli(['start'], {
      DATA_DIR: dataDir,
      PORT: String(port),
      SUPERVISOR_PORT: '0',
      DATABASE_URL: '',
      LOG_LEVEL: 'info',
    });
    try {
      await cli.waitFor(/admin web listening/, 60_000);
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(health.status).toBe(200);
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
      expect(ready.status).toBe(200);
      expect(postmastersFor(dataDir)).toHaveLength(1);

      const stopAsked = Date.now();
      cli.child.kill('SIGINT');
      expect(await cli.exited).toBe(0);
      expect(Date.now() - stopAsked).toBeLessThan(5000);
      expect(postgresProcessesFor(dataDir)).toEqual([]);
      expect(await readdir(dataDir)).not.toContain('tg-lottery.lock');
    } finally {
      cli.child.kill('SIGKILL');
    }
  });

  it('SIGINT during start-up stops what has started: no postgres left, no lock left', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tgl-cli-early-'));
    await chmod(dir, 0o755);
    const cli = runCli(['start'], { DATA_DIR: dir, PORT: '0', SUPERVISOR_PORT: '0', DATABASE_URL: '' });
    try {
      await cli.waitFor(/embedded PostgreSQL is running/, 60_000);
      cli.child.kill('SIGINT');
      expect(await cli.exited).toBe(0);
      expect(postgresProcessesFor(dir)).toEqual([]);
      expect(await readdir(dir)).not.toContain('tg-lottery.lock');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('migrate applies nothing the second time', async () => {
    const first = runCli(['migrate'], { DATA_DIR: dataDir, DATABASE_URL: '', LOG_LEVEL: 'info' });
    expect(await first.exited).toBe(0);
    expect(first.output()).toMatch(/up to date|applied/);
    const second = runCli(['migrate'], { DATA_DIR: dataDir, DATABASE_URL: '', LOG_LEVEL: 'info' });
    expect(await second.exited).toBe(0);
    expect(second.output()).toMatch(/up to date; nothing to apply/);
  });
});
