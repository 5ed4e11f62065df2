/**
 * A small fuzz test: a few hundred random JSON values (seeded, so a failure can be replayed) and broken
 * JSON texts, sent to every state-changing endpoint as a signed-in admin (so they get past the guard to
 * validation and the services). No answer may be a 5xx, and every error must be in the one error shape.
 * The lottery endpoints get lottery-shaped bodies, mostly almost right, so they also reach the domain.
 */
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionRepository } from '../../src/db/repositories/sessions.ts';
import { createCsrfTokens, newSessionId, sha256Hex } from '../../src/web/auth/secrets.ts';
import { ERROR_CATALOGUE } from '../../src/web/errors.ts';
import { makeOrganiser, sqlOf } from '../helpers/factories/index.ts';
import { APP_SECRET, createWebWorld, signedUp, type WebWorld } from './helpers.ts';

const SEED = 0x5eed_2026;
const VALUES = 300;

/** mulberry32: a tiny seeded PRNG, uniform in [0, 1). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const KEYS = [
  'username',
  'password',
  'token',
  'enabled',
  'invite',
  'id',
  'constructor',
  'toString',
  'limit',
  '',
];

function generator(random: () => number, validToken: string) {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const int = (max: number) => Math.floor(random() * max);
  const string = (): string => {
    switch (int(9)) {
      case 0:
        return '';
      case 1:
        return 'x'.repeat(int(3) === 0 ? 100_000 : 300);
      case 2:
        return `${int(1e9)}:${'A'.repeat(20 + int(40))}`;
      case 3:
        return validToken;
      case 4:
        return String.fromCodePoint(...Array.from({ length: 1 + int(12) }, () => int(0x2ffff)));
      case 5:
        return pick([
          'admin',
          'fuzz_user',
          'Fuzz_User',
          '  spaced  ',
          '用户名',
          'a\u0000b',
          '../../etc/passwd',
        ]);
      case 6:
        return "'; drop table tenants; --";
      case 7:
        return pick(['true', 'null', '1', '-1', '1e309', 'NaN']);
      default:
        return random()
          .toString(36)
          .slice(2, 2 + int(12));
    }
  };
  const value = (depth: number): unknown => {
    const kind = depth > 3 ? int(5) : int(8);
    switch (kind) {
      case 0:
        return null;
      case 1:
        return random() < 0.5;
      case 2:
        return pick([0, -1, 1, 1.5, 2 ** 31, 2 ** 53 + 1, -(2 ** 63), 1e308, Number.MIN_VALUE]);
      case 3:
      case 4:
        return string();
      case 5:
        return Array.from({ length: int(4) }, () => value(depth + 1));
      default: {
        const out: Record<string, unknown> = {};
        for (let i = int(5); i > 0; i--) out[pick(KEYS)] = value(depth + 1);
        return out;
      }
    }
  };
  const maybe = (key: string, out: Record<string, unknown>, good: () => unknown) => {
    if (random() < 0.8) out[key] = random() < 0.8 ? good() : value(1);
  };
  const chat = () => pick<unknown>([-100, -100, -101, 0, 1.5, '-100', 2 ** 53]);
  /** A lottery-shaped body (POST/PATCH, reroll), usually valid or nearly so. */
  const lottery = (): string => {
    const roll = random();
    if (roll < 0.15) return JSON.stringify(value(0)) ?? 'null';
    if (roll < 0.5) {
      // Valid (unless the draw time drawn is past): these reach the rules of the domain.
      return JSON.stringify({
        title: pick(['Giveaway', '抽奖 🎁']),
        prizes: [{ name: 'Prize', quantity: 1 + int(3) }],
        draw_trigger: pick([{ kind: 'manual' }, { kind: 'entries', count: 1 + int(5) }]),
        publish_targets: pick([[-100], [-101], [-100, -101], [-102]]),
        ...(random() < 0.3 ? { join_conditions: [{ kind: 'member', chat_id: -101 }] } : {}),
        ...(random() < 0.3 ? { winner_ids: [1 + int(3)], reason: 'fuzz' } : {}),
      });
    }
    const out: Record<string, unknown> = {};
    maybe('title', out, () => (random() < 0.7 ? pick(['Giveaway', '抽奖 🎁', ' t ']) : string()));
    maybe('description', out, string);
    maybe('language', out, () => pick(['zh-CN', 'en', 'fr']));
    maybe('prizes', out, () =>
      Array.from({ length: int(4) }, () => ({
        ...(random() < 0.3 ? { id: pick<unknown>([1, 2, 3, 0, 'a']) } : {}),
        name: random() < 0.8 ? 'Prize' : string(),
        quantity: pick<unknown>([1, 2, 3, 0, -1, 10_001, 1.5, '2']),
      })),
    );
    maybe('join_conditions', out, () =>
      Array.from({ length: int(3) }, () =>
        pick<unknown>([
          { kind: 'member', chat_id: chat() },
          { kind: 'has-username' },
          { kind: 'not-bot' },
          { kind: string() },
        ]),
      ),
    );
    maybe('draw_trigger', out, () =>
      pick<unknown>([
        { kind: 'manual' },
        { kind: 'time', at: new Date(Date.now() + (random() - 0.3) * 1e9).toISOString() },
        { kind: 'time', at: string() },
        { kind: 'entries', count: pick<unknown>([1, 5, 0, 1e12]) },
      ]),
    );
    maybe('publish_targets', out, () => pick<unknown>([[-100], [-100, -101], [-100, -100], [], [chat()]]));
    if (random() < 0.3) out.join_keyword = random() < 0.5 ? null : string();
    if (random() < 0.3)
      out.winner_ids = Array.from({ length: int(3) }, () => pick<unknown>([1, 2, 3, -1, 'x']));
    if (random() < 0.3) out.reason = string();
    return JSON.stringify(out);
  };
  /** A body: mostly objects with the endpoints' own keys, sometimes anything. */
  const generic = (): string => {
    const roll = random();
    if (roll < 0.1) {
      const text = JSON.stringify(value(0)) ?? 'null';
      return text.slice(0, Math.max(1, int(text.length))); // truncated: usually broken JSON
    }
    if (roll < 0.25) return JSON.stringify(value(0)) ?? 'null';
    const out: Record<string, unknown> = {};
    for (const key of ['username', 'password', 'token', 'enabled', 'invite']) {
      if (random() < 0.5) out[key] = random() < 0.6 ? string() : value(1);
    }
    return JSON.stringify(out);
  };
  return { generic, lottery };
}

