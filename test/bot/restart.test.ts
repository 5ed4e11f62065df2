/**
 * Nothing lost, nothing doubled across restarts: a drawer killed in the middle of a draw (the next one
 * draws it, once, with the same result a fair draw gives), a supervisor restarted in the middle of
 * sending the announcements (every DM arrives exactly once), and a manual draw racing the timer.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyProof } from '../../src/lottery/fairness/index.ts';
import { drawIfOpen, drawNow, listWinners, loadProof } from '../../src/lottery/index.ts';
import { makeEntries, person, TEST_SECRET } from '../helpers/factories/index.ts';
import { startTestSupervisor } from '../helpers/supervisor.ts';
import { waitUntil } from '../helpers/wait.ts';
import { type BotWorld, createBotWorld } from './world.ts';

let world: BotWorld;
beforeAll(async () => {
  world = await createBotWorld({ drawIntervalMs: 60_000 });
}, 60_000);
afterAll(async () => {
  await world?.close();
});

/** Joins users straight through the domain (the bot's join path is covered elsewhere). */
async function joinAll(lotteryId: number, userIds: number[]): Promise<void> {
  await makeEntries(
    world.sql,
    lotteryId,
    userIds.map((userId) => person(userId, { firstName: `U${userId}`, username: `u${userId}` })),
  );
}

describe('restarts', () => {
  it('a drawer killed mid-draw leaves nothing written; the next draw resumes it once and it verifies', async () => {
    const channel = await world.adminChat('channel', 'Restart channel');
    const users = await world.users(30);
    for (const id of users) await world.sandbox.client.setMember(channel, { user_id: id, status: 'member' });
    const { lottery } = await world.publish({
      title: 'Crash test',
      prizes: [{ name: 'Prize', quantity: 3 }],
      joinConditions: [{ kind: 'member', chatId: channel }],
      drawTrigger: { kind: 'manual' },
      targets: [channel],
    });
    await joinAll(lottery.id, users);

    const drawer = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/hanging-draw.ts'], {
      env: {
        ...process.env,
        DATABASE_URL: world.db.url,
        APP_SECRET: TEST_SECRET,
        LOTTERY_ID: String(lottery.id),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise((resolve) => drawer.once('exit', resolve));
    await new Promise<void>((resolve, reject) => {
      createInterface({ input: drawer.stdout! }).on('line', (line) => line === 'in-draw' && resolve());
      drawer.once('exit', () => reject(new Error('the drawer exited before drawing')));
    });
    // Mid-draw: a second drawer that does not wait skips the locked lottery.
    expect(await drawIfOpen(world.deps, lottery.id, { tenantId: null, wait: false })).toBeNull();
    drawer.kill('SIGKILL');
    await exited;

    const [row] = await world.sql.query<{ status: string }>('select status from lotteries where id = ?', [
      lottery.id,
    ]);
    // The entries were fixed (the lottery is `drawing`) but nothing was written; the drawer's claim died
    // with its connection, so the next draw resumes it.
    expect(row!.status).toBe('drawing');
    expect(await world.sql.query('select 1 from winners where lottery_id = ?', [lottery.id])).toHaveLength(0);

    const outcome = await drawNow(world.deps, world.tenantId, lottery.id);
    expect(outcome.proof.winners).toHaveLength(3);
    expect(verifyProof((await loadProof(world.sql, lottery.id))!).ok).toBe(true);
    await expect(drawNow(world.deps, world.tenantId, lottery.id)).rejects.toMatchObject({
      code: 'lottery_not_open',
    });
    expect(await world.sql.query('select 1 from winners where lottery_id = ?', [lottery.id])).toHaveLength(3);
  }, 60_000);

  it('a manual draw racing the timer draws once', async () => {
    const channel = await world.adminChat('channel', 'Race channel');
    const users = await world.users(20);
    const { lottery } = await world.publish({
      title: 'Race',
      prizes: [{ name: 'Prize', quantity: 2 }],
      drawTrigger: { kind: 'time', at: new Date(Date.now() + 3000).toISOString() },
      targets: [channel],
    });
    await joinAll(lottery.id, users);
    await world.sql.query('update lotteries set draw_at = now() where id = ?', [lottery.id]);
    const results = await Promise.allSettled([
      world.scheduler.tick(),
      drawNow(world.deps, world.tenantId, lottery.id),
      drawNow(world.deps, world.tenantId, lottery.id),
      drawIfOpen(world.deps, lottery.id, { tenantId: null, wait: true }),
    ]);
    const manual = results.slice(1, 3);
    expect(manual.filter((r) => r.status === 'fulfilled').length).toBeLessThanOrEqual(1);
    for (const r of manual) {
      if (r.status === 'rejected') expect(r.reason).toMatchObject({ code: 'lottery_not_open' });
    }
    expect(await world.sql.query('select 1 from winners where lottery_id = ?', [lottery.id])).toHaveLength(2);
    expect(
      await world.sql.query('select 1 from draw_proofs where lottery_id = ?', [lottery.id]),
    ).toHaveLength(1);
    const announcements = await world.sql.query(
      `select 1 from outbox_messages where lottery_id = ? and kind = 'announce'`,
      [lottery.id],
    );
    expect(announcements).toHaveLength(1);
  }, 60_000);

  it('a supervisor restarted while the winners are messaged: every DM arrives exactly once', async () => {
    const { sandbox, bot } = world;
    const channel = await world.adminChat('channel', 'DM channel');
    const users = await world.users(40);
    for (const id of users) await sandbox.client.start(id, bot.id);
    const { lottery } = await world.publish({
      title: 'Many winners',
      prizes: [{ name: 'Gift', quantity: 40 }],
      drawTrigger: { kind: 'manual' },
      targets: [channel],
    });
    await joinAll(lottery.id, users);
    // Slow the sends down so the restart lands in the middle of the DM run.
    await sandbox.client.addFault({ method: 'sendMessage', hang_ms: 40, times: 1000 });
    await drawNow(world.deps, world.tenantId, lottery.id);
    await waitUntil(
      async () =>
        (
          await world.sql.query(
            `select 1 from winners where lottery_id = ? and delivery_status = 'delivered'`,
            [lottery.id],
          )
        ).length >= 5,
      'some DMs to be delivered',
    );
    await world.harness.supervisor.shutdown();
    const midway = await world.sql.query(
      `select 1 from winners where lottery_id = ? and delivery_status = 'delivered'`,
      [lottery.id],
    );
    expect(midway.length).toBeLessThan(40);
    await sandbox.client.clearFaults();

    world.harness = await startTestSupervisor(world.db, sandbox, {
      botSettings: { countEditIntervalMs: 300 },
      policy: { heartbeatTimeoutMs: 30_000 },
    });
    await world.outboxDrained();
    const winners = await listWinners(world.sql, lottery.id);
    expect(winners.filter((w) => w.delivery.status === 'delivered')).toHaveLength(40);
    for (const userId of users) {
      const dms = await sandbox.client.privateMessages(bot.id, userId);
      expect(
        dms.messages.filter((m) => m.text.includes('Congratulations')),
        `user ${userId}`,
      ).toHaveLength(1);
    }
  }, 90_000);
});
