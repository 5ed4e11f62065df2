/**
 * `tg-lottery start` with its embedded database, stopped the way a terminal and systemd stop it, while
 * a run of winner DMs is going out to the sandbox: a Ctrl+C (SIGINT to the whole process group) and
 * `KillMode=control-group` (SIGTERM to every process of the tree at the same moment). Either way the
 * process exits 0 with its "stopped cleanly" line, every DM Telegram received is recorded as sent, and
 * none is delivered twice.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/db/embedded.ts';
import { sqlFromPool } from '../../src/db/sql.ts';
import { enqueue } from '../../src/lottery/outbox.ts';
import { createSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { killAllClis, runCli } from '../helpers/cli.ts';
import { makeBotConfig, makeTenant, TEST_SECRET } from '../helpers/factories/index.ts';
import { waitUntil } from '../helpers/wait.ts';

afterEach(() => killAllClis());

const DMS = 300;

let sandbox: Sandbox;
let users: number[] = [];
beforeAll(async () => {
  sandbox = await createSandbox();
  await sandbox.client.setLimits({ botMessagesPerSecond: 30 });
  users = [];
  for (let i = 0; i < DMS; i += 50) {
    const made = await Promise.all(
      Array.from({ length: Math.min(50, DMS - i) }, (_, k) =>
        sandbox.client.createUser({ first_name: `Winner${i + k}` }),
      ),
    );
    users.push(...made.map((u) => u.id));
  }
}, 60_000);
afterAll(async () => {
  await sandbox.close();
});

/** Every process below `root` (children, grandchildren, ...), read from /proc. */
function descendants(root: number): number[] {
  const parentOf = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parentOf.set(Number(name), ppid);
    } catch {
      // gone meanwhile
    }
  }
  const found: number[] = [];
  const walk = (pid: number) => {
    for (const [child, parent] of parentOf) {
      if (parent === pid) {
        found.push(child);
        walk(child);
      }
    }
  };
  walk(root);
  return found;
}

/** Starts the platform on a fresh data directory, a bot of one tenant sending `DMS` winner DMs. */
async function platformSendingDms(name: string) {
  const dataDir = await mkdtemp(join(tmpdir(), `tgl-${name}-`));
  await chmod(dataDir, 0o711); // as root the server runs as "postgres", which must enter it
  const cli = runCli(
    ['start'],
    {
      DATABASE_URL: undefined,
      DATA_DIR: dataDir,
      APP_SECRET: TEST_SECRET,
      TELEGRAM_API_ROOT: sandbox.apiRoot,
      PORT: String(await freePort()),
      SUPERVISOR_PORT: String(await freePort()),
      LOG_LEVEL: 'info',
    },
    { detached: true },
  );
  await cli.waitFor(/supervisor started/, 90_000);
  const port = Number(/"port":(\d+)[^\n]*embedded PostgreSQL is running/.exec(cli.output())?.[1]);
  const password = (await readFile(join(dataDir, 'pg-password'), 'utf8')).trim();
  const url = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/tg_lottery`;
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  const sql = sqlFromPool(pool);
  const bot = await sandbox.client.createBot({ username: `${name}_bot` });
  const tenant = await makeTenant(sql, { username: name });
  for (const user of users) await sandbox.client.start(user, bot.id);
  await enqueue(
    sql,
    users.map((user, i) => ({
      tenantId: tenant.id,
      method: 'sendMessage',
      payload: { chat_id: user, text: `prize ${i}` },
      kind: 'winner-dm' as const,
    })),
  );
  await makeBotConfig(sql, { tenantId: tenant.id, bot });
  // Stop in the middle of the run: some DMs out, most still to go.
  await waitUntil(
    async () => {
      const [r] = await sql.query<{ n: string }>(
        `select count(*) as n from outbox_messages where kind = 'winner-dm' and status = 'sent'`,
      );
      return Number(r!.n) >= 40;
    },
    'the first winner DMs sent',
    60_000,
  );
  await pool.end();
  return { cli, bot, dataDir, url };
}

/** After the platform has exited: what Telegram received, and what the outbox recorded. */
async function deliveries(botId: number, dataDir: string) {
  const received = new Map<string, number>();
  for (const user of users) {
    const { messages } = await sandbox.client.privateMessages(botId, user);
    for (const m of messages) {
      const text = (m as { text?: string }).text ?? '';
      if (text.startsWith('prize ')) received.set(text, (received.get(text) ?? 0) + 1);
    }
  }
  // Open the data directory again to read the outbox as the platform left it.
  const { startEmbeddedPostgres } = await import('../../src/db/embedded.ts');
  const { testLogger } = await import('../helpers/db.ts');
  const db = await startEmbeddedPostgres({ dataDir, logger: testLogger() });
  try {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const rows = await client.query<{ text: string; status: string }>(
      `select payload->>'text' as text, status from outbox_messages where kind = 'winner-dm'`,
    );
    await client.end();
    return { received, rows: rows.rows };
  } finally {
    await db.stop();
  }
}

function expectDeliveredOnceAndRecorded(outcome: Awaited<ReturnType<typeof deliveries>>) {
  const twice = [...outcome.received].filter(([, n]) => n > 1);
  expect(twice, 'DMs delivered more than once').toEqual([]);
  const sent = new Set(outcome.rows.filter((r) => r.status === 'sent').map((r) => r.text));
  expect(sent.size).toBeGreaterThan(0);
  expect(sent.size).toBeLessThan(DMS);
  // every DM Telegram got is recorded as sent, and every row recorded as sent was received
  expect([...outcome.received.keys()].sort()).toEqual([...sent].sort());
  // a row still `sending` goes out at the next start: only rows claimed but never sent may be left so
  const sending = outcome.rows.filter((r) => r.status === 'sending').map((r) => r.text);
  expect(sending.filter((t) => outcome.received.has(t))).toEqual([]);
}

describe('tg-lottery start, stopped by a terminal or by systemd', () => {
  it('Ctrl+C (SIGINT to the process group) during a DM run: exit 0, stopped cleanly, no DM twice', async () => {
    const { cli, bot, dataDir } = await platformSendingDms('ctrlc');
    try {
      const pid = cli.child.pid!;
      // runCli spawns the CLI as the leader of its own process group, like a shell does for a job
      process.kill(-pid, 'SIGINT');
      expect(await cli.exited).toBe(0);
      expect(cli.output()).toMatch(/stopped cleanly/);
      expectDeliveredOnceAndRecorded(await deliveries(bot.id, dataDir));
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 180_000);

  it('KillMode=control-group (SIGTERM to every process at once): exit 0, stopped cleanly, no DM twice', async () => {
    const { cli, bot, dataDir } = await platformSendingDms('cgroup');
    try {
      const pid = cli.child.pid!;
      const all = [pid, ...descendants(pid)];
      expect(all.length).toBeGreaterThan(3); // tg-lottery, PostgreSQL and its workers, the bot, the spare
      for (const p of all) {
        try {
          process.kill(p, 'SIGTERM');
        } catch {
          // a short-lived process already gone
        }
      }
      expect(await cli.exited).toBe(0);
      expect(cli.output()).toMatch(/stopped cleanly/);
      // PostgreSQL's own processes take that SIGTERM too and end every session: tg-lottery starts the
      // server again for the rest of its shutdown, and the bot records the sends that were in flight.
      expect(cli.output()).toMatch(/embedded PostgreSQL exited .* starting it again/);
      expectDeliveredOnceAndRecorded(await deliveries(bot.id, dataDir));
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  }, 180_000);
});
