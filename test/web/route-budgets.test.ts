/**
 * Each route's budget (issue "One client must not slow everyone"): short validation errors and per-route
 * body limits, the public proof compressed and cached with a strong ETag, `/metrics` cached and closed,
 * entry searches on their trigram index under a statement timeout, and heavy requests limited per tenant
 * so another tenant is served while one tenant's slots are full.
 */
import { gunzipSync } from 'node:zlib';
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PlatformCounts } from '../../src/db/repositories/stats.ts';
import { withStatementTimeout } from '../../src/db/sql.ts';
import { verifyProof } from '../../src/lottery/fairness/index.ts';
import { drawProofSchema } from '../../src/lottery/fairness/schema.ts';
import { SEARCH_TEXT, searchClause } from '../../src/lottery/queries.ts';
import { installErrorHandling, toApiError } from '../../src/web/error-handler.ts';
import { createHeavyLimiter } from '../../src/web/heavy-limit.ts';
import { createWebMetrics } from '../../src/web/metrics.ts';
import { metricsRoutes } from '../../src/web/routes/metrics.ts';
import { makeEntries, makeEntriesInBulk, person } from '../helpers/factories/index.ts';
import { waitUntil } from '../helpers/wait.ts';
import { Browser, createWebWorld, errorOf, type WebWorld } from './helpers.ts';
import { botDoor, lotteryBody, openVia, readyOrganiser } from './lottery-helpers.ts';

let world: WebWorld;
let door: ReturnType<typeof botDoor>;
beforeAll(async () => {
  world = await createWebWorld();
  door = botDoor(world);
});
afterAll(async () => {
  await door?.end();
  await world?.close();
});

/** An open lottery of a new organiser with entrants `base`..`base + count - 1`. */
async function openLottery(count: number, base = 7000) {
  const who = await readyOrganiser(world, 'budget');
  const open = await openVia(who.browser, lotteryBody(who.chat));
  await makeEntries(
    door.sql,
    open.id,
    Array.from({ length: count }, (_, i) => person(base + i)),
  );
  return { ...who, id: open.id };
}

/** A browser on `app` with the session of `browser` (both apps share the database). */
function sameSession(browser: Browser, app: FastifyInstance): Browser {
  const copy = new Browser(app);
  for (const [name, value] of browser.cookies) copy.cookies.set(name, value);
  return copy;
}

describe('validation errors and body limits', () => {
  it('answers a sign-in body of thousands of unknown keys with one short sentence', async () => {
    const keys = Object.fromEntries(Array.from({ length: 900 }, (_, i) => [`k${i}`, 1]));
    const body = JSON.stringify({ username: 'someone', password: 'whatever123', ...keys });
    expect(body.length).toBeLessThan(8 * 1024);
    const res = await world.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: body,
    });
    expect(res.statusCode).toBe(400);
    const { code, message } = errorOf(res);
    expect(code).toBe('validation_failed');
    expect(message).toBe('Invalid request: unknown fields: k0, k1, k2 and 897 more.');
    expect(res.body.length).toBeLessThan(300);
  });

  it('refuses a 70,000-key body by its size before parsing it, naming the limit', async () => {
    const keys = Object.fromEntries(Array.from({ length: 70_000 }, (_, i) => [`key_${i}`, i]));
    const res = await world.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: JSON.stringify({ username: 'someone', password: 'whatever123', ...keys }),
    });
    expect(res.statusCode).toBe(413);
    expect(errorOf(res)).toEqual({
      code: 'payload_too_large',
      message: 'The request body is too large: this route accepts at most 8 KiB.',
    });
  });

  it('lets a lottery write take a larger body than sign-in, up to its own limit', async () => {
    const who = await readyOrganiser(world, 'budget');
    const ok = await who.browser.request(
      'POST',
      '/api/lotteries',
      lotteryBody(who.chat, { description: '奖'.repeat(2000), prizes: bigPrizes() }), // ~12 KB: over 8 KiB
    );
    expect(ok.statusCode).toBe(201);
    const tooBig = await who.browser.request('POST', '/api/lotteries', {
      ...lotteryBody(who.chat),
      padding: 'x'.repeat(70 * 1024),
    });
    expect(tooBig.statusCode).toBe(413);
    expect(errorOf(tooBig).message).toContain('at most 64 KiB');
  });
});

/** 3 prizes with 200-character (CJK) names. */
function bigPrizes() {
  return Array.from({ length: 3 }, (_, i) => ({ name: `${i}${'奖'.repeat(199)}`, quantity: 1 }));
}

