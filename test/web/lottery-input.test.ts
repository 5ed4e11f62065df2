/**
 * Bad input to the lottery API: every malformed field of POST /api/lotteries answers 400 naming the
 * field, and nothing is stored; malformed JSON, bodies that are not objects, oversize bodies, bad ids and
 * list filters too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebWorld, errorOf, type WebWorld } from './helpers.ts';
import { lotteryBody, lotteryCount, type Organiser, organiser, readyOrganiser } from './lottery-helpers.ts';

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

describe('bad input to POST /api/lotteries stores nothing', () => {
  let who: Organiser & { chat: number };
  beforeAll(async () => {
    who = await ready();
  });
  const long = (n: number) => 'x'.repeat(n);
  const prize = { name: 'A', quantity: 1 };
  it.each([
    [{ title: undefined }, 'title is required'],
    [{ prizes: undefined }, 'prizes is required'],
    [{ title: 123 }, 'title: invalid input: expected string, received number'],
    [{ title: '   ' }, 'title: must not be empty'],
    [{ title: long(201) }, 'title: must be at most 200 characters'],
    [{ description: long(2001) }, 'description: must be at most 2000 characters'],
    [{ language: 'fr' }, 'language: must be "zh-CN" or "en"'],
    [{ prizes: [] }, 'prizes: needs at least one prize'],
    [{ prizes: Array.from({ length: 21 }, () => prize) }, 'prizes: may have at most 20 prizes'],
    [{ prizes: [{ name: 'A', quantity: 0 }] }, 'prizes.0.quantity: must be at least 1'],
    [{ prizes: [{ name: 'A', quantity: 1.5 }] }, 'prizes.0.quantity: must be a whole number'],
    [{ prizes: [{ name: 'A', quantity: 10_001 }] }, 'prizes.0.quantity: must be at most 10000'],
    [{ prizes: [{ name: long(201), quantity: 1 }] }, 'prizes.0.name: must be at most 200 characters'],
    [{ prizes: [{ quantity: 1 }] }, 'prizes.0.name is required'],
    [{ prizes: 'AirPods' }, 'prizes: must be a list of prizes'],
    [{ draw_trigger: { kind: 'time', at: 'tomorrow' } }, 'draw_trigger.at: must be an ISO-8601 date-time'],
    [{ draw_trigger: { kind: 'sometime' } }, 'draw_trigger.kind: must be {kind: "time", at}'],
    [{ draw_trigger: { kind: 'entries', count: 0 } }, 'draw_trigger.count: must be at least 1'],
    [{ draw_trigger: undefined }, 'draw_trigger is required'],
    [{ publish_targets: [] }, 'publish_targets: needs at least one chat'],
    [{ publish_targets: [0] }, 'publish_targets.0: must be a Telegram chat id, not 0'],
    [{ publish_targets: ['@channel'] }, 'publish_targets.0: must be a Telegram chat id'],
    [{ publish_targets: [-1, -1] }, 'publish_targets: names the same chat twice'],
    [
      { publish_targets: Array.from({ length: 11 }, (_, i) => -1 - i) },
      'publish_targets: may have at most 10',
    ],
    [{ join_conditions: [{ kind: 'member' }] }, 'join_conditions.0.chat_id is required'],
    [{ join_conditions: Array(6).fill({ kind: 'not-bot' }) }, 'join_conditions: may have at most 5'],
    [{ join_conditions: [{ kind: 'is-rich' }] }, 'join_conditions.0.kind: must be {kind: "member", chat_id}'],
    [
      { join_conditions: [{ kind: 'not-bot' }, { kind: 'not-bot' }] },
      'join_conditions: names the same condition twice',
    ],
    [{ join_keyword: long(65) }, 'join_keyword: must be at most 64 characters'],
    [{ status: 'open' }, 'unknown field: status'],
    [{ winner_count: 100 }, 'unknown field: winner_count'],
    [{ prizes: [{ ...prize, id: 1, extra: true }] }, 'unknown field in prizes.0: extra'],
  ])('%j → 400', async (change, message) => {
    const res = await who.browser.request('POST', '/api/lotteries', { ...lotteryBody(who.chat), ...change });
    expect(res.statusCode).toBe(400);
    expect(errorOf(res).code).toBe('validation_failed');
    expect(errorOf(res).message).toContain(message);
    expect(await lotteryCount(world, who.tenantId)).toBe(0);
  });

  it('answers 400 for malformed JSON, 400 for a body that is not an object, 413 for a huge one', async () => {
    const bad = await who.browser.request('POST', '/api/lotteries', '{"title": "x",', {
      'content-type': 'application/json',
    });
    expect(bad.statusCode).toBe(400);
    expect(errorOf(bad)).toMatchObject({ code: 'invalid_json' });
    expect(errorOf(bad).message).toContain('not valid JSON');
    for (const body of ['[]', 'null', '"lottery"']) {
      const res = await who.browser.request('POST', '/api/lotteries', body, {
        'content-type': 'application/json',
      });
      expect(res.statusCode, body).toBe(400);
    }
    const huge = await who.browser.request('POST', '/api/lotteries', {
      ...lotteryBody(who.chat),
      description: long(2 * 1024 * 1024),
    });
    expect(huge.statusCode).toBe(413);
    expect(await lotteryCount(world, who.tenantId)).toBe(0);
  });

  it('answers 400 for a malformed id or list filter', async () => {
    for (const url of ['/api/lotteries/abc', '/api/lotteries/0', '/api/lotteries/99999999999']) {
      const res = await who.browser.request('GET', url);
      expect(res.statusCode, url).toBe(400);
      expect(errorOf(res).message).toContain('URL parameter id');
    }
    const res = await who.browser.request('GET', '/api/lotteries?status=won');
    expect(res.statusCode).toBe(400);
    expect(errorOf(res).message).toContain('query parameter status: must be one of draft, open');
    expect((await who.browser.request('GET', '/api/lotteries/2147483647')).statusCode).toBe(404);
  });
});

describe('bad input to PATCH /api/lotteries/:id changes nothing', () => {
  it('answers 400 naming the field, for a draft and for an open lottery', async () => {
    const who = await ready();
    const ids: number[] = [];
    for (const publish of [false, true]) {
      const res = await who.browser.request('POST', '/api/lotteries', lotteryBody(who.chat));
      const id = (res.json() as { id: number }).id;
      if (publish) await who.browser.request('POST', `/api/lotteries/${id}/publish`);
      ids.push(id);
    }
    for (const id of ids) {
      const before = (await who.browser.request('GET', `/api/lotteries/${id}`)).json();
      for (const [body, message] of [
        [{ title: '' }, 'title: must not be empty'],
        [{ prizes: [] }, 'prizes: needs at least one prize'],
        [
          {
            prizes: [
              { id: 1, name: 'A', quantity: 1 },
              { id: 1, name: 'B', quantity: 1 },
            ],
          },
          'same prize id',
        ],
        [{ draw_trigger: { kind: 'time' } }, 'draw_trigger.at is required'],
        [{ join_keyword: 5 }, 'join_keyword: invalid input'],
        [{ id: 5 }, 'unknown field: id'],
        ['{"title": }', 'not valid JSON'],
      ] as const) {
        const res = await who.browser.request(
          'PATCH',
          `/api/lotteries/${id}`,
          body,
          typeof body === 'string' ? { 'content-type': 'application/json' } : {},
        );
        expect(res.statusCode, JSON.stringify(body)).toBe(400);
        expect(errorOf(res).message).toContain(message);
      }
      expect((await who.browser.request('GET', `/api/lotteries/${id}`)).json()).toEqual(before);
    }
  });
});
