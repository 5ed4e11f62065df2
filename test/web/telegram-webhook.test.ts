/**
 * `POST /telegram/webhook/:tenantId/:botId` (src/web/routes/telegram-webhook.ts): a delivery with the bot's
 * secret is stored and answered 200 only once stored; a redelivery is answered 200 and stored once; a
 * missing or wrong secret is 401 and stores nothing; a body that is not an update is 400; a database that
 * does not answer is 503 (Telegram delivers again); an update for a bot that is not the tenant's any more
 * is answered 200 and dropped; deliveries arriving together are stored in one group; no per-address limit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sql } from '../../src/db/sql.ts';
import { createWebhookSecrets } from '../../src/security/webhook-secret.ts';
import { createUpdateIntake } from '../../src/web/services/update-intake.ts';
import { makeOrganiser, sqlOf } from '../helpers/factories/index.ts';
import { APP_SECRET, createWebWorld, errorOf, type WebWorld } from './helpers.ts';

let world: WebWorld;
let sql: Sql;
beforeAll(async () => {
  world = await createWebWorld();
  sql = sqlOf(world.db);
});
afterAll(async () => {
  await world?.close();
});

const secrets = createWebhookSecrets(APP_SECRET);

async function bot(): Promise<{ tenantId: number; botId: number; path: string; secret: string }> {
  const { tenantId, botConfig } = await makeOrganiser(sql);
  const botId = Number(botConfig!.botId);
  return {
    tenantId,
    botId,
    path: `/telegram/webhook/${tenantId}/${botId}`,
    secret: secrets.secretFor(tenantId, botId),
  };
}

const body = (updateId: number) => ({
  update_id: updateId,
  message: {
    message_id: 1,
    date: 1,
    chat: { id: 5, type: 'private' },
    from: { id: 5, is_bot: false, first_name: 'A' },
    text: '/start',
  },
});

async function stored(tenantId: number): Promise<number[]> {
  const rows = await sql.query<{ update_id: string }>(
    'select update_id from inbound_updates where tenant_id = ? order by update_id',
    [tenantId],
  );
  return rows.map((r) => Number(r.update_id));
}

function post(path: string, payload: unknown, secret?: string, app = world.app) {
  return app.inject({
    method: 'POST',
    url: path,
    headers: {
      'content-type': 'application/json',
      ...(secret ? { 'x-telegram-bot-api-secret-token': secret } : {}),
    },
    payload: JSON.stringify(payload),
  });
}

describe('the webhook endpoint', () => {
  it('stores an update with the right secret and answers 200; a redelivery is stored once', async () => {
    const b = await bot();
    const first = await post(b.path, body(41), b.secret);
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({ ok: true });
    expect(await stored(b.tenantId)).toEqual([41]);
    const again = await post(b.path, body(41), b.secret);
    expect(again.statusCode).toBe(200);
    expect(await stored(b.tenantId)).toEqual([41]);
    const [row] = await sql.query<{ body: { message: { text: string } } }>(
      'select body from inbound_updates where tenant_id = ?',
      [b.tenantId],
    );
    expect(row!.body.message.text).toBe('/start');
  });

  it('refuses a missing or wrong secret with 401 and a sentence, storing nothing', async () => {
    const b = await bot();
    const other = await bot();
    for (const secret of [undefined, 'wrong', other.secret]) {
      const res = await post(b.path, body(1), secret);
      expect(res.statusCode).toBe(401);
      expect(errorOf(res).code).toBe('webhook_secret_mismatch');
      expect(errorOf(res).message).toContain('X-Telegram-Bot-Api-Secret-Token');
    }
    expect(await stored(b.tenantId)).toEqual([]);
  });

  it('refuses what is not an update with 400', async () => {
    const b = await bot();
    for (const bad of [{}, { update_id: -1 }, { update_id: 1.5 }, { update_id: '7' }, [1]]) {
      const res = await post(b.path, bad, b.secret);
      expect(res.statusCode, JSON.stringify(bad)).toBe(400);
      expect(errorOf(res).code).toBe('validation_failed');
    }
    const res = await world.app.inject({
      method: 'POST',
      url: b.path,
      headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': b.secret },
      payload: '{"update_id": 1',
    });
    expect(res.statusCode).toBe(400);
    // A path that is not two plain numbers names no bot: refused as a stranger's, before the body is read.
    for (const path of [
      `/telegram/webhook/abc/${b.botId}`,
      `/telegram/webhook/0x${b.tenantId.toString(16)}/${b.botId}`,
      `/telegram/webhook/0${b.tenantId}/${b.botId}`,
    ]) {
      expect((await post(path, body(1), b.secret)).statusCode, path).toBe(401);
    }
    expect(await stored(b.tenantId)).toEqual([]);
  });

  it("answers 200 and drops an update for a bot that is not the tenant's configured bot", async () => {
    const b = await bot();
    const stray = b.botId + 1;
    const res = await post(
      `/telegram/webhook/${b.tenantId}/${stray}`,
      body(3),
      secrets.secretFor(b.tenantId, stray),
    );
    expect(res.statusCode).toBe(200);
    expect(await stored(b.tenantId)).toEqual([]);
  });

  it('answers 503 when the update cannot be stored, so Telegram delivers it again', async () => {
    const b = await bot();
    const broken = createUpdateIntake({
      query: async () => {
        throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
      },
    });
    const app = await world.another({ updateIntake: broken });
    const res = await post(b.path, body(9), b.secret, app);
    expect(res.statusCode).toBe(503);
    expect(errorOf(res).code).toBe('update_not_stored');
    expect(JSON.stringify(res.json())).not.toContain('ECONNREFUSED');
    expect(await stored(b.tenantId)).toEqual([]);
  });

  it('stores deliveries that arrive together in few groups, each answered after its group', async () => {
    const b = await bot();
    const statements: number[] = [];
    const counting = createUpdateIntake(
      {
        query: async (text, params) => {
          statements.push(JSON.parse(String(params?.[0])).length);
          return sql.query(text, params);
        },
      },
      { inFlight: 1 },
    );
    const app = await world.another({ updateIntake: counting });
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => post(b.path, body(1000 + i), b.secret, app)),
    );
    expect(answers.every((a) => a.statusCode === 200)).toBe(true);
    expect(await stored(b.tenantId)).toHaveLength(50);
    expect(statements.reduce((a, n) => a + n, 0)).toBe(50);
    expect(statements.length).toBeLessThan(50);
  });

  it('checks the secret before reading the body, and refuses a body too large for any update', async () => {
    const b = await bot();
    const big = { update_id: 1, message: { text: 'x'.repeat(300 * 1024) } };
    expect((await post(b.path, big)).statusCode).toBe(401);
    expect((await post(b.path, big, b.secret)).statusCode).toBe(413);
    expect(await stored(b.tenantId)).toEqual([]);
  });

  it('an update PostgreSQL cannot store fails alone (400), not the others written with it', async () => {
    const a = await bot();
    const b = await bot();
    const app = await world.another({ updateIntake: createUpdateIntake(sql, { inFlight: 1 }) });
    const poison = (id: number) =>
      app.inject({
        method: 'POST',
        url: a.path,
        headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': a.secret },
        // A lone surrogate: valid JSON, refused by jsonb.
        payload: `{"update_id": ${id}, "message": {"text": "\\ud800"}}`,
      });
    const answers = await Promise.all([
      ...Array.from({ length: 20 }, (_, i) => post(b.path, body(500 + i), b.secret, app)),
      poison(1),
      ...Array.from({ length: 20 }, (_, i) => post(b.path, body(600 + i), b.secret, app)),
    ]);
    const statuses = answers.map((r) => r.statusCode);
    expect(statuses.filter((s) => s === 200)).toHaveLength(40);
    expect(statuses.filter((s) => s === 400)).toHaveLength(1);
    expect(await stored(b.tenantId)).toHaveLength(40);
    expect(await stored(a.tenantId)).toEqual([]);
  });

  it('answers 503 when the database hangs (within the intake timeout), and when the intake is full', async () => {
    const b = await bot();
    const hanging = createUpdateIntake(
      { query: () => new Promise(() => {}) },
      { timeoutMs: 200, maxBacklog: 3 },
    );
    const app = await world.another({ updateIntake: hanging });
    const started = Date.now();
    const answers = await Promise.all(
      Array.from({ length: 4 }, (_, i) => post(b.path, body(i + 1), b.secret, app)),
    );
    expect(answers.map((r) => r.statusCode).sort()).toEqual([503, 503, 503, 503]);
    expect(answers.every((r) => errorOf(r).code === 'update_not_stored')).toBe(true);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('sums refused deliveries up in one log line a minute, whatever tenant ids a stranger tries', async () => {
    const app = await world.another();
    const before = world.logs.filter((l) => l.includes('webhook-secret-mismatch')).length;
    for (let i = 1; i <= 30; i++) {
      expect((await post(`/telegram/webhook/${100_000 + i}/1`, body(1), 'nope', app)).statusCode).toBe(401);
    }
    const lines = world.logs.filter((l) => l.includes('webhook-secret-mismatch')).length - before;
    expect(lines).toBeLessThanOrEqual(1);
  });

  it('is not limited per address (every delivery comes from Telegram)', async () => {
    const b = await bot();
    const app = await world.another({}, { rateLimits: { perMinute: 5 } });
    const answers = [];
    for (let i = 0; i < 12; i++) answers.push((await post(b.path, body(i + 1), b.secret, app)).statusCode);
    expect(answers.every((s) => s === 200)).toBe(true);
    // The same app limits other routes at 5 a minute.
    const api = [];
    for (let i = 0; i < 7; i++)
      api.push((await app.inject({ method: 'GET', url: '/api/lotteries/1/proof' })).statusCode);
    expect(api, JSON.stringify(api)).toContain(429);
  });
});
