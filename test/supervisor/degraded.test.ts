/**
 * A status that tells the truth: while Telegram refuses a bot's getUpdates (429, 5xx), the supervisor
 * shows it degraded — state running, reason `polling-failing`, since when and Telegram's error code —
 * within the heartbeat window (before the heartbeat timeout would restart the same process), in its
 * store (`/status`) and in `bot_status` (the panel); once a getUpdates succeeds it is plainly running.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { openTestDatabase } from '../helpers/db.ts';
import { makeOrganiser } from '../helpers/factories/index.ts';
import { startTestSupervisor } from '../helpers/supervisor.ts';
import { waitUntil } from '../helpers/wait.ts';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await createSandbox();
});
afterAll(async () => {
  await sandbox.close();
});

describe('degraded polling', () => {
  it('429 on polling → `degraded` within the heartbeat window', async () => {
    const db = await openTestDatabase();
    // The production window: a long poll may last 20 s, and the bot must not be restarted meanwhile.
    const h = await startTestSupervisor(db, sandbox, { policy: { heartbeatTimeoutMs: 30_000 } });
    try {
      const bot = await sandbox.client.createBot({ username: 'refused_bot' });
      const tenant = (await makeOrganiser(db, { username: 'refused', bot: { token: bot.token } })).tenantId;
      const running = await h.waitFor(tenant, (s) => s.state === 'running', 'running');
      await sandbox.client.addFault({
        token: bot.token,
        method: 'getUpdates',
        error_code: 429,
        description: 'Too Many Requests: retry after 1',
        parameters: { retry_after: 1 },
        times: 1_000_000,
      });
      // End the long poll in progress with an update, so the next getUpdates meets the refusal.
      const { id: user } = await sandbox.client.createUser({ first_name: 'Ann' } as never);
      await sandbox.client.start(user, bot.id);

      const degraded = await h.waitFor(tenant, (s) => s.reason === 'polling-failing', 'degraded');
      // The same process, not yet restarted by the heartbeat timeout: degraded within the window.
      expect(degraded).toMatchObject({ state: 'running', pid: running.pid, pollErrorCode: 429 });
      expect(degraded.detail).toBe('getUpdates 429: Too Many Requests: retry after 1');
      expect(degraded.pollFailingSince).toBeGreaterThanOrEqual(running.since);
      expect(h.pids(tenant)).toHaveLength(1);
      await h.supervisor.flushStatus();
      const [row] = await db.orm.em
        .getConnection()
        .execute<{ state: string; reason: string; poll_error_code: number; poll_failing_since: Date }[]>(
          'select state, reason, poll_error_code, poll_failing_since from bot_status where tenant_id = ?',
          [tenant],
        );
      expect(row).toMatchObject({ state: 'running', reason: 'polling-failing', poll_error_code: 429 });
      expect(row!.poll_failing_since).not.toBeNull();

      // Telegram answers again: plainly running, same process.
      await sandbox.client.clearFaults();
      // A getUpdates that Telegram takes is a long poll: an update ends it (else it lasts up to 20 s).
      await sandbox.client.start(user, bot.id);
      const recovered = await h.waitFor(
        tenant,
        (s) => s.state === 'running' && s.reason === null,
        'running again',
      );
      expect(recovered).toMatchObject({ pid: running.pid, pollFailingSince: null, pollErrorCode: null });
      await h.supervisor.flushStatus();
      await waitUntil(async () => {
        const [r] = await db.orm.em
          .getConnection()
          .execute<{ reason: string | null }[]>('select reason from bot_status where tenant_id = ?', [
            tenant,
          ]);
        return r?.reason === null;
      }, 'bot_status to say running again');
    } finally {
      await h.supervisor.shutdown();
      await db.drop();
    }
  }, 60_000);
});
