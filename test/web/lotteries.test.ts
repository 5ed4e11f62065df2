/**
 * The lottery API's organiser side (docs/api-lotteries.md): create, read, list, edit (draft and open),
 * delete, publish, cancel, the chats, the API reference. Bad input: lottery-input.test.ts; draws,
 * entries, winners and the proof: lottery-draw.test.ts; isolation and the guard: lottery-access.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeChat, unique } from '../helpers/factories/index.ts';
import { createWebWorld, errorOf, type WebWorld } from './helpers.ts';
import {
  addBot,
  createVia,
  fromNow,
  lotteryBody,
  lotteryCount,
  openVia,
  organiser,
  readyOrganiser,
} from './lottery-helpers.ts';

let world: WebWorld;
beforeAll(async () => {
  world = await createWebWorld();
  await organiser(world, 'platform_admin');
});
afterAll(async () => {
  await world?.close();
});

/** An organiser with a bot and one admin chat (its id is returned as `chat`). */
const ready = () => readyOrganiser(world, 'organiser');

describe('POST /api/lotteries and GET', () => {
  it('creates a draft with defaults, and reads it back alone and in the list', async () => {
    const { browser, chat } = await ready();
    const res = await browser.request(
      'POST',
      '/api/lotteries',
      lotteryBody(chat, {
        title: '  年终抽奖  ',
        join_conditions: [{ kind: 'member', chat_id: chat }, { kind: 'has-username' }],
        draw_trigger: { kind: 'time', at: '2099-12-01T20:00:00+08:00' },
      }),
    );
    expect(res.statusCode).toBe(201);
    const lottery = res.json();
    expect(lottery).toMatchObject({
      title: '年终抽奖',
      status: 'draft',
      language: 'zh-CN',
      winner_count: 3,
      join_conditions: [{ kind: 'member', chat_id: chat }, { kind: 'has-username' }],
      draw_trigger: { kind: 'time', at: '2099-12-01T12:00:00.000Z' },
      publish_targets: [chat],
      join_keyword: null,
      commitment: null,
      entry_count: 0,
      changes: [],
      posts: [],
      published_at: null,
      drawn_at: null,
      cancelled_at: null,
    });
    expect(lottery.prizes.map((p: { name: string; quantity: number }) => [p.name, p.quantity])).toEqual([
      ['AirPods', 2],
      ['Sticker', 1],
    ]);
    expect(Number.isInteger(lottery.prizes[0].id)).toBe(true);
    expect((await browser.request('GET', `/api/lotteries/${lottery.id}`)).json()).toEqual(lottery);

    const second = await createVia(browser, lotteryBody(chat, { language: 'en', join_keyword: '抽奖' }));
    const list = await browser.request('GET', '/api/lotteries');
    expect(list.statusCode).toBe(200);
    expect(list.json().items.map((l: { id: number }) => l.id)).toEqual([second.id, lottery.id]);
    const drafts = await browser.request('GET', '/api/lotteries?status=open');
    expect(drafts.json().items).toEqual([]);
  });

  it('answers 422 chat_not_admin naming a chat the bot does not administer, and stores nothing', async () => {
    const { browser, tenantId, chat } = await ready();
    await makeChat(world.db, { tenantId, chatId: -42, botStatus: 'member', type: 'supergroup' });
    for (const body of [
      lotteryBody(-42),
      lotteryBody(chat, { join_conditions: [{ kind: 'member', chat_id: -43 }] }),
    ]) {
      const res = await browser.request('POST', '/api/lotteries', body);
      expect(res.statusCode).toBe(422);
      expect(errorOf(res).code).toBe('chat_not_admin');
      expect(errorOf(res).message).toMatch(/chat -4[23]/);
    }
    expect(await lotteryCount(world, tenantId)).toBe(0);
  });

  it('answers 422 draw_time_past for a time that is not in the future', async () => {
    const { browser, tenantId, chat } = await ready();
    const res = await browser.request(
      'POST',
      '/api/lotteries',
      lotteryBody(chat, { draw_trigger: { kind: 'time', at: fromNow(-60_000) } }),
    );
    expect(res.statusCode).toBe(422);
    expect(errorOf(res).code).toBe('draw_time_past');
    expect(await lotteryCount(world, tenantId)).toBe(0);
  });
});

