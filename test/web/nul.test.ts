/**
 * A NUL character (U+0000) cannot be stored in PostgreSQL text: every route refuses it with 400
 * validation_failed naming the field, before anything reaches the database (signed in or not).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeChat } from '../helpers/factories/index.ts';
import { createWebWorld, errorOf, type WebWorld } from './helpers.ts';
import { organiser } from './lottery-helpers.ts';

let world: WebWorld;
beforeAll(async () => {
  world = await createWebWorld();
});
afterAll(async () => {
  await world?.close();
});

describe('NUL characters', () => {
  it('are refused in the sign-in body without an account', async () => {
    const res = await world.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { username: 'de\u0000mo', password: 'xyyyyyyyyyyy' },
    });
    expect(res.statusCode).toBe(400);
    expect(errorOf(res)).toMatchObject({ code: 'validation_failed' });
    expect(errorOf(res).message).toContain('username');
  });

  it('are refused in lottery bodies and query strings, and nothing is stored', async () => {
    const { browser, tenantId } = await organiser(world, 'nul_organiser');
    await makeChat(world.db, { tenantId, chatId: -1009001 });
    const body = (title: string, prize = 'Prize') => ({
      title,
      prizes: [{ name: prize, quantity: 1 }],
      draw_trigger: { kind: 'manual' },
      publish_targets: [-1009001],
    });
    for (const payload of [
      body('a\u0000b'),
      body('ok', 'pri\u0000ze'),
      { ...body('ok'), join_keyword: '\u0000' },
    ]) {
      const res = await browser.request('POST', '/api/lotteries', payload);
      expect(res.statusCode, res.body).toBe(400);
      expect(errorOf(res).code).toBe('validation_failed');
    }
    expect(await world.query('select 1 from lotteries where tenant_id = ?', [tenantId])).toHaveLength(0);

    const created = await browser.request('POST', '/api/lotteries', body('fine'));
    expect(created.statusCode).toBe(201);
    const id = (created.json() as { id: number }).id;
    const search = await browser.request('GET', `/api/lotteries/${id}/entries?query=a%00b`);
    expect(search.statusCode).toBe(400);
    expect(errorOf(search).message).toContain('query parameter query');
  });
});
