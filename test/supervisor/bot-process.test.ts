/**
 * The bot process actor with real child processes against the Bot API sandbox: readiness, heartbeats,
 * graceful stop, the token kept out of argv/env, and the fatal reasons 401 and 409 (F1, F2, F3, F4).
 */
import type { ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type AnyActorRef, createActor, setup } from 'xstate';
import { createSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { type BotProcessEvent, createBotProcessActor } from '../../src/supervisor/bot-process.ts';
import { type ChildPool, createChildPool, prepareChildEntry } from '../../src/supervisor/child-pool.ts';
import { testLogger } from '../helpers/db.ts';

let sandbox: Sandbox;
let pool: ChildPool;
beforeAll(async () => {
  sandbox = await createSandbox();
  pool = createChildPool(await prepareChildEntry(testLogger()));
});
afterAll(async () => {
  pool.close();
  await sandbox.close();
});

interface Harness {
  events: BotProcessEvent[];
  child: () => ChildProcess | undefined;
  send: (event: { type: 'STOP' } | { type: 'KILL' }) => void;
  next: (type: BotProcessEvent['type'], timeoutMs?: number) => Promise<BotProcessEvent>;
  stop: () => void;
}

const running: Harness[] = [];
afterEach(() => {
  for (const h of running.splice(0)) h.stop();
});

function startBot(token: string, tenantName = 'Acme Giveaways'): Harness {
  let spawned: ChildProcess | undefined;
  const events: BotProcessEvent[] = [];
  const waiters = new Set<() => void>();
  const logic = createBotProcessActor({
    logger: testLogger(),
    resolveStart: () => ({ token, tenantName }),
    apiRoot: sandbox.apiRoot,
    heartbeatMs: 100,
    stopTimeoutMs: 3000,
    pool,
    onSpawn: (_id, child) => {
      spawned = child;
    },
  });
  const parent = setup({ actors: { bot: logic } }).createMachine({
    invoke: {
      id: 'bot',
      src: 'bot',
      input: { tenantId: '1', configHash: 'h', incarnation: 1, isolated: false },
    },
    on: {
      '*': {
        actions: ({ event }) => {
          events.push(event as BotProcessEvent);
          for (const w of waiters) w();
        },
      },
    },
  });
  const actor = createActor(parent);
  actor.start();
  const harness: Harness = {
    events,
    child: () => spawned,
    send: (event) => (actor.getSnapshot().children.bot as AnyActorRef | undefined)?.send(event),
    next: (type, timeoutMs = 15_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no ${type}; got ${JSON.stringify(events)}`)),
          timeoutMs,
        );
        const check = () => {
          const found = events.find((e) => e.type === type);
          if (found) {
            clearTimeout(timer);
            waiters.delete(check);
            resolve(found);
          }
        };
        waiters.add(check);
        check();
      }),
    stop: () => actor.stop(),
  };
  running.push(harness);
  return harness;
}

describe('bot process actor', () => {
  it('reports ready with the bot username, then heartbeats with the last poll time, and stops with exit 0', async () => {
    const bot = await sandbox.client.createBot({ username: 'acme_bot' });
    const h = startBot(bot.token);
    const ready = await h.next('CHILD.READY');
    expect(ready).toMatchObject({ type: 'CHILD.READY', botUsername: 'acme_bot' });
    expect((ready as { pid: number }).pid).toBe(h.child()?.pid);
    const heartbeat = await h.next('CHILD.HEARTBEAT');
    expect((heartbeat as { lastPollAt: number }).lastPollAt).toBeGreaterThan(0);

    h.send({ type: 'STOP' });
    const exit = await h.next('CHILD.EXIT');
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect((exit as { fatal?: unknown }).fatal).toBeUndefined();
  });

  it('keeps the token out of the child process arguments and environment', async () => {
    const bot = await sandbox.client.createBot({ username: 'secret_bot' });
    const h = startBot(bot.token);
    await h.next('CHILD.READY');
    const pid = h.child()!.pid!;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8');
    const environ = await readFile(`/proc/${pid}/environ`, 'utf8');
    const secretHalf = bot.token.split(':')[1]!;
    expect(cmdline).not.toContain(secretHalf);
    expect(environ).not.toContain(secretHalf);
  });

  it('reports 401 as fatal unauthorized with exit code 3 when the token is revoked (F3)', async () => {
    const bot = await sandbox.client.createBot({ username: 'revoked_bot' });
    await sandbox.client.revokeBot(bot.id);
    const h = startBot(bot.token);
    const exit = await h.next('CHILD.EXIT');
    expect(exit).toMatchObject({ code: 3, fatal: { kind: 'unauthorized', errorCode: 401 } });
  });

  it('reports a revoked token while polling as fatal unauthorized (F3)', async () => {
    const bot = await sandbox.client.createBot({ username: 'later_revoked_bot' });
    const h = startBot(bot.token);
    await h.next('CHILD.READY');
    await sandbox.client.revokeBot(bot.id);
    const exit = await h.next('CHILD.EXIT');
    expect(exit).toMatchObject({ code: 3, fatal: { kind: 'unauthorized', errorCode: 401 } });
  });

  it('reports 409 as fatal conflict with exit code 4 when a second poller takes the token (F1)', async () => {
    const bot = await sandbox.client.createBot({ username: 'twice_bot' });
    const first = startBot(bot.token);
    await first.next('CHILD.READY');
    const second = startBot(bot.token);
    // The older long poll is the one answered 409, as Telegram does.
    const exit = await first.next('CHILD.EXIT');
    expect(exit).toMatchObject({ code: 4, fatal: { kind: 'conflict', errorCode: 409 } });
    second.send({ type: 'STOP' });
    await second.next('CHILD.EXIT');
  });

  it('stops cleanly when asked to stop before it is ready (F4)', async () => {
    const bot = await sandbox.client.createBot({ username: 'early_stop_bot' });
    await sandbox.client.addFault({ token: bot.token, method: 'getMe', hang_ms: 1000, times: 1 });
    const h = startBot(bot.token);
    h.send({ type: 'STOP' });
    const exit = await h.next('CHILD.EXIT');
    expect(exit).toMatchObject({ code: 0, signal: null });
    expect(h.events.some((e) => e.type === 'CHILD.READY')).toBe(false);
  });

  it('reports SIGKILL as an exit by signal with no fatal reason', async () => {
    const bot = await sandbox.client.createBot({ username: 'killed_bot' });
    const h = startBot(bot.token);
    await h.next('CHILD.READY');
    h.send({ type: 'KILL' });
    const exit = await h.next('CHILD.EXIT');
    expect(exit).toMatchObject({ code: null, signal: 'SIGKILL' });
  });

  it('F5: a graceful stop confirms the offset, and updates sent while no bot runs are not dropped', async () => {
    const bot = await sandbox.client.createBot({ username: 'offset_bot' });
    const user = await sandbox.client.createUser({ first_name: 'Ada' });
    const botReplies = async () =>
      (await sandbox.client.privateMessages(bot.id, user.id)).messages.filter((m) => m.sender.type === 'bot');
    const waitForReplies = async (count: number) => {
      let { version } = await sandbox.client.overview();
      while ((await botReplies()).length < count)
        ({ version } = await sandbox.client.waitForChange(version, 5000));
    };

    const first = startBot(bot.token);
    await first.next('CHILD.READY');
    await sandbox.client.start(user.id, bot.id);
    await waitForReplies(1);
    first.send({ type: 'STOP' });
    expect(await first.next('CHILD.EXIT')).toMatchObject({ code: 0 });

    // Sent while no bot process runs: must reach the next one (no drop_pending_updates).
    await sandbox.client.start(user.id, bot.id, 'while_down');
    const second = startBot(bot.token);
    await second.next('CHILD.READY');
    await waitForReplies(2);
    // The update handled before the stop was confirmed, so it is not handled a second time.
    second.send({ type: 'STOP' });
    await second.next('CHILD.EXIT');
    expect(await botReplies()).toHaveLength(2);
  });
});
