/**
 * Secrets never leave: a bot token is never in a response body or header after it is sent, nor in any
 * log line (captured at trace level), whatever path the request takes; nor are passwords or session ids.
 */
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeChat, makeEntries, person } from '../helpers/factories/index.ts';
import { Browser, createWebWorld, signedUp, type WebWorld } from './helpers.ts';
import { botDoor, lotteryBody, openVia } from './lottery-helpers.ts';

let world: WebWorld;
beforeAll(async () => {
  world = await createWebWorld();
});
afterAll(async () => {
  await world?.close();
});

describe('secrets', () => {
  it('a token appears in no response and no log line, on success and on every failure path', async () => {
    const responses: LightMyRequestResponse[] = [];
    const keep = async (res: Promise<LightMyRequestResponse>) => {
      const r = await res;
      responses.push(r);
      return r;
    };
    const password = 'a very secret passphrase';
    const owner = new Browser(world.app);
    await keep(owner.register('secret_keeper', password));
    await keep(owner.login('secret_keeper', password));
    await keep(owner.login('secret_keeper', 'wrong guess for logs'));
    // Changing the password: a wrong current one, a weak new one, then for real.
    const newPassword = 'another secret passphrase here';
    await keep(
      owner.request('POST', '/api/me/password', {
        current_password: 'wrong guess for logs',
        new_password: newPassword,
      }),
    );
    await keep(
      owner.request('POST', '/api/me/password', { current_password: password, new_password: 'password1234' }),
    );
    await keep(
      owner.request('POST', '/api/me/password', { current_password: password, new_password: newPassword }),
    );
    await keep(owner.request('GET', '/api/me/sessions'));

    const bot = await world.sandbox.client.createBot({ username: 'secret_keeper_bot' });
    const other = await world.sandbox.client.createBot({ username: 'secret_other_bot' });
    const tokens = [bot.token];

    expect((await keep(owner.request('PUT', '/api/bot', { token: bot.token }))).statusCode).toBe(200);
    await keep(owner.request('GET', '/api/bot'));
    await keep(owner.request('PUT', '/api/bot', { token: bot.token, enabled: false }));
    // Another tenant tries the same bot: 409.
    const rival = await signedUp(world.app, 'secret_rival');
    expect((await keep(rival.request('PUT', '/api/bot', { token: bot.token }))).statusCode).toBe(409);
    // Telegram rejects a revoked token: 422.
    tokens.push(other.token);
    await world.sandbox.client.revokeBot(other.id);
    expect((await keep(rival.request('PUT', '/api/bot', { token: other.token }))).statusCode).toBe(422);
    // A token in a malformed body and in an invalid field.
    await keep(
      rival.request('PUT', '/api/bot', `{"token": "${bot.token}",}`, { 'content-type': 'application/json' }),
    );
    await keep(rival.request('PUT', '/api/bot', { token: bot.token, extra: bot.token }));
    await keep(rival.request('PUT', '/api/bot', { token: `${bot.token}!` }));
    // Telegram unreachable.
    const offline = await world.another({
      fetch: async () => {
        throw new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } });
      },
    });
    const stranded = await signedUp(offline, 'secret_offline');
    expect((await keep(stranded.request('PUT', '/api/bot', { token: bot.token }))).statusCode).toBe(502);
    await keep(owner.request('GET', '/api/admin/tenants'));
    await keep(owner.request('GET', '/api/bot'));

    const sessionIds = [owner, rival, stranded].map((b) => b.cookies.get('tgl_session')!);
    const secretHalves = tokens.map((t) => t.split(':')[1]!);
    const logs = world.logs.join('');
    expect(logs.length).toBeGreaterThan(1000);
    for (const secret of [...secretHalves, password, newPassword, 'wrong guess for logs', ...sessionIds]) {
      expect(logs, 'log lines').not.toContain(secret);
    }
    for (const res of responses) {
      const text = res.body + JSON.stringify(res.headers.location ?? '');
      for (const secret of secretHalves) expect(text).not.toContain(secret);
      expect(text).not.toContain(password);
      expect(text).not.toContain(newPassword);
      for (const id of sessionIds) expect(res.body).not.toContain(id);
    }
  });

  it("the manual draw's membership checks never put the token in a response or a log line", async () => {
    // Telegram unreachable for getChatMember, with an error that quotes the URL (and so the token).
    const offline = await world.another({
      fetch: async (url) => {
        if (String(url).endsWith('/getMe')) return fetch(url);
        throw new Error(`request to ${String(url)} failed`);
      },
    });
    const door = botDoor(world);
    const secrets: string[] = [];
    try {
      for (const [name, app] of [
        ['online', world.app],
        ['offline', offline],
      ] as const) {
        const bot = await world.sandbox.client.createBot({ username: `secret_${name}_drawer_bot` });
        secrets.push(bot.token.split(':')[1]!);
        const owner = await signedUp(app, `secret_drawer_${name}`);
        const tenantId = ((await owner.request('GET', '/api/me')).json() as { id: number }).id;
        expect((await owner.request('PUT', '/api/bot', { token: bot.token })).statusCode).toBe(200);
        const chat = (await world.sandbox.client.createChat({ type: 'channel', title: 'Secret channel' })).id;
        await makeChat(world.db, { tenantId, chatId: chat });
        const conditions = [{ kind: 'member', chat_id: chat }];
        const open = await openVia(owner, lotteryBody(chat, { join_conditions: conditions }));
        await makeEntries(door.sql, open.id, [person(1), person(2), person(3)]);
        const res = await owner.request('POST', `/api/lotteries/${open.id}/draw`);
        expect(res.statusCode).toBe(200);
        for (const secret of secrets) expect(res.body).not.toContain(secret);
      }
    } finally {
      await door.end();
    }
    const logs = world.logs.join('');
    for (const secret of secrets) expect(logs).not.toContain(secret);
  });
});
