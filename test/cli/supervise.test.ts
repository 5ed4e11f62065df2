/**
 * `tg-lottery supervise` as a real process: (6) SIGINT and SIGTERM stop every bot and exit 0 with no
 * child left; a SIGKILLed supervisor leaves no orphan (each bot process exits when its IPC channel closes).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/db/embedded.ts';
import { createSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { killAllClis, runCli } from '../helpers/cli.ts';
import { openTestDatabase } from '../helpers/db.ts';
import { makeOrganiser, TEST_SECRET } from '../helpers/factories/index.ts';
import { alive } from '../helpers/supervisor.ts';

// A test that fails half-way must not leave a supervisor (and its bots) running.
afterEach(() => killAllClis());

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await createSandbox();
});
afterAll(async () => {
  await sandbox.close();
});

async function superviseTwoBots(prefix: string) {
  const db = await openTestDatabase();
  const one = await sandbox.client.createBot({ username: `${prefix}_one_bot` });
  const two = await sandbox.client.createBot({ username: `${prefix}_two_bot` });
  await makeOrganiser(db, { username: `${prefix}-one`, bot: { token: one.token } });
  await makeOrganiser(db, { username: `${prefix}-two`, bot: { token: two.token } });
  const port = await freePort();
  const cli = runCli(['supervise'], {
    DATABASE_URL: db.url,
    APP_SECRET: TEST_SECRET,
    TELEGRAM_API_ROOT: sandbox.apiRoot,
    SUPERVISOR_PORT: String(port),
    LOG_LEVEL: 'info',
  });
  await cli.waitFor(new RegExp(`bot started as @${prefix}_one_bot`), 20_000);
  await cli.waitFor(new RegExp(`bot started as @${prefix}_two_bot`), 20_000);
  const status = (await (await fetch(`http://127.0.0.1:${port}/status`)).json()) as {
    counts: { running: number };
    tenants: Array<{ pid: number; state: string }>;
  };
  expect(status.counts.running).toBe(2);
  const pids = status.tenants.map((t) => t.pid);
  expect(pids.every(alive)).toBe(true);
  return { db, cli, pids, output: cli.output };
}

describe('tg-lottery supervise', () => {
  it.each(['SIGINT', 'SIGTERM'] as const)(
    '(6) %s stops every bot and exits 0 with no child left',
    async (signal) => {
      const { db, cli, pids } = await superviseTwoBots(signal.toLowerCase());
      try {
        cli.child.kill(signal);
        expect(await cli.exited).toBe(0);
        expect(pids.filter(alive)).toEqual([]);
        expect(cli.output()).toMatch(/supervisor stopped 2 bots/);
      } finally {
        cli.child.kill('SIGKILL');
        await db.drop();
      }
    },
  );

  it('a supervisor killed with SIGKILL leaves no orphaned bot process', async () => {
    const { db, cli, pids } = await superviseTwoBots('orphan');
    try {
      cli.child.kill('SIGKILL');
      await cli.exited;
      // Each bot process notices its IPC channel closed and exits on its own.
      await Promise.all(
        pids.map(
          (pid) =>
            new Promise<void>((resolve, reject) => {
              const deadline = Date.now() + 10_000;
              const check = () => {
                if (!alive(pid)) resolve();
                else if (Date.now() > deadline)
                  reject(new Error(`bot process ${pid} outlived its supervisor`));
                else setTimeout(check, 50);
              };
              check();
            }),
        ),
      );
    } finally {
      await db.drop();
    }
  });

  it('LOG_LANG=zh-CN: the sentences in Chinese, the JSON fields in English', async () => {
    const db = await openTestDatabase();
    const bot = await sandbox.client.createBot({ username: 'zh_one_bot' });
    await makeOrganiser(db, { username: 'zh-one', bot: { token: bot.token } });
    const cli = runCli(['supervise'], {
      DATABASE_URL: db.url,
      APP_SECRET: TEST_SECRET,
      TELEGRAM_API_ROOT: sandbox.apiRoot,
      SUPERVISOR_PORT: String(await freePort()),
      LOG_LEVEL: 'info',
      LOG_LANG: 'zh-CN',
    });
    try {
      await cli.waitFor(/\[zh-one\] 机器人已启动：@zh_one_bot/, 20_000);
      await cli.waitFor(/"event":"summary"[^\n]*运行中：1 个机器人/, 20_000);
      cli.child.kill('SIGINT');
      expect(await cli.exited).toBe(0);
      expect(cli.output()).toMatch(/监管进程已停止 1 个机器人：zh-one \(@zh_one_bot\)/);
      expect(cli.output()).toMatch(/"event":"started"/);
      expect(cli.output()).toMatch(/已正常停止/);
      expect(cli.output()).not.toContain('[object Object]');
    } finally {
      cli.child.kill('SIGKILL');
      await db.drop();
    }
  });
});
