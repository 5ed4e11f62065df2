/**
 * The summary line: printed once a change has settled (no bot starting or restarting, no removed one
 * still listed), in the chosen language; deleted and disabled configs leave the counts. The first part
 * drives the status store directly (no processes); the last runs the supervisor with real bot processes.
 */
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log/logger.ts';
import { logMessages } from '../../src/log/messages.ts';
import { createSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { createStatusStore, type StatusPatch } from '../../src/supervisor/status-store.ts';
import { createSummary, settled } from '../../src/supervisor/summary.ts';
import { openTestDatabase } from '../helpers/db.ts';
import { makeOrganiser } from '../helpers/factories/index.ts';
import { type SupervisorHarness, setEnabled, startTestSupervisor } from '../helpers/supervisor.ts';
import { waitUntil } from '../helpers/wait.ts';

interface Line {
  msg: string;
  event?: string;
  counts?: Record<string, number>;
  tenant?: string;
}

function captureLogger() {
  const lines: Line[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Line);
      done();
    },
  });
  return { logger: createLogger({ level: 'info', pretty: false, destination }), lines };
}

const report = (store: ReturnType<typeof createStatusStore>, status: StatusPatch) =>
  store.trigger.report({ status: { tenantName: `t${status.tenantId}`, since: 0, ...status } });

describe('summary line (status store driven)', () => {
  function setup(expected: string[]) {
    const { logger, lines } = captureLogger();
    const store = createStatusStore();
    const ids = new Set(expected);
    const summary = createSummary({
      logger,
      store,
      expected: () => ids,
      configCount: () => ids.size,
      adminUrl: 'http://127.0.0.1:8080',
      checkIntervalS: 10,
      settleMaxMs: 3_600_000, // never reached here: the tests do not wait for time
    });
    const summaries = () => lines.filter((l) => l.event === 'summary').map((l) => l.msg);
    return { store, ids, summary, summaries };
  }

  it('waits while a bot is starting, then prints once "running: 1 bot"', () => {
    const { store, summary, summaries } = setup(['1']);
    summary.checked(true);
    expect(summaries()).toEqual([]); // nothing reported yet
    report(store, { tenantId: '1', state: 'starting' });
    expect(summaries()).toEqual([]);
    report(store, { tenantId: '1', state: 'running' });
    expect(summaries()).toEqual(['running: 1 bot | next check in 10 s']);
    report(store, { tenantId: '1', state: 'running', restarts: 0 });
    expect(summaries()).toHaveLength(1); // once per change
    summary.stop();
  });

  it('a bot stopped for a reason a person must act on is counted as stopped', () => {
    const { store, summary, summaries } = setup(['1', '2']);
    summary.checked(true);
    report(store, { tenantId: '1', state: 'running' });
    report(store, { tenantId: '2', state: 'restarting' });
    expect(summaries()).toEqual([]);
    report(store, { tenantId: '2', state: 'stopped', reason: 'crash-loop' });
    expect(summaries()).toEqual(['running: 1 bot, 1 stopped | next check in 10 s']);
    summary.stop();
  });

  it('a removed bot still listed (stopping) holds the line until it is dropped', () => {
    const { store, ids, summary, summaries } = setup(['1', '2']);
    report(store, { tenantId: '1', state: 'running' });
    report(store, { tenantId: '2', state: 'running' });
    ids.delete('2');
    summary.checked(true);
    expect(settled(store, ids)).toBe(false);
    expect(summaries()).toEqual([]);
    store.trigger.forget({ tenantId: '2' });
    expect(summaries()).toEqual(['running: 1 bot | next check in 10 s']);
    summary.stop();
  });

  it('without a change nothing is repeated within the repeat interval', () => {
    const { store, summary, summaries } = setup(['1']);
    report(store, { tenantId: '1', state: 'running' });
    summary.checked(true);
    summary.checked(false);
    summary.checked(false);
    expect(summaries()).toHaveLength(1);
    summary.stop();
  });

  it('no config at all: the "configure a token" line', () => {
    const { summary, summaries } = setup([]);
    summary.checked(false);
    expect(summaries()).toEqual([
      'no active bot config yet — configure a token at http://127.0.0.1:8080; checking again in 10 s',
    ]);
    summary.stop();
  });

  it('a node that runs no bot while other nodes run the configured ones says so, not "configure a token"', () => {
    const { logger, lines } = captureLogger();
    const summary = createSummary({
      logger,
      store: createStatusStore(),
      expected: () => new Set(),
      configCount: () => 0,
      clusterConfigCount: () => 6,
      adminUrl: 'http://127.0.0.1:8080',
      checkIntervalS: 10,
      settleMaxMs: 3_600_000,
    });
    summary.checked(true);
    expect(lines.filter((l) => l.event === 'summary').map((l) => l.msg)).toEqual([
      'this node runs no bot now: the 6 configured run on the other nodes; checking again in 10 s',
    ]);
    summary.stop();
  });

  it('a node alone that has not taken its leases yet says neither (its bots are about to start)', () => {
    const { logger, lines } = captureLogger();
    const summary = createSummary({
      logger,
      store: createStatusStore(),
      expected: () => new Set(),
      configCount: () => 0,
      clusterConfigCount: () => 6,
      othersLive: () => false,
      adminUrl: 'http://127.0.0.1:8080',
      checkIntervalS: 10,
      settleMaxMs: 3_600_000,
    });
    summary.checked(true);
    expect(lines.filter((l) => l.event === 'summary')).toEqual([]);
    summary.stop();
  });

  it('the summary sentence in Chinese', () => {
    const zh = logMessages('zh-CN').supervisor;
    expect(zh.summary({ running: 3, starting: 1, stopped: 2, checkIntervalS: 10 })).toBe(
      '运行中：3 个机器人（1 个启动中），2 个已停止 | 10 秒后再次检查',
    );
    expect(zh.noConfig('http://127.0.0.1:8080', 10)).toBe(
      '尚无启用的机器人配置 — 请在 http://127.0.0.1:8080 配置令牌；10 秒后再次检查',
    );
    expect(
      logMessages('en').supervisor.summary({ running: 1, starting: 0, stopped: 0, checkIntervalS: 5 }),
    ).toBe('running: 1 bot | next check in 5 s');
    expect(
      logMessages('en').supervisor.summary({
        running: 2,
        starting: 1,
        restarting: 3,
        stopped: 0,
        checkIntervalS: 5,
      }),
    ).toBe('running: 2 bots (1 starting, 3 restarting) | next check in 5 s');
    expect(zh.summary({ running: 2, starting: 0, restarting: 1, stopped: 0, checkIntervalS: 5 })).toBe(
      '运行中：2 个机器人（1 个重启中） | 5 秒后再次检查',
    );
  });
});