describe('PATCH /api/lotteries/:id', () => {
  it('changes anything in a draft, and keeps prizes by id', async () => {
    const { browser, tenantId, chat } = await ready();
    await makeChat(world.db, { tenantId, chatId: chat - 1 });
    const draft = await createVia(browser, lotteryBody(chat));
    const prizes = draft.prizes as Array<{ id: number; name: string; quantity: number }>;
    const res = await browser.request('PATCH', `/api/lotteries/${draft.id}`, {
      title: 'Renamed',
      publish_targets: [chat, chat - 1],
      prizes: [
        { id: prizes[1]!.id, name: 'Big sticker', quantity: 5 },
        { name: 'Mug', quantity: 1 },
      ],
      join_keyword: '',
    });
    expect(res.statusCode).toBe(200);
    const edited = res.json();
    expect(edited).toMatchObject({ title: 'Renamed', publish_targets: [chat, chat - 1], winner_count: 6 });
    expect(edited.prizes[0]).toEqual({ id: prizes[1]!.id, name: 'Big sticker', quantity: 5 });
    expect(edited.prizes[1].name).toBe('Mug');
    expect(edited.changes).toEqual([]);
    const empty = await browser.request('PATCH', `/api/lotteries/${draft.id}`, {});
    expect(empty.statusCode).toBe(200);
    expect(empty.json().title).toBe('Renamed');
  });

  it('takes only easier or later changes once open, records them and queues the post edits', async () => {
    const { browser, chat } = await ready();
    const at = fromNow(3_600_000);
    const open = await openVia(browser, lotteryBody(chat, { draw_trigger: { kind: 'time', at } }));
    const prizes = open.prizes as Array<{ id: number; name: string; quantity: number }>;
    const url = `/api/lotteries/${open.id}`;
    for (const body of [
      { title: 'Other' },
      { prizes: [prizes[0]] },
      { prizes: prizes.map((p) => ({ ...p, quantity: p.quantity - 1 || 1, name: 'x' })) },
      { draw_trigger: { kind: 'time', at: fromNow(60_000) } },
      { draw_trigger: { kind: 'manual' } },
      { join_conditions: [{ kind: 'not-bot' }] },
      { publish_targets: [chat, chat - 5] },
    ]) {
      const res = await browser.request('PATCH', url, body);
      expect(res.statusCode, JSON.stringify(body)).toBe(409);
      expect(errorOf(res).code).toBe('lottery_change_not_allowed');
    }
    // The same instant in another spelling is no change.
    const offset = new Date(Date.parse(at) + 8 * 3_600_000).toISOString().replace('Z', '+08:00');
    const same = await browser.request('PATCH', url, { draw_trigger: { kind: 'time', at: offset } });
    expect(same.statusCode, same.body).toBe(200);
    expect(same.json().changes).toEqual([]);

    const later = fromNow(7_200_000);
    const res = await browser.request('PATCH', url, {
      prizes: [...prizes.map((p) => ({ ...p, quantity: p.quantity + 1 })), { name: 'Bonus', quantity: 1 }],
      draw_trigger: { kind: 'time', at: later },
    });
    expect(res.statusCode).toBe(200);
    const edited = res.json();
    expect(edited.winner_count).toBe(6);
    expect(edited.draw_trigger).toEqual({ kind: 'time', at: later });
    expect(edited.changes.map((c: { field: string }) => c.field)).toEqual(['prizes', 'draw_trigger']);
    expect(edited.changes[1]).toMatchObject({ from: { kind: 'time', at }, to: { kind: 'time', at: later } });
    const edits = await world.query('select 1 from outbox_messages where lottery_id = ? and kind = ?', [
      open.id,
      'post-edit',
    ]);
    expect(edits).toHaveLength(1);
  });

  it('answers 409 lottery_not_editable once cancelled, and 400 for a prize id of another lottery', async () => {
    const { browser, chat } = await ready();
    const open = await openVia(browser, lotteryBody(chat, { join_conditions: [{ kind: 'not-bot' }] }));
    const stranger = await browser.request('PATCH', `/api/lotteries/${open.id}`, {
      prizes: [...(open.prizes as object[]), { id: 2_000_000_000, name: 'Ghost', quantity: 1 }],
    });
    expect(stranger.statusCode).toBe(400);
    expect(errorOf(stranger).message).toContain('prizes: there is no prize 2000000000');
    const fewer = await browser.request('PATCH', `/api/lotteries/${open.id}`, { join_conditions: [] });
    expect(fewer.json().changes).toMatchObject([
      { field: 'join_conditions', from: [{ kind: 'not-bot' }], to: [] },
    ]);
    expect((await browser.request('POST', `/api/lotteries/${open.id}/cancel`)).statusCode).toBe(200);
    const res = await browser.request('PATCH', `/api/lotteries/${open.id}`, { title: 'Late' });
    expect(res.statusCode).toBe(409);
    expect(errorOf(res).code).toBe('lottery_not_editable');
  });
});