describe('GET /api/lotteries/:id/proof budget', () => {
  it('is gzip-compressed with a strong ETag, answers 304 to If-None-Match, and changes on a reroll', async () => {
    const { browser, id } = await openLottery(40);
    expect((await browser.request('POST', `/api/lotteries/${id}/draw`)).statusCode).toBe(200);

    const zipped = await world.app.inject({
      method: 'GET',
      url: `/api/lotteries/${id}/proof`,
      headers: { 'accept-encoding': 'gzip, deflate, br' },
    });
    expect(zipped.statusCode).toBe(200);
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.headers.vary).toMatch(/accept-encoding/i);
    expect(zipped.headers['cache-control']).toBe('public, max-age=60, must-revalidate');
    const etag = String(zipped.headers.etag);
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{32}-gz"$/);
    const proof = drawProofSchema.parse(JSON.parse(gunzipSync(zipped.rawPayload).toString('utf8')));
    expect(proof.userIds).toHaveLength(40);
    expect(verifyProof(proof).ok).toBe(true);

    const plain = await world.app.inject({ method: 'GET', url: `/api/lotteries/${id}/proof` });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.headers.etag).toBe(etag.replace('-gz"', '"'));
    expect(plain.json()).toEqual(proof);

    for (const tag of [etag, String(plain.headers.etag), `W/${etag}`]) {
      const again = await world.app.inject({
        method: 'GET',
        url: `/api/lotteries/${id}/proof`,
        headers: { 'if-none-match': tag, 'accept-encoding': 'gzip' },
      });
      expect(again.statusCode).toBe(304);
      expect(again.body).toBe('');
      expect(again.headers.etag).toBe(etag);
    }

    const winners = (await browser.request('GET', `/api/lotteries/${id}/winners`)).json().items;
    const reroll = await browser.request('POST', `/api/lotteries/${id}/reroll`, {
      winner_ids: [winners[0].id],
      reason: 'did not answer',
    });
    expect(reroll.statusCode).toBe(200);
    const after = await world.app.inject({
      method: 'GET',
      url: `/api/lotteries/${id}/proof`,
      headers: { 'if-none-match': etag, 'accept-encoding': 'gzip' },
    });
    expect(after.statusCode).toBe(200);
    expect(after.headers.etag).not.toBe(etag);
    const rerolled = drawProofSchema.parse(JSON.parse(gunzipSync(after.rawPayload).toString('utf8')));
    expect(rerolled.rerolls).toHaveLength(1);
    expect(verifyProof(rerolled).ok).toBe(true);
  });
});

describe('GET /metrics budget', () => {
  /** A metrics-only app whose counts are counted and whose clock the test moves. */
  async function metricsApp(token?: string) {
    const app = Fastify();
    app.setValidatorCompiler(validatorCompiler);
    app.setSerializerCompiler(serializerCompiler);
    installErrorHandling(app);
    let reads = 0;
    let clock = 1_000_000;
    const counts = async (): Promise<PlatformCounts> => {
      reads++;
      return { botsByState: {}, botsIsolated: {}, entries: reads, draws: 0, outboxDepth: 0 };
    };
    await app.register(metricsRoutes, {
      metrics: createWebMetrics(false),
      counts,
      token,
      cacheMs: 15_000,
      now: () => clock,
    });
    return {
      app,
      reads: () => reads,
      advance: (ms: number) => {
        clock += ms;
      },
    };
  }

  it('reads the counts once per 15 s, one read for concurrent scrapes', async () => {
    const m = await metricsApp();
    try {
      const scrape = () => m.app.inject({ method: 'GET', url: '/metrics' });
      const [a, b] = await Promise.all([scrape(), scrape()]);
      expect(m.reads()).toBe(1);
      expect(a.body).toContain('tg_lottery_entries 1');
      expect(b.body).toContain('tg_lottery_entries 1');
      m.advance(14_000);
      expect((await scrape()).body).toContain('tg_lottery_entries 1');
      expect(m.reads()).toBe(1);
      m.advance(2_000);
      expect((await scrape()).body).toContain('tg_lottery_entries 2');
      expect(m.reads()).toBe(2);
    } finally {
      await m.app.close();
    }
  });

  it('without a token serves loopback clients only', async () => {
    const m = await metricsApp();
    try {
      const local = await m.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '127.0.0.1' });
      expect(local.statusCode).toBe(200);
      const remote = await m.app.inject({ method: 'GET', url: '/metrics', remoteAddress: '203.0.113.9' });
      expect(remote.statusCode).toBe(403);
      expect(m.reads()).toBe(1);
    } finally {
      await m.app.close();
    }
  });

  it('with METRICS_TOKEN asks every client for the bearer token, and never echoes it', async () => {
    const token = 'metrics-token-0123456789';
    const app = await world.another({}, { metricsToken: token });
    const scrape = (headers: Record<string, string>) =>
      app.inject({ method: 'GET', url: '/metrics', remoteAddress: '203.0.113.9', headers });
    const none = await scrape({});
    expect(none.statusCode).toBe(401);
    expect(errorOf(none).code).toBe('unauthenticated');
    const wrong = await scrape({ authorization: 'Bearer not-the-token-at-all' });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.body).not.toContain('not-the-token');
    const right = await scrape({ authorization: `Bearer ${token}` });
    expect(right.statusCode).toBe(200);
    expect(right.body).toContain('tg_lottery_database_up 1');
  });
});

