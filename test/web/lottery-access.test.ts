/**
 * Who may touch a lottery: another tenant using the owner's ids gets 404 `lottery_not_found` on every
 * lottery endpoint (exactly like an unknown id) and changes nothing; no session is 401; a change
 * without the right CSRF token is 403 and changes nothing. The draw proof is the one public route.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sql } from '../../src/db/sql.ts';
import { makeChat, makeEntries, person } from '../helpers/factories/index.ts';
import { createWebWorld, errorOf, type WebWorld } from './helpers.ts';
import {
  addBot,
  botDoor,
  createVia,
  lotteryBody,
  type Organiser,
  openVia,
  organiser,
} from './lottery-helpers.ts';

let world: WebWorld;
let door: { sql: Sql; end(): Promise<void> };
let alice: Organiser;
let bob: Organiser;
/** Alice's lotteries in each state, and one of her winners. */
let ids: { draft: number; open: number; drawn: number; winner: number; prize: number };

beforeAll(async () => {
  world = await createWebWorld();
  door = botDoor(world);
  alice = await organiser(world, 'iso_alice');
  bob = await organiser(world, 'iso_bob');
  await makeChat(world.db, { tenantId: alice.tenantId, chatId: -9001, title: 'Alice channel' });
  await makeChat(world.db, { tenantId: bob.tenantId, chatId: -9002, title: 'Bob channel' });
  await addBot(world, alice.tenantId);
  await addBot(world, bob.tenantId);
  const draft = await createVia(alice.browser, lotteryBody(-9001));
  const open = await openVia(alice.browser, lotteryBody(-9001));
  await makeEntries(door.sql, open.id, [person(1), person(2)]);
  const drawn = await openVia(alice.browser, lotteryBody(-9001));
  await makeEntries(door.sql, drawn.id, [person(1), person(2), person(3), person(4)]);
  await alice.browser.request('POST', `/api/lotteries/${drawn.id}/draw`);
  const winners = (await alice.browser.request('GET', `/api/lotteries/${drawn.id}/winners`)).json().items;
  ids = {
    draft: draft.id,
    open: open.id,
    drawn: drawn.id,
    winner: winners[0].id,
    prize: (draft.prizes as Array<{ id: number }>)[0]!.id,
  };
});
afterAll(async () => {
  await door?.end();
  await world?.close();
});

/** Everything of a tenant's lotteries that a request could change. */
async function snapshot(tenantId: number): Promise<unknown> {
  const tables = await world.query(
    `select
       (select json_agg(l order by l.id) from lotteries l where l.tenant_id = ?) as lotteries,
       (select json_agg(p order by p.id) from prizes p join lotteries l on l.id = p.lottery_id
          where l.tenant_id = ?) as prizes,
       (select count(*) from entries e join lotteries l on l.id = e.lottery_id where l.tenant_id = ?) as entries,
       (select json_agg(w order by w.id) from winners w join lotteries l on l.id = w.lottery_id
          where l.tenant_id = ?) as winners,
       (select count(*) from outbox_messages where tenant_id = ?) as outbox,
       (select count(*) from audit_events where tenant_id = ?) as audit`,
    Array(6).fill(tenantId),
  );
  return tables[0];
}

/** Every lottery endpoint a tenant can call, with Alice's ids. */
function endpoints(): Array<[string, string, unknown?]> {
  const all: Array<[string, string, unknown?]> = [];
  for (const id of [ids.draft, ids.open, ids.drawn]) {
    all.push(
      ['GET', `/api/lotteries/${id}`],
      ['PATCH', `/api/lotteries/${id}`, { title: 'Taken over' }],
      ['PATCH', `/api/lotteries/${id}`, { prizes: [{ id: ids.prize, name: 'Mine', quantity: 99 }] }],
      ['DELETE', `/api/lotteries/${id}`],
      ['POST', `/api/lotteries/${id}/publish`],
      ['POST', `/api/lotteries/${id}/cancel`],
      ['POST', `/api/lotteries/${id}/draw`],
      ['POST', `/api/lotteries/${id}/reroll`, { winner_ids: [ids.winner], reason: 'mine now' }],
      ['GET', `/api/lotteries/${id}/entries`],
      ['GET', `/api/lotteries/${id}/entries?query=User`],
      ['GET', `/api/lotteries/${id}/entries.csv`],
      ['GET', `/api/lotteries/${id}/winners`],
    );
  }
  return all;
}

