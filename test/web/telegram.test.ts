import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { createTelegramClient, TelegramApiError, TelegramNoAnswerError } from '../../src/web/telegram.ts';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await createSandbox();
});
afterAll(async () => {
  await sandbox?.close();
});

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a failure');
}

describe('getMe client', () => {
  it('returns the bot id and username for a valid token', async () => {
    const bot = await sandbox.client.createBot({ username: 'client_test_bot', first_name: 'Client' });
    const client = createTelegramClient({ apiRoot: `${sandbox.apiRoot}/` });
    expect(await client.getMe(bot.token)).toEqual({
      id: bot.id,
      username: 'client_test_bot',
      firstName: 'Client',
    });
  });

  it("reports Telegram's 401 for a revoked token, without the token", async () => {
    const bot = await sandbox.client.createBot({ username: 'client_revoked_bot' });
    await sandbox.client.revokeBot(bot.id);
    const err = await failure(createTelegramClient({ apiRoot: sandbox.apiRoot }).getMe(bot.token));
    expect(err).toBeInstanceOf(TelegramApiError);
    expect((err as TelegramApiError).code).toBe(401);
    expect(err.message).not.toContain(bot.token.split(':')[1]!);
  });

  it('reports an unreachable Telegram (closed port) without the URL', async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((r) => server.close(() => r()));
    const token = `42:${'S'.repeat(35)}`;
    const err = await failure(createTelegramClient({ apiRoot: `http://127.0.0.1:${port}` }).getMe(token));
    expect(err).toBeInstanceOf(TelegramNoAnswerError);
    expect(err.message).toContain('ECONNREFUSED');
    expect(err.message).not.toContain('SSSS');
  });

  it('times out after timeoutMs', async () => {
    const server = createServer(() => {
      // never answers
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    try {
      const err = await failure(
        createTelegramClient({ apiRoot: `http://127.0.0.1:${port}`, timeoutMs: 100 }).getMe(
          `42:${'S'.repeat(35)}`,
        ),
      );
      expect(err).toBeInstanceOf(TelegramNoAnswerError);
      expect((err as TelegramNoAnswerError).reason).toBe('no answer within 0.1 s');
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('treats an answer that is not the Bot API as unreachable (e.g. a captive portal)', async () => {
    const html: typeof fetch = async () => new Response('<html>login</html>', { status: 200 });
    const err = await failure(createTelegramClient({ apiRoot: 'http://x', fetch: html }).getMe('1:2'));
    expect(err).toBeInstanceOf(TelegramNoAnswerError);
    const weird: typeof fetch = async () => Response.json({ ok: true, result: { id: 'nope' } });
    expect(
      await failure(createTelegramClient({ apiRoot: 'http://x', fetch: weird }).getMe('1:2')),
    ).toBeInstanceOf(TelegramNoAnswerError);
  });
});
