/**
 * Webhook mode end to end (docs/operations.md, "Webhooks"): the sandbox delivers to the web app, which
 * stores each update before answering; the bot reads them from the database. Here: the webhook is set as
 * configured; a web process that dies between storing an update and answering it (the connection is cut
 * after the commit) gets it again from Telegram, and the bot handles it once; disabling the bot deletes
 * its webhook, and so does replacing its token; a revoked token stops the bot as in polling mode (the new bot's is set); going back to polling deletes the webhook and handles what was stored before.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ALLOWED_UPDATES } from '../../src/bot/telegram.ts';
import { makeBotConfig } from '../helpers/factories/index.ts';
import { setEnabled, startTestSupervisor } from '../helpers/supervisor.ts';
import { waitUntil } from '../helpers/wait.ts';
import { type BotWorld, createBotWorld } from './world.ts';

let world: BotWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

interface WebhookInfo {
  url: string;
  pending_update_count: number;
  max_connections?: number;
  allowed_updates?: string[];
  last_error_message?: string;
}

async function webhookInfo(w: BotWorld): Promise<WebhookInfo> {
  const res = await fetch(`${w.sandbox.apiRoot}/bot${w.bot.token}/getWebhookInfo`);
  return ((await res.json()) as { result: WebhookInfo }).result;
}

/** The bot's messages in its private chat with a user. */
async function botReplies(w: BotWorld, userId: number): Promise<number> {
  const view = await w.sandbox.client.privateMessages(w.bot.id, userId);
  return view.messages.filter((m) => m.sender.type === 'bot').length;
}

async function storedRows(w: BotWorld): Promise<Array<{ update_id: string; handled: boolean }>> {
  return w.sql.query(
    'select update_id, handled_at is not null as handled from inbound_updates where tenant_id = ? order by update_id',
    [w.tenantId],
  );
}

describe('webhook mode', () => {
  it('sets the webhook with the configured URL, update kinds and connection limit', async () => {
    world = await createBotWorld({ updates: 'webhook' });
    const info = await webhookInfo(world);
    expect(info.url).toBe(world.webhookUrl);
    expect(info.max_connections).toBe(40);
    expect([...(info.allowed_updates ?? [])].sort()).toEqual([...ALLOWED_UPDATES].sort());
    const [user] = await world.users(1);
    await world.sandbox.client.start(user!, world.bot.id);
    await waitUntil(async () => (await botReplies(world!, user!)) === 1, 'the bot to answer /start');
  });

  it('an update stored but not answered (the web died) is delivered again and handled once', async () => {
    let cut = 0;
    world = await createBotWorld({
      updates: 'webhook',
      limits: { webhookRetryMs: 50 },
      beforeListen: (app) =>
        app.addHook('onSend', async (request, _reply, payload) => {
          // The first delivery of a /start: stored (the handler has answered), but the answer never leaves.
          const body = request.body as { message?: { text?: string } } | undefined;
          if (cut === 0 && body?.message?.text?.startsWith('/start')) {
            cut++;
            request.raw.socket.destroy();
          }
          return payload;
        }),
    });
    const [user] = await world.users(1);
    await world.sandbox.client.start(user!, world.bot.id);
    // Telegram saw a failed delivery, delivered again, and has nothing pending.
    await waitUntil(async () => {
      const info = await webhookInfo(world!);
      return cut === 1 && info.pending_update_count === 0 && info.last_error_message !== undefined;
    }, 'the sandbox to deliver the update again after the cut');
    await waitUntil(
      async () => (await storedRows(world!)).every((r) => r.handled),
      'the update to be handled',
    );
    await world.outboxDrained();
    expect(await botReplies(world, user!)).toBe(1);
    const rows = await storedRows(world);
    expect(rows.filter((r) => r.handled)).toHaveLength(rows.length);
    expect(new Set(rows.map((r) => r.update_id)).size).toBe(rows.length);
  });

  it('a revoked token stops the bot (invalid-token); a webhook deleted elsewhere is set again', async () => {
    world = await createBotWorld({ updates: 'webhook', botSettings: { webhookCheckMs: 200 } });
    await fetch(`${world.sandbox.apiRoot}/bot${world.bot.token}/deleteWebhook`, { method: 'POST' });
    await waitUntil(
      async () => (await webhookInfo(world!)).url === world!.webhookUrl,
      'the webhook to be set again',
    );
    await world.sandbox.client.revokeBot(world.bot.id);
    await world.harness.waitFor(
      world.tenantId,
      (s) => s.state === 'stopped' && s.reason === 'invalid-token',
      'stopped with invalid-token',
    );
  });

  it('disabling the bot deletes its webhook', async () => {
    world = await createBotWorld({ updates: 'webhook' });
    expect((await webhookInfo(world)).url).not.toBe('');
    await setEnabled(world.db, world.tenantId, false);
    await waitUntil(async () => (await webhookInfo(world!)).url === '', 'the webhook to be deleted');
  });

  it("a new token: the old bot's webhook is deleted, the new bot's set on its own path", async () => {
    world = await createBotWorld({ updates: 'webhook' });
    const old = world.bot;
    const next = await world.sandbox.client.createBot({ username: `next${old.id}_bot` });
    await makeBotConfig(world.sql, { tenantId: world.tenantId, bot: next });
    const infoOf = async (token: string) =>
      (
        (await (await fetch(`${world!.sandbox.apiRoot}/bot${token}/getWebhookInfo`)).json()) as {
          result: WebhookInfo;
        }
      ).result;
    await waitUntil(
      async () =>
        (await infoOf(old.token)).url === '' && (await infoOf(next.token)).url.endsWith(`/${next.id}`),
      "the old bot's webhook to be deleted and the new one's set",
    );
    expect((await infoOf(next.token)).url).toBe(world.webhookUrl!.replace(`/${old.id}`, `/${next.id}`));
  });

  it('going back to polling deletes the webhook and handles what was stored before', async () => {
    world = await createBotWorld({ updates: 'webhook' });
    await world.harness.supervisor.shutdown();
    // No supervisor runs: Telegram keeps delivering, the web stores, nobody handles.
    const [user] = await world.users(1);
    await world.sandbox.client.start(user!, world.bot.id);
    await waitUntil(async () => (await storedRows(world!)).length === 1, 'the web to store the /start');
    expect((await storedRows(world)).every((r) => !r.handled)).toBe(true);
    world.harness = await startTestSupervisor(world.db, world.sandbox, {
      botSettings: { countEditIntervalMs: 300 },
      policy: { heartbeatTimeoutMs: 30_000 },
    });
    await world.harness.waitFor(world.tenantId, (s) => s.state === 'running', 'running by polling');
    await waitUntil(async () => (await webhookInfo(world!)).url === '', 'the webhook to be deleted');
    await waitUntil(async () => (await botReplies(world!, user!)) === 1, 'the stored /start to be answered');
    expect((await storedRows(world)).every((r) => r.handled)).toBe(true);
  });
});
