import { afterEach, describe, expect, it, vi } from 'vitest';
import { createSandbox, type Sandbox, SandboxClientError } from '../../src/sandbox/index.ts';

/** Generous limit for conditions awaited with vi.waitFor (a busy CI machine is slow, not wrong). */
const WAIT = { timeout: 10_000, interval: 10 };

let sandbox: Sandbox;
afterEach(async () => {
  await sandbox?.close();
});

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field
type Json = any;

const post = (path: string, body: string, type = 'application/json') =>
  fetch(`${sandbox.url}${path}`, { method: 'POST', headers: { 'content-type': type }, body }).then((res) => ({
    status: res.status,
    json: () => res.json() as Promise<Json>,
  }));

describe('control API input validation', () => {
  it('answers 400 {error} for malformed JSON, wrong types and unknown keys', async () => {
    sandbox = await createSandbox();
    const bad = await post('/_sandbox/users', '{"first_name": ');
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: expect.stringMatching(/JSON/) });
    const wrongType = await post('/_sandbox/users', '{"first_name": 5}');
    expect([wrongType.status, (await wrongType.json()).error]).toEqual([
      400,
      expect.stringMatching(/first_name/),
    ]);
    const unknownKey = await post('/_sandbox/bots', '{"username": "a_bot", "tokn": "x"}');
    expect([unknownKey.status, (await unknownKey.json()).error]).toEqual([
      400,
      expect.stringMatching(/tokn/),
    ]);
    const privateChat = await post('/_sandbox/chats', '{"type": "private", "title": "x"}');
    expect((await privateChat.json()).error).toMatch(/private chats are implicit/);
    const fault = await post('/_sandbox/faults', '{"method": "getMe"}');
    expect((await fault.json()).error).toMatch(/error_code, hang_ms or drop/);
  });

  it('refuses huge bodies with 413 and unknown ids with 404, and keeps serving', async () => {
    sandbox = await createSandbox();
    const huge = await post('/_sandbox/users', JSON.stringify({ first_name: 'x'.repeat(2 << 20) }));
    expect(huge.status).toBe(413);
    expect((await huge.json()).error).toMatch(/larger than/);
    const missing = await post('/_sandbox/users/999/deactivate', '{}');
    expect([missing.status, (await missing.json()).error]).toEqual([404, 'no user with id 999']);
    const nowhere = await fetch(`${sandbox.url}/_sandbox/nowhere`);
    expect(nowhere.status).toBe(404);
    expect((await sandbox.client.createUser({ first_name: 'Still here' })).id).toBeGreaterThan(0);
  });

  it('the Bot API answers garbage with Telegram-shaped errors, never a crash', async () => {
    sandbox = await createSandbox();
    const bot = await sandbox.client.createBot({ username: 'robust_bot' });
    const api = `/bot${bot.token}`;
    expect(await (await post(`${api}/sendMessage`, '{oops')).json()).toMatchObject({
      ok: false,
      error_code: 400,
    });
    expect(await (await post(`${api}/sendMessage`, '[1,2]')).json()).toMatchObject({
      ok: false,
      error_code: 400,
      description: 'Bad Request: chat_id is empty',
    });
    expect(
      await (await post(`${api}/sendMessage`, '{"chat_id": {"a": 1}, "text": "x"}')).json(),
    ).toMatchObject({ ok: false, error_code: 400 });
    expect(await (await post(`${api}/getUpdates`, '{"offset": "abc"}')).json()).toMatchObject({
      ok: false,
      error_code: 400,
    });
    expect(await (await post(`${api}/sendMessage`, 'chat_id=1&text=x', 'text/plain')).json()).toMatchObject({
      ok: false,
    });
    expect((await post(`${api}/sendMessage`, JSON.stringify({ text: 'x'.repeat(2 << 20) }))).status).toBe(
      413,
    );
    expect(await (await fetch(`${sandbox.url}/favicon.ico`)).json()).toEqual({
      ok: false,
      error_code: 404,
      description: 'Not Found',
    });
    expect(await (await fetch(`${sandbox.url}${api}/getMe`)).json()).toMatchObject({
      ok: true,
      result: { username: 'robust_bot' },
    });
  });

  it('takes parameters from the query string, urlencoded and multipart bodies as well as JSON', async () => {
    sandbox = await createSandbox();
    const bot = await sandbox.client.createBot({ username: 'forms_bot' });
    const { id: user } = await sandbox.client.createUser({ first_name: 'F' });
    await sandbox.client.start(user, bot.id);
    const api = `${sandbox.url}/bot${bot.token}/sendMessage`;
    const markup = JSON.stringify({ inline_keyboard: [[{ text: 'Go', callback_data: 'g' }]] });
    const query = await fetch(
      `${api}?chat_id=${user}&text=${encodeURIComponent('<b>q</b>')}&parse_mode=HTML`,
    );
    const form = await fetch(api, {
      method: 'POST',
      body: new URLSearchParams({ chat_id: String(user), text: 'form', reply_markup: markup }),
    });
    const multipart = new FormData();
    multipart.set('chat_id', String(user));
    multipart.set('text', 'multi');
    multipart.set('reply_markup', markup);
    const multi = await fetch(api, { method: 'POST', body: multipart });
    const results = (await Promise.all([query, form, multi].map((r) => r.json()))) as Json[];
    expect(results.map((r) => [r.ok, r.result.text])).toEqual([
      [true, 'q'],
      [true, 'form'],
      [true, 'multi'],
    ]);
    expect(results[0].result.entities).toEqual([{ type: 'bold', offset: 0, length: 1 }]);
    expect(results[1].result.reply_markup).toEqual(JSON.parse(markup));
    expect(results[2].result.reply_markup).toEqual(JSON.parse(markup));
  });

  it('bot usernames follow Telegram rules; the client surfaces the error text', async () => {
    sandbox = await createSandbox();
    await expect(sandbox.client.createBot({ username: 'lottery' })).rejects.toThrow(SandboxClientError);
    await expect(sandbox.client.createBot({ username: 'lottery' })).rejects.toThrow(/end with "bot"/);
    const bot = await sandbox.client.createBot({ username: 'Lottery_Bot' });
    expect(bot.token).toMatch(new RegExp(`^${bot.id}:[A-Za-z0-9_-]{35}$`));
    await expect(sandbox.client.createBot({ username: 'lottery_bot' })).rejects.toThrow(/taken/);
  });

  it('assigns Telegram-shaped ids and reset forgets everything', async () => {
    sandbox = await createSandbox();
    const bot = await sandbox.client.createBot({ username: 'ids_bot' });
    const user = await sandbox.client.createUser({ first_name: 'U' });
    const group = await sandbox.client.createChat({ type: 'group', title: 'g' });
    const channel = await sandbox.client.createChat({ type: 'channel', title: 'c' });
    expect(bot.id).toBe(7000000001);
    expect(user.id).toBeGreaterThan(0);
    expect(group.id).toBeLessThan(0);
    expect(String(channel.id)).toMatch(/^-100\d{10}$/);
    await sandbox.client.reset();
    expect(await sandbox.client.overview()).toMatchObject({ bots: [], users: [], chats: [] });
  });

  it('lists messages with sender, entities, markup, edit history and deleted flag', async () => {
    sandbox = await createSandbox();
    const bot = await sandbox.client.createBot({ username: 'history_bot' });
    const { id: group } = await sandbox.client.createChat({ type: 'supergroup', title: 'G' });
    await sandbox.client.setMember(group, { user_id: bot.id, status: 'administrator' });
    const call = (method: string, body: unknown) =>
      post(`/bot${bot.token}/${method}`, JSON.stringify(body)).then(
        (r) => r.json() as Promise<{ result: { message_id: number } }>,
      );
    const sent = await call('sendMessage', { chat_id: group, text: '<b>v1</b>', parse_mode: 'HTML' });
    await call('editMessageText', { chat_id: group, message_id: sent.result.message_id, text: 'v2' });
    const gone = await call('sendMessage', { chat_id: group, text: 'bye' });
    await call('deleteMessage', { chat_id: group, message_id: gone.result.message_id });
    const { messages } = await sandbox.client.chatMessages(group);
    const mine = messages.filter((m) => m.service === null);
    expect(mine[0]).toMatchObject({
      sender: { type: 'bot', id: bot.id, username: 'history_bot' },
      text: 'v2',
      edit_history: [{ text: 'v1', entities: [{ type: 'bold', offset: 0, length: 2 }] }],
      deleted: false,
    });
    expect(mine[1]).toMatchObject({ text: 'bye', deleted: true });
  });
});

describe('close', () => {
  it('answers held polls and closes fast', async () => {
    sandbox = await createSandbox();
    const bot = await sandbox.client.createBot({ username: 'closing_bot' });
    const poll = fetch(`${sandbox.apiRoot}/bot${bot.token}/getUpdates?timeout=50`).then((r) => r.json());
    await vi.waitFor(() => expect(sandbox.state.bots.get(bot.id)?.queue.held).toBeTruthy(), WAIT);
    const started = performance.now();
    await sandbox.close();
    expect(await poll).toEqual({ ok: true, result: [] });
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe('malformed URLs', () => {
  it('answer Telegram-style 404 on Bot API paths and 400 {error} on control paths', async () => {
    sandbox = await createSandbox();
    for (const path of ['/%%%', `/bot${'9'.repeat(600)}:x/getMe`]) {
      const res = await fetch(`${sandbox.url}${path}`);
      expect([res.status, await res.json()]).toEqual([
        404,
        { ok: false, error_code: 404, description: 'Not Found' },
      ]);
    }
    const control = await fetch(`${sandbox.url}/_sandbox/users/%%/start`, { method: 'POST' });
    expect([control.status, typeof ((await control.json()) as Json).error]).toEqual([400, 'string']);
  });
});
