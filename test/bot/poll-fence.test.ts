/**
 * The lease fence of long polling (src/bot/telegram.ts `PollFence`), against the Bot API sandbox: what a
 * long poll brings once the bot may no longer work (its node stopped renewing, or lost the lease) is neither
 * handled nor confirmed, so whoever runs the bot next gets it from Telegram; a long poll in flight is cut
 * short the moment the fence says so, and the bot polls again once it may.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PollFence, TelegramAdapter } from '../../src/bot/telegram.ts';
import { createSandbox, type Sandbox } from '../../src/sandbox/index.ts';
import { waitUntil } from '../helpers/wait.ts';

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await createSandbox();
});
afterAll(async () => {
  await sandbox?.close();
});

/** A fence the test drives: whether the bot may work, a signal to cut the poll, and a held next poll. */
function testFence() {
  let cut = new AbortController();
  let releasePoll: (() => void) | undefined;
  const state = { may: true, polls: 0, holdNext: false };
  const fence: PollFence = {
    mayWork: () => state.may,
    stopsOn: () => cut.signal,
    async beforePoll(offset) {
      state.polls++;
      if (state.holdNext) await new Promise<void>((resolve) => (releasePoll = resolve));
      return offset;
    },
  };
  return {
    fence,
    state,
    cutNow() {
      cut.abort();
      cut = new AbortController();
    },
    release() {
      state.holdNext = false;
      releasePoll?.();
    },
  };
}

async function pending(botId: number): Promise<number> {
  const view = await sandbox.client.overview();
  return view.bots.find((b) => b.id === botId)?.pending_updates ?? -1;
}

/** A bot polling behind a test fence, counting the /start updates it handles, with a long poll in flight. */
async function fencedBot(username: string) {
  const bot = await sandbox.client.createBot({ username });
  const { id: user } = await sandbox.client.createUser({ first_name: username } as never);
  const t = testFence();
  const adapter = new TelegramAdapter({ token: bot.token, apiRoot: sandbox.apiRoot, pollFence: t.fence });
  const seen = { handled: 0 };
  adapter.bot.start(() => {
    seen.handled++;
  });
  await adapter.getMe();
  const { ready } = adapter.startPolling();
  await ready;
  await waitUntil(() => t.state.polls >= 2, 'a long poll to be in flight');
  return { bot, user, t, adapter, seen };
}

describe('the poll fence', () => {
  it('a poll that comes back once the bot may not work is dropped unconfirmed, and handled after', async () => {
    const { bot, user, t, adapter, seen } = await fencedBot('fence_drop_bot');
    try {
      const before = t.state.polls;
      // The node stops renewing while a long poll is held; then an update arrives in it.
      t.state.may = false;
      t.state.holdNext = true;
      await sandbox.client.start(user, bot.id);
      // The held poll came back with the update: the next one is asked for (and held by the fence).
      await waitUntil(() => t.state.polls > before, 'the poll to come back');
      expect(seen.handled).toBe(0);
      expect(await pending(bot.id)).toBe(1);
      // It may work again: the next poll gets the same update and it is handled once.
      t.state.may = true;
      t.release();
      await waitUntil(() => seen.handled === 1, 'the update to be handled');
      await waitUntil(async () => (await pending(bot.id)) === 0, 'the update to be confirmed', 30_000);
      expect(seen.handled).toBe(1);
    } finally {
      await adapter.stop();
    }
  });

  it('a long poll in flight is cut short when the fence says so, and polling goes on after', async () => {
    const { bot, user, t, adapter, seen } = await fencedBot('fence_cut_bot');
    try {
      const polls = t.state.polls;
      // Cut: the held long poll ends at once (not after its 20 s), as an empty poll.
      t.cutNow();
      await waitUntil(() => t.state.polls > polls, 'the next poll after the cut', 5_000);
      expect(adapter.pollFailure).toBeNull();
      await sandbox.client.start(user, bot.id);
      await waitUntil(() => seen.handled === 1, 'an update after the cut to be handled');
    } finally {
      await adapter.stop();
    }
  });
});
