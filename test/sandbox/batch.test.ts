import { afterEach, describe, expect, it } from 'vitest';
import { createSandbox, type Sandbox, SandboxClientError } from '../../src/sandbox/index.ts';

let sandbox: Sandbox;
afterEach(async () => {
  await sandbox?.close();
});

async function clientError(promise: Promise<unknown>): Promise<SandboxClientError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof SandboxClientError) return err;
    throw err;
  }
  throw new Error('expected the call to fail with a SandboxClientError');
}

const getMe = (token: string) =>
  fetch(`${sandbox.apiRoot}/bot${token}/getMe`).then(
    (res) => res.json() as Promise<{ ok: boolean; result: { id: number; username: string } }>,
  );

describe('POST /_sandbox/bots/batch', () => {
  it('creates a listed batch in order, with working tokens, as single creation would', async () => {
    sandbox = await createSandbox();
    const single = await sandbox.client.createBot({ username: 'first_bot' });
    const { bots } = await sandbox.client.createBots({
      bots: [
        { username: 'alpha_bot' },
        { username: '@beta_bot', first_name: 'Beta', can_read_all_group_messages: true },
      ],
    });
    expect(bots.map((b) => [b.id, b.username])).toEqual([
      [single.id + 1, 'alpha_bot'],
      [single.id + 2, 'beta_bot'],
    ]);
    const me = await getMe(bots[1]!.token);
    expect(me.result).toMatchObject({
      id: bots[1]!.id,
      username: 'beta_bot',
      first_name: 'Beta',
      can_read_all_group_messages: true,
    });
    expect(sandbox.state.bots.size).toBe(3);
  });

  it('creates `count` bots named <prefix>_<n>_bot, continuing the numbering and skipping taken names', async () => {
    sandbox = await createSandbox();
    await sandbox.client.createBot({ username: 'load_2_bot' });
    const first = await sandbox.client.createBots({ count: 3, username_prefix: 'load' });
    expect(first.bots.map((b) => b.username)).toEqual(['load_1_bot', 'load_3_bot', 'load_4_bot']);
    const next = await sandbox.client.createBots({ count: 2, username_prefix: 'load' });
    expect(next.bots.map((b) => b.username)).toEqual(['load_5_bot', 'load_6_bot']);
    const defaults = await sandbox.client.createBots({ count: 1 });
    expect(defaults.bots.map((b) => b.username)).toEqual(['batch_1_bot']);
    expect(new Set([...first.bots, ...next.bots].map((b) => b.token)).size).toBe(5);
    expect((await getMe(next.bots[1]!.token)).result.username).toBe('load_6_bot');
  });

  it('creates 3,000 bots in one call, each with a distinct token', async () => {
    sandbox = await createSandbox();
    const { bots } = await sandbox.client.createBots({ count: 3000, username_prefix: 'tenant' });
    expect(bots).toHaveLength(3000);
    expect(new Set(bots.map((b) => b.token)).size).toBe(3000);
    expect(sandbox.state.bots.size).toBe(3000);
    expect((await getMe(bots[2999]!.token)).result).toMatchObject({
      id: bots[2999]!.id,
      username: 'tenant_3000_bot',
    });
  });

  it('is all or none: a taken, repeated or malformed username creates nothing and every problem is listed', async () => {
    sandbox = await createSandbox();
    await sandbox.client.createBot({ username: 'taken_bot' });
    await sandbox.client.createUser({ first_name: 'U', username: 'userish_bot' });
    const err = await clientError(
      sandbox.client.createBots({
        bots: [
          { username: 'fresh_bot' },
          { username: 'TAKEN_bot' },
          { username: 'userish_bot' },
          { username: 'twice_bot' },
          { username: 'Twice_Bot' },
          { username: 'nobotsuffix' },
        ],
      }),
    );
    expect(err.status).toBe(400);
    expect(err.message.split('\n')).toEqual([
      'bots[1]: username @TAKEN_bot is taken',
      'bots[2]: username @userish_bot is taken',
      'bots[4]: username @Twice_Bot is repeated',
      'bots[5]: username must be 5-32 letters, digits or underscores and end with "bot"',
    ]);
    expect([...sandbox.state.bots.values()].map((b) => b.username)).toEqual(['taken_bot']);
    // Nothing was reserved either: the names are still free.
    const ok = await sandbox.client.createBots({
      bots: [{ username: 'fresh_bot' }, { username: 'twice_bot' }],
    });
    expect(ok.bots.map((b) => b.username)).toEqual(['fresh_bot', 'twice_bot']);
  });

  it('validates the body: exactly one form, count 1-10,000, a sane prefix, no unknown keys', async () => {
    sandbox = await createSandbox();
    const post = async (body: unknown) => {
      const res = await fetch(`${sandbox.url}/_sandbox/bots/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return [res.status, ((await res.json()) as { error: string }).error] as const;
    };
    expect(await post({ count: 0 })).toEqual([400, expect.stringMatching(/count/)]);
    expect(await post({ count: 10_001 })).toEqual([400, expect.stringMatching(/count/)]);
    expect(await post({ count: 1.5 })).toEqual([400, expect.stringMatching(/count/)]);
    expect(await post({ count: 2, username_prefix: '9lives' })).toEqual([
      400,
      expect.stringMatching(/prefix/),
    ]);
    expect(await post({ count: 2, username_prefix: 'a'.repeat(17) })).toEqual([
      400,
      expect.stringMatching(/prefix/),
    ]);
    expect(await post({ bots: [] })).toEqual([400, expect.stringMatching(/bots/)]);
    expect(await post({ bots: [{ username: 'a_bot', tokn: 'x' }] })).toEqual([
      400,
      expect.stringMatching(/tokn/),
    ]);
    expect(await post({ bots: [{ username: 'ab_bot' }], count: 1 })).toEqual([
      400,
      expect.stringMatching(/count/),
    ]);
    expect(await post({})).toEqual([400, expect.stringMatching(/count/)]);
    expect(await post([1, 2])).toEqual([400, expect.any(String)]);
    expect(sandbox.state.bots.size).toBe(0);
  });

  it('the usernames of batch bots are unique against users and chats, and reset frees them', async () => {
    sandbox = await createSandbox();
    await sandbox.client.createBots({ count: 2, username_prefix: 'shared' });
    expect(
      (await clientError(sandbox.client.createUser({ first_name: 'U', username: 'shared_1_bot' }))).message,
    ).toBe('username @shared_1_bot is taken');
    expect(
      (
        await clientError(
          sandbox.client.createChat({ type: 'channel', title: 'C', username: 'SHARED_2_BOT' }),
        )
      ).message,
    ).toBe('username @SHARED_2_BOT is taken');
    await sandbox.client.reset();
    const again = await sandbox.client.createBots({ count: 1, username_prefix: 'shared' });
    expect(again.bots.map((b) => b.username)).toEqual(['shared_1_bot']);
  });
});
