/**
 * The lottery API after publication: entries (paging, search, CSV export), the manual draw (exactly
 * once, winning conditions checked with getChatMember against the sandbox, proof link), winners, rerolls
 * and the public proof. Entries are made with the domain's `joinLottery`, as the bot process makes them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sql } from '../../src/db/sql.ts';
import { verifyProof } from '../../src/lottery/fairness/index.ts';
import { drawProofSchema } from '../../src/lottery/fairness/schema.ts';
import { makeChat, makeEntries, person, unique } from '../helpers/factories/index.ts';
import { createWebWorld, errorOf, signedUp, type WebWorld } from './helpers.ts';
import {
  addBot,
  botDoor,
  lotteryBody,
  type Organiser,
  openVia,
  organiser,
  readyOrganiser,
} from './lottery-helpers.ts';

let world: WebWorld;
let door: { sql: Sql; end(): Promise<void> };
beforeAll(async () => {
  world = await createWebWorld();
  door = botDoor(world);
});
afterAll(async () => {
  await door?.end();
  await world?.close();
});

/** An organiser with a bot and one admin chat (its id is returned as `chat`). */
const ready = () => readyOrganiser(world, 'drawer');

/** An open lottery with entrants 1..count (user ids offset by `base`). */
async function withEntries(count: number, base = 1000): Promise<Organiser & { chat: number; id: number }> {
  const who = await ready();
  const open = await openVia(who.browser, lotteryBody(who.chat));
  await makeEntries(
    door.sql,
    open.id,
    Array.from({ length: count }, (_, i) => person(base + i)),
  );
  return { ...who, id: open.id };
}

