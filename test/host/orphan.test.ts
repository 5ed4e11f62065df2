/**
 * A bot host whose supervisor is gone (the IPC channel closes: SIGKILL, a crash) ends by itself, within its
 * bots' stop deadline and a grace, even when its database went away at the same moment and whatever its
 * bots were doing never finishes, and even when nobody reads its log any more: it must not stay behind,
 * orphaned, holding memory and connections.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { prepareHostEntry } from '../../src/supervisor/host-entry.ts';
import { openTestDatabase, testLogger } from '../helpers/db.ts';
import { makeOrganiser } from '../helpers/factories/index.ts';
import { alive } from '../helpers/supervisor.ts';
import { waitUntil } from '../helpers/wait.ts';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await createSandbox();
});
afterAll(async () => {
  await sandbox.close();
});

/** A bot host as the supervisor forks it; its stdout ignored, or a pipe nobody reads. */
async function forkHost(stdout: 'ignore' | 'pipe'): Promise<ChildProcess> {
  const entry = await prepareHostEntry(testLogger());
  return fork(entry.entry, [], { execArgv: entry.execArgv, stdio: ['ignore', stdout, 'ignore', 'ipc'] });
}

/** Resolves at the host's first message of this type. */
function nextMessage(child: ChildProcess, type: string): Promise<void> {
  return new Promise<void>((resolve) =>
    child.on('message', (m: { type?: string }) => {
      if (m.type === type) resolve();
    }),
  );
}

describe('a bot host without its supervisor', () => {
  it.each(['polling', 'webhook'] as const)(
    'exits within the stop deadline and a grace when the supervisor and the database go at once (%s)',
    async (mode) => {
      const db = await openTestDatabase();
      const bot = await sandbox.client.createBot({ username: `orphan_${mode}_bot` });
      const { tenantId } = await makeOrganiser(db, { bot: { bot } });
      const child = await forkHost('ignore');
      try {
        const ready = nextMessage(child, 'bot-ready');
        child.send({
          type: 'init',
          hostId: 'orphan-test',
          databaseUrl: db.botUrl,
          poolMax: 2,
          heartbeatMs: 200,
          blockedLoopMs: 0,
          memoryBudgetMb: 0,
        });
        child.send({ type: 'lease', validUntil: Date.now() + 600_000 });
        child.send({
          type: 'start',
          tenantId: String(tenantId),
          incarnation: 1,
          tenantName: 'orphan',
          token: bot.token,
          apiRoot: sandbox.apiRoot,
          stopDeadlineMs: 1000,
          ...(mode === 'webhook'
            ? {
                updates: {
                  mode: 'webhook',
                  url: `http://127.0.0.1:9/telegram/webhook/${tenantId}/${bot.id}`,
                  secretToken: 'test-secret',
                  maxConnections: 1,
                },
              }
            : {}),
        });
        await ready;
        // The database goes (its connections are ended) as the supervisor does.
        await db.drop();
        child.send({ type: 'wake', tenantId: String(tenantId), what: 'updates' });
        child.send({ type: 'wake', tenantId: String(tenantId), what: 'outbox' });
        const gone = Date.now();
        child.disconnect();
        await waitUntil(() => child.pid !== undefined && !alive(child.pid), 'the host to exit', 15_000, 100);
        // Its bots' deadline (1 s) and the grace (3 s), with room for a loaded machine.
        expect(Date.now() - gone).toBeLessThan(10_000);
      } finally {
        if (child.pid && alive(child.pid)) child.kill('SIGKILL');
      }
    },
    30_000,
  );

  it('exits even when nobody reads its log any more (its stdout full)', async () => {
    // stdout is a pipe this test never reads: once it is full, every write would wait.
    const child = await forkHost('pipe');
    try {
      await new Promise<void>((resolve) => child.once('spawn', () => resolve()));
      // Each invalid message is a warn line: far more than a pipe holds.
      for (let i = 0; i < 3000; i++) child.send({ type: 'nonsense', filler: 'x'.repeat(200), i });
      // Messages are handled in order: its answer to an init comes after every line above was written.
      const ready = nextMessage(child, 'host-ready');
      child.send({
        type: 'init',
        hostId: 'quiet',
        poolMax: 1,
        heartbeatMs: 1000,
        blockedLoopMs: 0,
        memoryBudgetMb: 0,
      });
      await ready;
      const gone = Date.now();
      child.disconnect();
      await waitUntil(() => child.pid !== undefined && !alive(child.pid), 'the host to exit', 15_000, 100);
      expect(Date.now() - gone).toBeLessThan(10_000);
    } finally {
      if (child.pid && alive(child.pid)) child.kill('SIGKILL');
    }
  }, 30_000);
});
