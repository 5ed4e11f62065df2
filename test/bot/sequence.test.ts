/**
 * Updates of one user in Telegram's order, different users side by side: the sequencer with real
 * Telegraf routing (`bot.handleUpdate`, as polling calls it for every update of a batch at once).
 */
import { Telegraf } from 'telegraf';
import type { Update } from 'telegraf/types';
import { describe, expect, it } from 'vitest';
import { sequenceKeyOf, sequentialize } from '../../src/bot/sequence.ts';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

const user = (id: number) => ({ id, is_bot: false, first_name: `u${id}` });
const privateChat = (id: number) => ({ id, type: 'private' as const, first_name: `u${id}` });
let nextId = 1;
const message = (from: number, chat: { id: number; type: string }, text: string): Update =>
  ({
    update_id: nextId++,
    message: { message_id: nextId, date: 0, chat, from: user(from), text },
  }) as unknown as Update;
const blocked = (from: number): Update =>
  ({
    update_id: nextId++,
    my_chat_member: {
      chat: privateChat(from),
      from: user(from),
      date: 0,
      old_chat_member: { status: 'member', user: user(99) },
      new_chat_member: { status: 'kicked', user: user(99), until_date: 0 },
    },
  }) as unknown as Update;

function botWith(handler: (kind: string, id: number) => Promise<void>) {
  const bot = new Telegraf('1:x');
  bot.botInfo = { id: 99, is_bot: true, first_name: 'b', username: 'b_bot' } as never;
  bot.catch((err) => {
    throw err;
  });
  bot.use(sequentialize());
  bot.on('message', (ctx) => handler(`message ${(ctx.message as { text: string }).text}`, ctx.from.id));
  bot.on('my_chat_member', (ctx) => handler('blocked', ctx.from.id));
  return bot;
}

describe('sequentialize', () => {
  it("holds a user's later update until the earlier one is handled", async () => {
    const slowStart = deferred();
    const seen: string[] = [];
    const bot = botWith(async (kind) => {
      seen.push(`begin ${kind}`);
      if (kind === 'message /start') await slowStart.promise;
      seen.push(`end ${kind}`);
    });
    const both = Promise.all([
      bot.handleUpdate(message(7, privateChat(7), '/start')),
      bot.handleUpdate(blocked(7)),
    ]);
    await new Promise((r) => setImmediate(r));
    expect(seen).toEqual(['begin message /start']);
    slowStart.resolve();
    await both;
    expect(seen).toEqual(['begin message /start', 'end message /start', 'begin blocked', 'end blocked']);
  });

  it('lets other users go on while one is slow', async () => {
    const slow = deferred();
    const seen: number[] = [];
    const bot = botWith(async (_kind, id) => {
      if (id === 1) await slow.promise;
      seen.push(id);
    });
    const group = { id: -100, type: 'supergroup' };
    const first = bot.handleUpdate(message(1, group, 'join'));
    await Promise.all([
      bot.handleUpdate(message(2, group, 'join')),
      bot.handleUpdate(message(3, group, 'join')),
    ]);
    expect(seen).toEqual([2, 3]);
    slow.resolve();
    await first;
    expect(seen).toEqual([2, 3, 1]);
  });

  it('a failed handler does not hold the user back', async () => {
    const seen: string[] = [];
    const bot = botWith(async (kind) => {
      if (kind === 'message boom') throw new Error('boom');
      seen.push(kind);
    });
    const failing = bot.handleUpdate(message(5, privateChat(5), 'boom'));
    const after = bot.handleUpdate(message(5, privateChat(5), 'next'));
    await expect(failing).rejects.toThrow('boom');
    await after;
    expect(seen).toEqual(['message next']);
  });

  it('keys by user, by chat for the bot membership in a group, and by chat for channel posts', () => {
    const update = {} as Update;
    expect(sequenceKeyOf({ update, from: { id: 4 }, chat: { id: -1, type: 'supergroup' } })).toBe('u4');
    expect(sequenceKeyOf({ update, from: { id: 4 }, chat: { id: 4, type: 'private' } })).toBe('u4');
    const membership = { my_chat_member: {} } as unknown as Update;
    expect(sequenceKeyOf({ update: membership, from: { id: 4 }, chat: { id: -1, type: 'group' } })).toBe(
      'c-1',
    );
    expect(sequenceKeyOf({ update: membership, from: { id: 4 }, chat: { id: 4, type: 'private' } })).toBe(
      'u4',
    );
    expect(sequenceKeyOf({ update, chat: { id: -9, type: 'channel' } })).toBe('c-9');
    expect(sequenceKeyOf({ update })).toBeUndefined();
  });
});
