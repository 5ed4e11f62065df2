/**
 * The supervisor's webhook bookkeeping (src/supervisor/webhooks.ts): a tenant whose token is replaced has
 * its old bot's webhook deleted — unless that bot is configured again (for any tenant) — and a bot that
 * moved to another node is that node's: this node no longer deletes its webhook later.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { createWebhookSecrets } from '../../src/security/webhook-secret.ts';
import { createWebhooks } from '../../src/supervisor/webhooks.ts';
import { testLogger } from '../helpers/db.ts';
import { waitUntil } from '../helpers/wait.ts';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await createSandbox();
});
afterAll(async () => {
  await sandbox.close();
});

async function botWithWebhook(name: string): Promise<{ token: string }> {
  const bot = await sandbox.client.createBot({ username: `${name}_bot` });
  await fetch(`${sandbox.apiRoot}/bot${bot.token}/setWebhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ url: `http://127.0.0.1:9/telegram/webhook/1/${bot.id}` }),
  });
  return bot;
}

async function url(token: string): Promise<string> {
  const res = await fetch(`${sandbox.apiRoot}/bot${token}/getWebhookInfo`);
  return ((await res.json()) as { result: { url: string } }).result.url;
}

describe('webhook bookkeeping', () => {
  const settings = {
    publicUrl: 'http://127.0.0.1:9',
    secrets: createWebhookSecrets('x'.repeat(16)),
    maxConnections: 40,
  };

  it("deletes a replaced token's webhook, but not one a configured bot still uses, nor one of a bot that moved", async () => {
    const replaced = await botWithWebhook('replaced');
    const stillUsed = await botWithWebhook('still_used');
    const movedAway = await botWithWebhook('moved_away');
    const fresh = await botWithWebhook('fresh');
    const inUse = new Set([stillUsed.token]);
    const webhooks = createWebhooks({
      settings,
      apiRoot: sandbox.apiRoot,
      sql: { query: async () => [] },
      logger: testLogger(),
      prune: false,
      inUse: (token) => inUse.has(token),
    });
    webhooks.startFor('1', replaced.token);
    webhooks.startFor('2', stillUsed.token);
    webhooks.startFor('3', movedAway.token);
    webhooks.moved('3');
    webhooks.startFor('1', fresh.token);
    webhooks.startFor('2', fresh.token);
    webhooks.startFor('3', fresh.token);
    await webhooks.close();
    await waitUntil(
      async () => (await url(replaced.token)) === '',
      "the replaced token's webhook to be deleted",
    );
    expect(await url(stillUsed.token)).not.toBe('');
    expect(await url(movedAway.token)).not.toBe('');
  });
});