describe('tenant isolation', () => {
  it('answers 404 lottery_not_found to another tenant on every endpoint, and changes nothing', async () => {
    const before = await snapshot(alice.tenantId);
    for (const [method, url, body] of endpoints()) {
      const res = await bob.browser.request(method as 'GET', url, body);
      expect(res.statusCode, `${method} ${url}`).toBe(404);
      expect(errorOf(res), `${method} ${url}`).toEqual({
        code: 'lottery_not_found',
        message: 'No lottery with this id.',
      });
      expect(res.body).not.toContain('User 1');
    }
    expect(await snapshot(alice.tenantId)).toEqual(before);
  });

  it("gives the same answer for another tenant's lottery as for an id that does not exist", async () => {
    const unknown = await bob.browser.request('GET', '/api/lotteries/2000000000');
    const foreign = await bob.browser.request('GET', `/api/lotteries/${ids.open}`);
    expect(foreign.statusCode).toBe(unknown.statusCode);
    expect(foreign.json()).toEqual(unknown.json());
  });

  it("never lists or uses the other tenant's lotteries, chats, prizes or winners", async () => {
    expect((await bob.browser.request('GET', '/api/lotteries')).json().items).toEqual([]);
    const chats = (await bob.browser.request('GET', '/api/chats')).json().items;
    expect(chats.map((c: { chat_id: number }) => c.chat_id)).toEqual([-9002]);

    const before = await snapshot(alice.tenantId);
    // Alice's chat as a target or a membership condition: not an admin chat of Bob's bot.
    const target = await bob.browser.request('POST', '/api/lotteries', lotteryBody(-9001));
    expect(errorOf(target).code).toBe('chat_not_admin');
    const condition = await bob.browser.request(
      'POST',
      '/api/lotteries',
      lotteryBody(-9002, { join_conditions: [{ kind: 'member', chat_id: -9001 }] }),
    );
    expect(errorOf(condition).code).toBe('chat_not_admin');
    // Alice's prize id in Bob's open lottery, Alice's winner id in Bob's drawn lottery.
    const own = await openVia(bob.browser, lotteryBody(-9002));
    const prizeRes = await bob.browser.request('PATCH', `/api/lotteries/${own.id}`, {
      prizes: [...(own.prizes as object[]), { id: ids.prize, name: 'Stolen', quantity: 1 }],
    });
    expect(prizeRes.statusCode).toBe(400);
    await makeEntries(door.sql, own.id, [person(7)]);
    await bob.browser.request('POST', `/api/lotteries/${own.id}/draw`);
    const reroll = await bob.browser.request('POST', `/api/lotteries/${own.id}/reroll`, {
      winner_ids: [ids.winner],
      reason: 'not mine',
    });
    expect(reroll.statusCode).toBe(422);
    expect(errorOf(reroll).code).toBe('winner_not_active');
    // A draft's PATCH with Alice's prize id adds a new prize to Bob's lottery; Alice's stays as it was.
    const draft = await createVia(bob.browser, lotteryBody(-9002));
    const patched = await bob.browser.request('PATCH', `/api/lotteries/${draft.id}`, {
      prizes: [{ id: ids.prize, name: 'Renamed', quantity: 3 }],
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json().prizes[0].id).not.toBe(ids.prize);
    expect(await snapshot(alice.tenantId)).toEqual(before);
  });
});

describe('signed-in only', () => {
  it('answers 401 without a session on every endpoint but the proof', async () => {
    const routes: Array<[string, string, unknown?]> = [
      ['GET', '/api/lotteries'],
      ['POST', '/api/lotteries', lotteryBody(-9001)],
      ['GET', '/api/chats'],
      ...endpoints(),
    ];
    for (const [method, url, body] of routes) {
      const res = await world.app.inject({
        method: method as 'GET',
        url,
        ...(body === undefined ? {} : { payload: body as object }),
      });
      expect(res.statusCode, `${method} ${url}`).toBe(401);
      expect(errorOf(res).code).toBe('unauthenticated');
    }
    const proof = await world.app.inject({ method: 'GET', url: `/api/lotteries/${ids.drawn}/proof` });
    expect(proof.statusCode).toBe(200);
    expect(proof.json().lotteryId).toBe(ids.drawn);
  });

  it('answers 403 to a change without the right CSRF token, and changes nothing', async () => {
    const before = await snapshot(alice.tenantId);
    const changes = [
      ['POST', '/api/lotteries', lotteryBody(-9001)],
      ...endpoints().filter(([method]) => method !== 'GET'),
    ] as Array<[string, string, unknown?]>;
    alice.browser.sendCsrf = false;
    try {
      for (const [method, url, body] of changes) {
        for (const headers of [{}, { 'x-csrf-token': 'forged' }] as Record<string, string>[]) {
          const res = await alice.browser.request(method as 'POST', url, body, headers);
          expect(res.statusCode, `${method} ${url}`).toBe(403);
          expect(errorOf(res).code).toBe('csrf_failed');
        }
      }
      // A request from another site is refused even with the token.
      const crossSite = await alice.browser.request('POST', `/api/lotteries/${ids.open}/draw`, undefined, {
        'x-csrf-token': alice.browser.csrf!,
        origin: 'https://evil.example',
      });
      expect(crossSite.statusCode).toBe(403);
    } finally {
      alice.browser.sendCsrf = true;
    }
    expect(await snapshot(alice.tenantId)).toEqual(before);
  });
});