describe('summary line and counts with real bot processes', () => {
  // Each test has a supervisor, database and sandbox of its own, and starts the bots it needs.
  let db: Awaited<ReturnType<typeof openTestDatabase>>;
  let sandbox: Sandbox;
  let h: SupervisorHarness;
  let captured: ReturnType<typeof captureLogger>;
  const summaries = () => captured.lines.filter((l) => l.event === 'summary');

  beforeEach(async () => {
    captured = captureLogger();
    db = await openTestDatabase();
    sandbox = await createSandbox();
    h = await startTestSupervisor(db, sandbox, { logger: captured.logger });
  });

  afterEach(async () => {
    await h?.supervisor.shutdown();
    await sandbox?.close();
    await db?.drop();
  });

  /** A tenant named `name` whose bot `<bot>` runs, once the summary counts it. */
  async function running(name: string, bot: string, count: number): Promise<number> {
    const made = await sandbox.client.createBot({ username: bot });
    const { tenantId } = await makeOrganiser(db, { username: name, bot: { token: made.token } });
    await h.waitFor(tenantId, (s) => s.state === 'running', 'running');
    await waitUntil(
      () => summaries().find((l) => l.counts?.running === count),
      `a summary with ${count} bots`,
    );
    return tenantId;
  }

  it('a new config: the summary comes after the bot is ready, never "(1 starting)"', async () => {
    const bot = await sandbox.client.createBot({ username: 'sum_alpha_bot' });
    const alpha = (await makeOrganiser(db, { username: 'alpha', bot: { token: bot.token } })).tenantId;
    await h.waitFor(alpha, (s) => s.state === 'running', 'running');
    const line = await waitUntil(
      () => summaries().find((l) => l.counts?.running === 1),
      'a summary with one running bot',
    );
    expect(line.msg).toBe('running: 1 bot | next check in 30 s');
    const started = captured.lines.findIndex((l) => l.msg === '[alpha] bot started as @sum_alpha_bot');
    expect(started).toBeGreaterThanOrEqual(0);
    expect(captured.lines.indexOf(line)).toBeGreaterThan(started);
    for (const s of summaries()) expect(s.msg).not.toMatch(/starting/);
  });

  it('a disabled config leaves the live counts; bot_status keeps "stopped, disabled" for the panel', async () => {
    await running('alpha', 'sum_alpha_bot', 1);
    const bot = await sandbox.client.createBot({ username: 'sum_beta_bot' });
    const beta = (await makeOrganiser(db, { username: 'beta', bot: { token: bot.token } })).tenantId;
    await h.waitFor(beta, (s) => s.state === 'running', 'running');
    await waitUntil(() => summaries().find((l) => l.counts?.running === 2), 'a summary with two bots');
    const before = summaries().length;
    await setEnabled(db, beta, false);
    await waitUntil(() => h.status(beta) === undefined, 'beta dropped from the live status');
    const after = await waitUntil(
      () =>
        summaries()
          .slice(before)
          .find((l) => l.counts?.running === 1),
      'a summary with one bot again',
    );
    expect(after.counts?.stopped).toBe(0);
    await h.supervisor.flushStatus();
    const [row] = await db.orm.em
      .getConnection()
      .execute<{ state: string; reason: string }[]>(
        'select state, reason from bot_status where tenant_id = ?',
        [beta],
      );
    expect(row).toEqual({ state: 'stopped', reason: 'disabled' });
  });

  it('a deleted tenant is not counted as stopped forever', async () => {
    const alpha = await running('alpha', 'sum_alpha_bot', 1);
    const before = summaries().length;
    await db.orm.em.getConnection().execute('delete from tenants where id = ?', [alpha]);
    await waitUntil(() => h.status(alpha) === undefined, 'alpha dropped from the live status');
    const line = await waitUntil(
      () =>
        summaries()
          .slice(before)
          .find((l) => l.msg.startsWith('no active bot config yet')),
      'the "no config" summary after the deletion',
    );
    expect(line.msg).not.toMatch(/stopped/);
    expect(Object.keys(h.supervisor.store.getSnapshot().context.tenants)).toEqual([]);
  });
});