describe('entry search budget', () => {
  it('runs on the trigram index', async () => {
    const { id } = await openLottery(5);
    // Enough rows that a scan would cost more than the index, and fresh statistics.
    await makeEntriesInBulk(world.db, id, 20_000, {
      firstUserId: 100_000,
      firstName: 'Name ',
      lastName: { prefix: 'Family', kinds: 97 },
      username: 'user_',
    });
    // As autovacuum does: moves the GIN pending list into the index and refreshes the statistics.
    await world.query('vacuum analyze entries');
    const search = searchClause('Zelda');
    const plan = await world.query<{ 'QUERY PLAN': string }>(
      `explain select id from entries where lottery_id = ? ${search.sql} order by id limit 51`,
      [id, ...search.params],
    );
    const text = plan.map((r) => r['QUERY PLAN']).join('\n');
    expect(text).toContain('entries_search_trgm');
    expect(search.sql).toContain(SEARCH_TEXT);
  });

  it('stops a search that runs over its statement timeout with a 503 sentence', async () => {
    const app = await world.another({ searchTimeoutMs: 200 });
    const { browser, id } = await openLottery(3, 9000);
    const b = sameSession(browser, app);
    // Another session holds a lock the search must wait for: only the timeout can end the wait.
    const locker = new pg.Client({ connectionString: world.db.url });
    await locker.connect();
    try {
      await locker.query('begin');
      await locker.query('lock table entries in access exclusive mode');
      const res = await b.request('GET', `/api/lotteries/${id}/entries?query=User`);
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toBe('60');
      expect(errorOf(res)).toEqual({
        code: 'query_timeout',
        message:
          'This took too long and was stopped: search with more letters (or a user id), or try again in a minute.',
      });
    } finally {
      await locker.query('rollback');
      await locker.end();
    }
    expect((await b.request('GET', `/api/lotteries/${id}/entries?query=User`)).json().total).toBe(3);
  });

  it('maps the database timeout (57014) of any statement onto the same answer', async () => {
    const err = await withStatementTimeout(door.sql, 50, (tx) => tx.query('select pg_sleep(5)')).catch(
      (e: unknown) => e,
    );
    expect((err as { code?: string }).code).toBe('57014');
    expect(toApiError(err)).toMatchObject({ statusCode: 503, code: 'query_timeout' });
  });
});

describe('heavy requests per tenant', () => {
  it("serves a second tenant's search while tenant A's heavy slots are full; A queues, then gets 429", async () => {
    const heavy = createHeavyLimiter({ perTenant: 2, total: 4, queuePerTenant: 1, retryAfterS: 5 });
    const app = await world.another({ heavy });
    const a = await openLottery(3, 11000);
    const b = await openLottery(3, 12000);
    const browserA = sameSession(a.browser, app);
    const browserB = sameSession(b.browser, app);
    // Tenant A's two slots are taken (as by two long searches or exports).
    const held = [await heavy.acquire(a.tenantId), await heavy.acquire(a.tenantId)];
    const queued = browserA.request('GET', `/api/lotteries/${a.id}/entries?query=User`);
    await waitUntil(() => heavy.stats().byKey[String(a.tenantId)]?.waiting === 1, "A's search to queue");
    const refused = await browserA.request('GET', `/api/lotteries/${a.id}/entries.csv`);
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBe('5');
    expect(errorOf(refused).code).toBe('rate_limited');

    const other = await browserB.request('GET', `/api/lotteries/${b.id}/entries?query=User`);
    expect(other.statusCode).toBe(200);
    expect(other.json().total).toBe(3);
    const otherCsv = await browserB.request('GET', `/api/lotteries/${b.id}/entries.csv`);
    expect(otherCsv.statusCode).toBe(200);
    expect(otherCsv.body.trim().split('\n')).toHaveLength(4);

    for (const release of held) release();
    const late = await queued;
    expect(late.statusCode).toBe(200);
    expect(late.json().total).toBe(3);
    await waitUntil(() => heavy.stats().running === 0, 'every heavy slot to be released');
  });
});
