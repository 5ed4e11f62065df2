/**
 * The fetch-based getChatMember check against the Bot API sandbox: Telegram's answers become the three
 * outcomes (member, not-member, unknown), and nothing ever throws: a refused token, an unknown chat, a
 * closed port, a timeout or a reply that is not the Bot API's JSON are all `unknown`.
 */
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMembershipCheck } from '../../src/lottery/index.ts';
import { createSandbox, type Sandbox } from '../../src/sandbox/index.ts';

let sandbox: Sandbox;
let bot: { id: number; token: string };
let group: number;
let channel: number;
let users: Record<
  'member' | 'admin' | 'left' | 'kicked' | 'mutedIn' | 'mutedOut' | 'stranger' | 'gone',
  number
>;

beforeAll(async () => {
  sandbox = await createSandbox();
  const client = sandbox.client;
  bot = await client.createBot({ username: 'membership_check_bot' });
  group = (await client.createChat({ type: 'supergroup', title: 'Checked group' })).id;
  channel = (await client.createChat({ type: 'channel', title: 'Channel the bot does not administer' })).id;
  await client.setMember(group, { user_id: bot.id, status: 'administrator' });
  const user = async (name: string) => (await client.createUser({ first_name: name })).id;
  users = {
    member: await user('Member'),
    admin: await user('Admin'),
    left: await user('Left'),
    kicked: await user('Kicked'),
    mutedIn: await user('Muted in'),
    mutedOut: await user('Muted out'),
    stranger: await user('Stranger'),
    gone: await user('Gone'),
  };
  await client.setMember(group, { user_id: users.member, status: 'member' });
  await client.setMember(group, { user_id: users.admin, status: 'administrator' });
  await client.setMember(group, { user_id: users.left, status: 'member' });
  await client.setMember(group, { user_id: users.left, status: 'left' });
  await client.setMember(group, { user_id: users.kicked, status: 'kicked' });
  await client.setMember(group, { user_id: users.mutedIn, status: 'restricted', is_member: true });
  await client.setMember(group, { user_id: users.mutedOut, status: 'restricted', is_member: false });
  await client.setMember(group, { user_id: users.gone, status: 'member' });
  await client.deactivateUser(users.gone);
});
afterAll(async () => {
  await sandbox?.close();
});

describe('createMembershipCheck', () => {
  it("maps Telegram's ChatMember statuses to member / not-member", async () => {
    const check = createMembershipCheck({ apiRoot: sandbox.apiRoot, token: bot.token });
    expect(await check(group, users.member)).toBe('member');
    expect(await check(group, users.admin)).toBe('member');
    expect(await check(group, users.mutedIn)).toBe('member');
    expect(await check(group, users.left)).toBe('not-member');
    expect(await check(group, users.kicked)).toBe('not-member');
    expect(await check(group, users.mutedOut)).toBe('not-member');
    expect(await check(group, users.stranger)).toBe('not-member');
    expect(await check(group, users.gone)).toBe('unknown'); // "member not found": cannot verify (F11)
  });

  it('answers unknown when the check cannot be made', async () => {
    const check = createMembershipCheck({ apiRoot: `${sandbox.apiRoot}/`, token: bot.token });
    expect(await check(channel, users.member)).toBe('unknown'); // member list is inaccessible
    expect(await check(-100999999999, users.member)).toBe('unknown'); // chat not found
    const revoked = await sandbox.client.createBot({ username: 'revoked_check_bot' });
    await sandbox.client.revokeBot(revoked.id);
    const refused = createMembershipCheck({ apiRoot: sandbox.apiRoot, token: revoked.token });
    expect(await refused(group, users.member)).toBe('unknown'); // 401 Unauthorized
  });

  it('answers unknown for a Telegram server error', async () => {
    await sandbox.client.addFault({
      token: bot.token,
      method: 'getChatMember',
      error_code: 500,
      description: 'Internal Server Error',
    });
    const check = createMembershipCheck({ apiRoot: sandbox.apiRoot, token: bot.token });
    expect(await check(group, users.member)).toBe('unknown');
    expect(await check(group, users.member)).toBe('member'); // the fault was for one call
  });

  it('never throws: a closed port, a timeout or a reply that is not JSON is unknown', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const closed = createMembershipCheck({ apiRoot: `http://127.0.0.1:${port}`, token: bot.token });
    expect(await closed(group, users.member)).toBe('unknown');

    const hanging: typeof fetch = (_url, init) =>
      new Promise((_resolve, reject) => {
        init?.signal?.addEventListener('abort', () => reject(init.signal!.reason));
      });
    const slow = createMembershipCheck({
      apiRoot: 'http://x',
      token: bot.token,
      fetch: hanging,
      timeoutMs: 20,
    });
    expect(await slow(group, users.member)).toBe('unknown');

    const html: typeof fetch = async () => new Response('<html>502 Bad Gateway</html>', { status: 502 });
    expect(await createMembershipCheck({ apiRoot: 'http://x', token: 't', fetch: html })(1, 2)).toBe(
      'unknown',
    );
    const odd: typeof fetch = async () => Response.json({ ok: true, result: null });
    expect(await createMembershipCheck({ apiRoot: 'http://x', token: 't', fetch: odd })(1, 2)).toBe(
      'unknown',
    );
  });

  it('sends chat_id and user_id to getChatMember of the bot', async () => {
    const calls: Array<{ url: string; body: unknown }> = [];
    const spy: typeof fetch = async (url, init) => {
      calls.push({ url: String(url), body: JSON.parse(String(init?.body)) });
      return Response.json({ ok: true, result: { status: 'member', user: { id: 2 } } });
    };
    const check = createMembershipCheck({ apiRoot: 'https://api.example/', token: '1:abc', fetch: spy });
    expect(await check(-100123, 2)).toBe('member');
    expect(calls).toEqual([
      { url: 'https://api.example/bot1:abc/getChatMember', body: { chat_id: -100123, user_id: 2 } },
    ]);
  });
});