describe('entries', () => {
  it('pages with a cursor, counts, and searches by name, @username or user id', async () => {
    const who = await ready();
    const open = await openVia(who.browser, lotteryBody(who.chat));
    await makeEntries(door.sql, open.id, [
      person(501, { firstName: 'Ann', lastName: 'Lee', username: 'ann_lee' }),
      person(502, { firstName: '小明', lastName: '王', username: null }),
      person(503, { firstName: 'Bob', username: 'bobby' }),
      person(504, { firstName: 'Annabel', username: null }),
      person(505, { firstName: '50%_off', username: null }),
    ]);
    const url = `/api/lotteries/${open.id}/entries`;
    const first = (await who.browser.request('GET', `${url}?limit=2`)).json();
    expect(first.total).toBe(5);
    expect(first.items.map((e: { user_id: number }) => e.user_id)).toEqual([501, 502]);
    expect(first.items[0]).toMatchObject({
      first_name: 'Ann',
      last_name: 'Lee',
      username: 'ann_lee',
      source: 'button',
    });
    expect(first.next_cursor).toEqual(expect.any(String));
    const second = (await who.browser.request('GET', `${url}?limit=2&cursor=${first.next_cursor}`)).json();
    expect(second.items.map((e: { user_id: number }) => e.user_id)).toEqual([503, 504]);
    const last = (await who.browser.request('GET', `${url}?limit=2&cursor=${second.next_cursor}`)).json();
    expect(last.items.map((e: { user_id: number }) => e.user_id)).toEqual([505]);
    expect(last.next_cursor).toBeNull();

    const search = async (q: string) =>
      (await who.browser.request('GET', `${url}?query=${encodeURIComponent(q)}`))
        .json()
        .items.map((e: { user_id: number }) => e.user_id);
    expect(await search('ann')).toEqual([501, 504]);
    expect(await search('@bobby')).toEqual([503]);
    expect(await search('小明')).toEqual([502]);
    expect(await search('503')).toEqual([503]);
    expect(await search('%')).toEqual([505]);
    expect((await who.browser.request('GET', `${url}?query=ann`)).json().total).toBe(2);
  });

  it('answers 400 for a bad limit, cursor or unknown parameter', async () => {
    const { browser, id } = await withEntries(1);
    for (const q of ['limit=0', 'limit=201', 'limit=ten', 'cursor=%25%25', 'cursor=bm90LWFuLWlk', 'page=2']) {
      const res = await browser.request('GET', `/api/lotteries/${id}/entries?${q}`);
      expect(res.statusCode, q).toBe(400);
      expect(errorOf(res).code).toBe('validation_failed');
      expect(errorOf(res).message).toMatch(/query parameter|unknown field/);
    }
  });

  it('exports every entry as CSV with a BOM, names intact, formulas defused', async () => {
    const who = await ready();
    const open = await openVia(who.browser, lotteryBody(who.chat));
    const empty = await who.browser.request('GET', `/api/lotteries/${open.id}/entries.csv`);
    expect(empty.statusCode).toBe(200);
    expect(empty.body.replace(/^\uFEFF/, '')).toBe(
      'entry_id,user_id,first_name,last_name,username,source,joined_at\n',
    );
    await makeEntries(door.sql, open.id, [
      person(601, { firstName: '张', lastName: '伟', username: 'zhang_wei' }),
      person(602, { firstName: 'Zoë, "the" best', lastName: null, username: null }),
      person(603, { firstName: '=HYPERLINK("http://evil")', lastName: '@SUM(A1)', username: 'ok' }),
    ]);
    const res = await who.browser.request('GET', `/api/lotteries/${open.id}/entries.csv`);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe(`attachment; filename="lottery-${open.id}-entries.csv"`);
    expect([...res.rawPayload.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = res.rawPayload.subarray(3).toString('utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[1]).toMatch(/^\d+,601,张,伟,zhang_wei,button,\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(lines[2]).toContain(',602,"Zoë, ""the"" best",,,button,');
    expect(lines[3]).toContain(`,603,"'=HYPERLINK(""http://evil"")",'@SUM(A1),ok,`);
  });
});

describe('POST /api/lotteries/:id/draw', () => {
  it('draws exactly once, with winners, a proof anyone can verify, and queued announcements', async () => {
    const { browser, tenantId, id } = await withEntries(6);
    const [a, b] = await Promise.all([
      browser.request('POST', `/api/lotteries/${id}/draw`),
      browser.request('POST', `/api/lotteries/${id}/draw`),
    ]);
    expect([a.statusCode, b.statusCode].sort()).toEqual([200, 409]);
    const drawn = (a.statusCode === 200 ? a : b).json();
    expect(drawn).toMatchObject({ status: 'drawn', entry_count: 6 });
    expect(drawn.drawn_at).not.toBeNull();
    expect(errorOf(a.statusCode === 409 ? a : b)).toMatchObject({ code: 'lottery_not_open' });

    const winners = (await browser.request('GET', `/api/lotteries/${id}/winners`)).json().items;
    expect(winners).toHaveLength(3);
    expect(winners.map((w: { position: number }) => w.position)).toEqual([1, 2, 3]);
    expect(winners[0]).toMatchObject({
      prize: { name: 'AirPods' },
      status: 'active',
      replaced_reason: null,
      delivery: { status: 'pending', error: null, delivered_at: null },
    });
    expect(winners[0].user.first_name).toBe(`User ${winners[0].user.id}`);

    const proof = await world.app.inject({ method: 'GET', url: `/api/lotteries/${id}/proof` });
    expect(proof.statusCode).toBe(200);
    const document = drawProofSchema.parse(proof.json());
    expect(verifyProof(document).ok).toBe(true);
    expect(document.commitment).toBe(drawn.commitment);
    expect(document.userIds).toHaveLength(6);

    const kinds = await world.query<{ kind: string }>(
      'select kind from outbox_messages where lottery_id = ? order by id',
      [id],
    );
    expect(kinds.filter((k) => k.kind === 'announce')).toHaveLength(1);
    expect(kinds.filter((k) => k.kind === 'winner-dm')).toHaveLength(3);
    const audit = await world.query<{ action: string; detail: { winners: number } }>(
      "select action, detail from audit_events where tenant_id = ? and action = 'lottery.drawn'",
      [tenantId],
    );
    expect(audit).toEqual([{ action: 'lottery.drawn', detail: { entries: 6, winners: 3 } }]);
    const metrics = await world.app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(/^tg_lottery_draws [1-9]/m);
    expect(metrics.body).toMatch(/^tg_lottery_entries [1-9]/m);
    expect(metrics.body).toMatch(/^tg_lottery_outbox_depth [1-9]/m);
  });

  it('answers 409 lottery_not_open for a draft or a cancelled lottery', async () => {
    const { browser, id } = await withEntries(1);
    await browser.request('POST', `/api/lotteries/${id}/cancel`);
    const res = await browser.request('POST', `/api/lotteries/${id}/draw`);
    expect(res.statusCode).toBe(409);
    expect(errorOf(res).message).toContain('cancelled');
  });

  it("replaces a winner who left a membership chat, asking the tenant's bot (getChatMember)", async () => {
    const who = await organiser(world, `member_check_${unique()}`);
    const bot = await addBot(world, who.tenantId);
    const client = world.sandbox.client;
    const channel = (await client.createChat({ type: 'channel', title: 'Sponsor channel' })).id;
    await client.setMember(channel, { user_id: bot.id, status: 'administrator' });
    await makeChat(world.db, { tenantId: who.tenantId, chatId: channel, title: 'Sponsor channel' });
    const stays = (await client.createUser({ first_name: 'Stays' })).id;
    const leaves = (await client.createUser({ first_name: 'Leaves' })).id;
    await client.setMember(channel, { user_id: stays, status: 'member' });
    await client.setMember(channel, { user_id: leaves, status: 'left' });
    const open = await openVia(
      who.browser,
      lotteryBody(channel, {
        // Two prizes for two entrants: both are drawn, so the leaver is always checked and replaced.
        prizes: [{ name: 'Ticket', quantity: 2 }],
        join_conditions: [{ kind: 'member', chat_id: channel }],
      }),
    );
    await makeEntries(door.sql, open.id, [person(stays), person(leaves)]);
    expect((await who.browser.request('POST', `/api/lotteries/${open.id}/draw`)).statusCode).toBe(200);
    const winners = (await who.browser.request('GET', `/api/lotteries/${open.id}/winners`)).json().items;
    const active = winners.filter((w: { status: string }) => w.status === 'active');
    expect(active.map((w: { user: { id: number } }) => w.user.id)).toEqual([stays]);
    const replaced = winners.filter((w: { status: string }) => w.status === 'replaced');
    expect(replaced).toHaveLength(1);
    expect(replaced[0].user.id).toBe(leaves);
    expect(replaced[0].replaced_reason).toContain('not a member of Sponsor channel');
    const proof = (await world.app.inject({ method: 'GET', url: `/api/lotteries/${open.id}/proof` })).json();
    expect(verifyProof(drawProofSchema.parse(proof)).ok).toBe(true);
    expect(proof.undrawn).toEqual([{ prizeId: expect.any(Number), count: 1 }]);
  });

  it('links the proof page in the announcement when the public URL is known', async () => {
    const app = await world.another({ publicUrl: 'https://lottery.example/' });
    const browser = await signedUp(app, `public_url_${unique()}`);
    const tenantId = ((await browser.request('GET', '/api/me')).json() as { id: number }).id;
    await makeChat(world.db, { tenantId, chatId: -555 });
    await addBot(world, tenantId);
    const open = await openVia(browser, lotteryBody(-555));
    await makeEntries(door.sql, open.id, [person(1), person(2)]);
    expect((await browser.request('POST', `/api/lotteries/${open.id}/draw`)).statusCode).toBe(200);
    const [announce] = await world.query<{ payload: { text: string } }>(
      "select payload from outbox_messages where lottery_id = ? and kind = 'announce'",
      [open.id],
    );
    expect(announce!.payload.text).toContain(`https://lottery.example/proof/${open.id}`);
  });
});

describe('POST /api/lotteries/:id/reroll', () => {
  it('replaces chosen winners with recorded reasons; the proof still verifies', async () => {
    const { browser, id } = await withEntries(8, 2000);
    const early = await browser.request('POST', `/api/lotteries/${id}/reroll`, {
      winner_ids: [1],
      reason: 'x',
    });
    expect(early.statusCode).toBe(409);
    expect(errorOf(early).code).toBe('lottery_not_drawn');
    await browser.request('POST', `/api/lotteries/${id}/draw`);
    const before = (await browser.request('GET', `/api/lotteries/${id}/winners`)).json().items;
    const target = before[0];
    const res = await browser.request('POST', `/api/lotteries/${id}/reroll`, {
      winner_ids: [target.id],
      reason: '  did not answer within 48 h ',
    });
    expect(res.statusCode).toBe(200);
    const items = res.json().items as Array<{ id: number; status: string; replaced_reason: string | null }>;
    expect(items.find((w) => w.id === target.id)).toMatchObject({
      status: 'replaced',
      replaced_reason: 'did not answer within 48 h',
    });
    expect(items.filter((w) => w.status === 'active')).toHaveLength(3);
    expect(items).toEqual((await browser.request('GET', `/api/lotteries/${id}/winners`)).json().items);
    const proof = (await world.app.inject({ method: 'GET', url: `/api/lotteries/${id}/proof` })).json();
    expect(proof.rerolls).toHaveLength(1);
    expect(verifyProof(drawProofSchema.parse(proof)).ok).toBe(true);

    const again = await browser.request('POST', `/api/lotteries/${id}/reroll`, {
      winner_ids: [target.id],
      reason: 'again',
    });
    expect(again.statusCode).toBe(422);
    expect(errorOf(again)).toMatchObject({ code: 'winner_not_active' });
    expect(errorOf(again).message).toContain(String(target.id));
  });

  it.each([
    [{ reason: 'x' }, 'winner_ids is required'],
    [{ winner_ids: [], reason: 'x' }, 'winner_ids: name at least one winner'],
    [{ winner_ids: ['a'], reason: 'x' }, 'winner_ids.0: must be winner ids'],
    [{ winner_ids: [1] }, 'reason is required'],
    [{ winner_ids: [1], reason: '   ' }, 'reason: give a reason'],
    [{ winner_ids: [1], reason: 'r'.repeat(501) }, 'reason: must be at most 500 characters'],
    [{ winner_ids: [1], reason: 'x', extra: 1 }, 'unknown field: extra'],
  ])('%j → 400', async (body, message) => {
    const { browser, id } = await withEntries(0);
    const res = await browser.request('POST', `/api/lotteries/${id}/reroll`, body);
    expect(res.statusCode).toBe(400);
    expect(errorOf(res).message).toContain(message);
  });
});

describe('GET /api/lotteries/:id/proof (public)', () => {
  it('needs no session, answers 404 proof_not_found before the draw, and is rate limited', async () => {
    const { id } = await withEntries(1);
    const before = await world.app.inject({ method: 'GET', url: `/api/lotteries/${id}/proof` });
    expect(before.statusCode).toBe(404);
    expect(errorOf(before).code).toBe('proof_not_found');
    expect((await world.app.inject({ method: 'GET', url: '/api/lotteries/x/proof' })).statusCode).toBe(400);

    const limited = await world.another({}, { rateLimits: { perMinute: 2 } });
    const codes: number[] = [];
    for (let i = 0; i < 3; i++) {
      codes.push((await limited.inject({ method: 'GET', url: `/api/lotteries/${id}/proof` })).statusCode);
    }
    expect(codes).toEqual([404, 404, 429]);
  });
});