describe('DELETE, publish, cancel', () => {
  it('deletes drafts only', async () => {
    const { browser, chat } = await ready();
    const draft = await createVia(browser, lotteryBody(chat));
    const res = await browser.request('DELETE', `/api/lotteries/${draft.id}`);
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
    expect(errorOf(await browser.request('GET', `/api/lotteries/${draft.id}`)).code).toBe(
      'lottery_not_found',
    );
    expect((await browser.request('DELETE', `/api/lotteries/${draft.id}`)).statusCode).toBe(404);
    const open = await openVia(browser, lotteryBody(chat));
    const refused = await browser.request('DELETE', `/api/lotteries/${open.id}`);
    expect(refused.statusCode).toBe(409);
    expect(errorOf(refused).code).toBe('lottery_not_draft');
  });

  it('publishes a draft with a commitment and one queued post per target, once', async () => {
    const { browser, tenantId, chat } = await ready();
    const draft = await createVia(browser, lotteryBody(chat));
    const res = await browser.request('POST', `/api/lotteries/${draft.id}/publish`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'open', posts: [{ chat_id: chat, message_id: null }] });
    expect(res.json().commitment).toMatch(/^[0-9a-f]{64}$/);
    expect(res.json().published_at).not.toBeNull();
    const posts = await world.query<{ kind: string }>(
      'select kind from outbox_messages where lottery_id = ?',
      [draft.id],
    );
    expect(posts.map((p) => p.kind)).toEqual(['post']);
    const again = await browser.request('POST', `/api/lotteries/${draft.id}/publish`);
    expect(again.statusCode).toBe(409);
    expect(errorOf(again).code).toBe('lottery_not_draft');
    const audit = await world.query<{ action: string; subject: string }>(
      "select action, subject from audit_events where tenant_id = ? and action like 'lottery.%' order by id",
      [tenantId],
    );
    expect(audit.map((a) => a.action)).toEqual(['lottery.created', 'lottery.published']);
    expect(audit[1]!.subject).toBe(`lottery:${draft.id}`);
  });

  it('answers 404 bot_not_configured without a bot, and 422 when the draw time has passed', async () => {
    const n = unique();
    const who = await organiser(world, `botless_${n}`);
    await makeChat(world.db, { tenantId: who.tenantId, chatId: -77 });
    const draft = await createVia(who.browser, lotteryBody(-77));
    const res = await who.browser.request('POST', `/api/lotteries/${draft.id}/publish`);
    expect(res.statusCode).toBe(404);
    expect(errorOf(res)).toMatchObject({ code: 'bot_not_configured' });
    expect(errorOf(res).message).toContain('@BotFather');

    await addBot(world, who.tenantId);
    const timed = await createVia(
      who.browser,
      lotteryBody(-77, { draw_trigger: { kind: 'time', at: fromNow(60_000) } }),
    );
    const past = { kind: 'time', at: fromNow(-1000) };
    await world.query('update lotteries set draw_trigger = ?::jsonb, draw_at = ? where id = ?', [
      JSON.stringify(past),
      past.at,
      timed.id,
    ]);
    const late = await who.browser.request('POST', `/api/lotteries/${timed.id}/publish`);
    expect(late.statusCode).toBe(422);
    expect(errorOf(late).code).toBe('draw_time_past');
    expect((await who.browser.request('GET', `/api/lotteries/${timed.id}`)).json().status).toBe('draft');
  });

  it('cancels drafts and open lotteries (editing the posts), not drawn ones', async () => {
    const { browser, chat } = await ready();
    const draft = await createVia(browser, lotteryBody(chat));
    const cancelledDraft = await browser.request('POST', `/api/lotteries/${draft.id}/cancel`);
    expect(cancelledDraft.json()).toMatchObject({ status: 'cancelled' });
    const open = await openVia(browser, lotteryBody(chat));
    const res = await browser.request('POST', `/api/lotteries/${open.id}/cancel`);
    expect(res.statusCode).toBe(200);
    expect(res.json().status).toBe('cancelled');
    expect(res.json().cancelled_at).not.toBeNull();
    const kinds = await world.query<{ kind: string }>(
      'select kind from outbox_messages where lottery_id = ? order by id',
      [open.id],
    );
    expect(kinds.map((k) => k.kind)).toEqual(['post', 'post-edit']);
    const again = await browser.request('POST', `/api/lotteries/${open.id}/cancel`);
    expect(again.statusCode).toBe(409);
    expect(errorOf(again).code).toBe('lottery_not_cancellable');
  });
});