let world: WebWorld;
beforeAll(async () => {
  world = await createWebWorld();
});
afterAll(async () => {
  await world?.close();
});

/** A session straight in the database (so logout can be fuzzed without signing in each time). */
async function mintSession(tenantId: number): Promise<Record<string, string>> {
  const id = newSessionId();
  await sessionRepository.insert(sqlOf(world.db), {
    idHash: sha256Hex(id),
    tenantId,
    expiresAt: new Date(Date.now() + 3600_000),
  });
  return {
    cookie: `tgl_session=${id}; tgl_csrf=${createCsrfTokens(APP_SECRET).forSession(id)}`,
    'x-csrf-token': createCsrfTokens(APP_SECRET).forSession(id),
  };
}

function expectWellFormed(res: LightMyRequestResponse, what: string): void {
  expect(res.statusCode, `${what} → ${res.statusCode} ${res.body.slice(0, 300)}`).toBeLessThan(500);
  if (res.statusCode >= 400) {
    const body = res.json() as { error?: { code?: string; message?: unknown } };
    expect(Object.keys(ERROR_CATALOGUE), what).toContain(body.error?.code);
    expect(typeof body.error?.message, what).toBe('string');
  }
}

describe(`fuzz (seed ${SEED.toString(16)}, ${VALUES} values)`, () => {
  // Hundreds of requests: the time it takes is not what this test is about, so it gets room on a busy machine.
  it('no state-changing endpoint answers 5xx, and every error has the error shape', {
    timeout: 180_000,
  }, async () => {
    const admin = await signedUp(world.app, 'fuzz_admin');
    const adminId = ((await admin.request('GET', '/api/me')).json() as { id: number }).id;
    const headers = await mintSession(adminId);
    const bot = await world.sandbox.client.createBot({ username: 'fuzz_target_bot' });
    // The lotteries belong to an organiser whose bot config the /api/bot fuzzing leaves alone, with
    // admin chats, so lottery bodies can be saved, published and drawn.
    const lotteryBot = await world.sandbox.client.createBot({ username: 'fuzz_lottery_bot' });
    const { tenantId: organiserId } = await makeOrganiser(world.db, {
      username: 'fuzz_organiser',
      bot: { bot: lotteryBot },
      chats: [
        { chatId: -100, title: 'Fuzz' },
        { chatId: -101, title: 'Fuzz' },
      ],
    });
    const organiserHeaders = await mintSession(organiserId);
    const created: number[] = [];
    const random = prng(SEED);
    const bodies = generator(random, bot.token);

    const endpoints: Array<[string, () => string]> = [
      ['POST', () => '/api/auth/register'],
      ['POST', () => '/api/auth/login'],
      ['PUT', () => '/api/bot'],
      ['POST', () => '/api/bot/restart'],
      ['DELETE', () => '/api/bot'],
      ['POST', () => '/api/admin/invites'],
      ['POST', () => `/api/admin/tenants/${tenantId()}/disable`],
      ['POST', () => `/api/admin/tenants/${Math.floor(random() * 5)}/enable`],
      ['POST', () => '/api/auth/logout'],
      ['POST', () => '/api/me/password'],
      ['DELETE', () => `/api/me/sessions/${pathId()}`],
      ['POST', () => '/api/lotteries'],
      ['PATCH', () => `/api/lotteries/${lotteryId()}`],
      ['DELETE', () => `/api/lotteries/${lotteryId()}`],
      ['POST', () => `/api/lotteries/${lotteryId()}/publish`],
      ['POST', () => `/api/lotteries/${lotteryId()}/cancel`],
      ['POST', () => `/api/lotteries/${lotteryId()}/draw`],
      ['POST', () => `/api/lotteries/${lotteryId()}/reroll`],
    ];
    /** Mostly the lottery created last or another one of the fuzz's, sometimes a broken id. */
    const lotteryId = () => {
      const roll = random();
      if (roll < 0.5 && created.length > 0) return String(created[created.length - 1]);
      if (roll < 0.85 && created.length > 0) return String(created[Math.floor(random() * created.length)]);
      return pathId();
    };
    const pathId = () =>
      [
        'abc',
        '0',
        '-1',
        '1',
        '2',
        '3',
        '999999',
        '1e3',
        '%00',
        '%E2%82%AC',
        '%20',
        '99999999999999999999',
        '1.5',
      ][Math.floor(random() * 13)]!;
    /** A fuzzed tenant id, never the organiser's (so it is never disabled): a missing one stands in. */
    const tenantId = () => {
      const id = pathId();
      return id === String(organiserId) ? '999999' : id;
    };
    const seen = new Map<number, number>();
    const lotteryOutcomes = new Set<string>();
    for (let i = 0; i < VALUES; i++) {
      const generic = bodies.generic();
      const lottery = bodies.lottery();
      for (const [method, url] of endpoints) {
        const path = url();
        const isLottery = path.startsWith('/api/lotteries');
        const payload = isLottery ? lottery : generic;
        const isLogout = path === '/api/auth/logout';
        const res = await world.app.inject({
          method: method as 'POST' | 'PATCH' | 'DELETE',
          url: path,
          payload,
          headers: {
            'content-type': 'application/json',
            ...(isLogout ? await mintSession(adminId) : isLottery ? organiserHeaders : headers),
          },
        });
        if (path === '/api/lotteries' && res.statusCode === 201) created.push(res.json().id);
        seen.set(res.statusCode, (seen.get(res.statusCode) ?? 0) + 1);
        if (path.startsWith('/api/lotteries')) {
          const key = `${method} ${path.replace(/\/lotteries\/[^/]+/, '/lotteries/:id')} ${res.statusCode}`;
          lotteryOutcomes.add(key);
        }
        expectWellFormed(res, `#${i} ${method} ${path} ${payload.slice(0, 200)}`);
      }
    }
    // The fuzz reached past validation too, not only 400s.
    expect(seen.get(400)).toBeGreaterThan(0);
    expect([...seen.keys()].some((s) => s < 300)).toBe(true);
    expect([...seen.keys()].some((s) => s === 404 || s === 409 || s === 422)).toBe(true);
    // The lottery endpoints were reached past validation: saved, published, drawn, refused by the rules.
    for (const outcome of [
      'POST /api/lotteries 201',
      'POST /api/lotteries 422',
      'PATCH /api/lotteries/:id 200',
      'POST /api/lotteries/:id/publish 200',
      'POST /api/lotteries/:id/draw 200',
      'POST /api/lotteries/:id/cancel 409',
    ]) {
      expect([...lotteryOutcomes], outcome).toContain(outcome);
    }
  });
});