describe('GET /api/chats', () => {
  it("lists the bot's chats, admin chats first, never private chats", async () => {
    const { browser, tenantId, chat } = await ready();
    await makeChat(world.db, {
      tenantId,
      chatId: -5,
      botStatus: 'left',
      type: 'supergroup',
      title: 'A group it left',
    });
    await makeChat(world.db, {
      tenantId,
      chatId: 12345,
      type: 'private',
      botStatus: 'member',
      title: 'Someone',
    });
    await makeChat(world.db, {
      tenantId,
      chatId: -6,
      title: '频道',
      username: 'mychannel',
      botStatus: 'creator',
    });
    const res = await browser.request('GET', '/api/chats');
    expect(res.statusCode).toBe(200);
    const items = res.json().items as Array<{ chat_id: number; is_admin: boolean }>;
    expect(items.map((c) => [c.chat_id, c.is_admin])).toEqual([
      [chat, true],
      [-6, true],
      [-5, false],
    ]);
    expect(items[1]).toMatchObject({
      type: 'channel',
      title: '频道',
      username: 'mychannel',
      bot_status: 'creator',
    });
  });
});

describe('API reference', () => {
  it('documents every lottery route with its errors; the proof needs no session', async () => {
    const doc = (await world.app.inject({ method: 'GET', url: '/api/docs/json' })).json() as {
      paths: Record<string, Record<string, { responses: Record<string, unknown>; security?: unknown[] }>>;
    };
    const expected: Array<[string, string]> = [
      ['/api/lotteries', 'get'],
      ['/api/lotteries', 'post'],
      ['/api/lotteries/{id}', 'get'],
      ['/api/lotteries/{id}', 'patch'],
      ['/api/lotteries/{id}', 'delete'],
      ['/api/lotteries/{id}/publish', 'post'],
      ['/api/lotteries/{id}/cancel', 'post'],
      ['/api/lotteries/{id}/draw', 'post'],
      ['/api/lotteries/{id}/reroll', 'post'],
      ['/api/lotteries/{id}/entries', 'get'],
      ['/api/lotteries/{id}/entries.csv', 'get'],
      ['/api/lotteries/{id}/winners', 'get'],
      ['/api/lotteries/{id}/proof', 'get'],
      ['/api/chats', 'get'],
    ];
    for (const [path, method] of expected) {
      const operation = doc.paths[path]?.[method];
      expect(operation, `${method} ${path}`).toBeDefined();
      const ok = method === 'post' && path === '/api/lotteries' ? '201' : method === 'delete' ? '204' : '200';
      expect(Object.keys(operation!.responses)).toEqual(expect.arrayContaining([ok, '400', '429', '500']));
    }
    expect(doc.paths['/api/lotteries/{id}/proof']!.get!.security).toEqual([]);
    expect(Object.keys(doc.paths['/api/lotteries/{id}']!.get!.responses)).toEqual(
      expect.arrayContaining(['401', '403', '404']),
    );
  });
});
